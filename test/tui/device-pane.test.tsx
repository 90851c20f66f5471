/** Device pane against fake clients: the list, details, settling, queue depth, bad strings, bounded streams. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CS, fakes } from './fakes.js';
import { KEYS } from '../helpers/keys.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';
import { MAX_MESSAGES } from '../../src/tui/state/reducer.js';
import { waitFor } from '../helpers/wait.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

describe('Device pane', () => {
  it('lists each message: time, ids, size, property count, compact JSON or hex preview', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.screen('device dev1 mqtt ● connected');
    f.device().receive({ messageId: 'm-json', correlationId: 'c-1', payload: Buffer.from('{\n  "temp": 21\n}'), properties: [['a', '1'], ['b', '2']] });
    f.device().receive({ messageId: 'm-bin', payload: Buffer.from([0, 1, 2, 255]) });
    const screen = await app.screen('m-bin');
    expect(screen).toMatch(/m-json\s+c-1\s+16B\s+2p\s+\{"temp":21\}/);
    expect(screen).toMatch(/m-bin\s+4B\s+0p\s+hex 00 01 02 ff/);
    expect(screen).toContain('1 Device (2)');
  });

  it('follows the tail, stops when the user moves up, and G follows again', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    for (let i = 1; i <= 40; i++) f.device().receive({ messageId: `msg-${i}` });
    await app.screen('msg-40');
    expect(app.frame()).not.toContain('msg-1 ');
    await app.press(KEYS.up);
    await app.screen('row 39 of 40');
    f.device().receive({ messageId: 'msg-41' });
    await app.screen('1 Device (41)');
    expect(app.frame()).toContain('row 39 of 41');
    await app.press('g');
    await app.screen('msg-1 ');
    await app.press('G');
    await app.screen('following the tail');
    expect(app.frame()).toContain('msg-41');
  });

  it('enter opens every system and custom property and the pretty payload; esc closes', async () => {
    const f = fakes({ transport: 'amqp' });
    app = await startApp(f.connector);
    f.device().receive({
      messageId: 'm-1',
      correlationId: 'c-1',
      to: '/devices/dev1/messages/deviceBound',
      expiryTimeUtc: '2030-01-01T00:00:00.000Z',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      ack: 'full',
      lockToken: 'lock-1',
      userId: 'ops',
      deliveryCount: 2,
      payload: Buffer.from('{"a":[1,2]}'),
      properties: [['colour', 'red']],
    });
    await app.screen('m-1');
    await app.press(KEYS.enter);
    const screen = await app.screen('Custom properties (1)');
    for (const text of ['correlationId    c-1', 'to               /devices/dev1/messages/deviceBound', 'expiryTimeUtc    2030-01-01T00:00:00.000Z', 'contentType      application/json', 'contentEncoding  utf-8', 'ack              full', 'lockToken        lock-1', 'userId           ops', 'deliveryCount    2 (abandoned 2 times before)', 'colour = red']) {
      expect(screen).toContain(text);
    }
    // The pretty-printed payload is below: scroll down to it.
    for (let i = 0; i < 8; i++) await app.press('j');
    await app.screen(/"a": \[\s*│\n│\s+1,/);
    await app.press(KEYS.esc);
    await app.screen('following the tail');
  });

  it('manual settle over AMQP: c, r and a settle the selected message', async () => {
    const f = fakes({ transport: 'amqp' });
    app = await startApp(f.connector);
    await app.press('m');
    await app.screen('settle manual');
    expect(f.device().autoComplete).toBe(false);
    const a = f.device().receive({ messageId: 'first' });
    const b = f.device().receive({ messageId: 'second' });
    await app.screen('second');
    await app.press('r');
    await app.screen('Message second rejected');
    await app.press(KEYS.up);
    await app.press('c');
    await app.screen('Message first completed');
    expect(f.device().settled).toEqual([
      [b.id, 'reject'],
      [a.id, 'complete'],
    ]);
    expect(app.frame()).toMatch(/\+ first/);
    expect(app.frame()).toMatch(/x second/);
  });

  it('over MQTT, reject and abandon are unavailable, with the reason', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.screen('reject/abandon unavailable over MQTT');
    await app.press('m');
    f.device().receive({ messageId: 'x' });
    await app.screen('x');
    await app.press('r');
    await app.screen('r (reject) is not available now: unavailable over MQTT');
    expect(f.device().settled).toEqual([]);
  });

  it('shows the queue depth from the registry, with a warning near 50', async () => {
    const f = fakes();
    f.registry.depth = 45;
    app = await startApp(f.connector, { queuePollMs: 20 });
    await app.screen('queue 45/50 nearly full');
    f.registry.depth = 50;
    await app.screen('queue 50/50 FULL');
    f.registry.depth = 3;
    await app.screen('queue 3/50');
  });

  it('a malformed device connection string: one-line error, the service side keeps working', async () => {
    const f = fakes({ deviceConnectionString: 'HostName=fake-hub.azure-devices.net;SharedAccessKey=abc' });
    app = await startApp(f.connector);
    const screen = await app.screen('The device connection string has no DeviceId');
    expect(screen).toContain('service ● connected');
    expect(f.openedDevice).toHaveLength(0);
    await app.press('2');
    await app.screen('✗ The device id is empty');
    await app.press(KEYS.shiftTab);
    await app.type('dev1');
    await app.press(KEYS.tab);
    await app.type('still works');
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    // Paste a good one from the Device pane: it connects.
    await app.press(KEYS.esc);
    await app.press('1');
    await app.press('p');
    await app.press(DEVICE_CS);
    await app.press(KEYS.enter);
    await app.screen('device dev1 mqtt ● connected');
    expect(f.openedDevice.map((o) => o.connectionString)).toEqual([DEVICE_CS]);
  });

  it('t switches transport and reconnects; x disconnects and connects again', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.screen('device dev1 mqtt ● connected');
    await app.press('t');
    await app.screen(/Connect the device over[\s\S]*1 mqtt \(now\)[\s\S]*5 http/);
    await app.press('2');
    await app.screen('device dev1 mqtt-ws ● connected');
    expect(f.devices[0]!.closed).toBe(true);
    await app.press('x');
    await app.screen('disconnected by you');
    await app.press('x');
    await app.screen('device dev1 mqtt-ws ● connected');
    expect(f.openedDevice.map((o) => o.transport)).toEqual(['mqtt', 'mqtt-ws', 'mqtt-ws']);
  });

  it('header states change live, with the reason', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    f.device().link.set({ status: 'retrying', reason: 'the hub closed the connection' });
    f.service.link.set({ status: 'retrying', reason: 'socket hang up' });
    await app.screen('mqtt ● retrying: the hub closed the connection');
    await app.screen('service ● retrying: socket hang up');
  });

  it(`holds the newest ${MAX_MESSAGES.toLocaleString('en-US')} messages, counts all, and batches a flood into few redraws`, async () => {
    const f = fakes();
    app = await startApp(f.connector);
    const flushes = app.store.flushes;
    for (let i = 1; i <= MAX_MESSAGES + 500; i++) f.device().receive({ messageId: `n-${i}` });
    await app.screen('1 Device (10,500)');
    const state = app.store.getState();
    expect(state.device.messages).toHaveLength(MAX_MESSAGES);
    expect(state.device.messages[0]?.message.messageId).toBe('n-501');
    // 10,500 messages arrived in one tick: one flush, not 10,500.
    expect(app.store.flushes - flushes).toBeLessThanOrEqual(2);
    await waitFor(() => app!.frame().includes('n-10500'), 2000, 'the tail');
  });
});
