/**
 * Issue 10 against fake clients: message identity across reconnects and devices, the selection c/r/a/enter act
 * on, several keys in one read, bracketed pastes, and the choices (transport, purge, device, quit in a repeat).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEVICE_CS, KEY, fakes } from './fakes.js';
import { KEYS } from '../helpers/keys.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';
import { formatDeviceConnectionString } from '../../src/core/connection-string.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

const paste = (text: string): string => `\u001b[200~${text}\u001b[201~`;

describe('message identity', () => {
  it('after a reconnect, r rejects the message selected and marks that row; enter opens it, not the older one with the same client number', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.screen('device dev1 mqtt ● connected');
    const a = f.device().receive({ messageId: 'msg-A', payload: Buffer.from('payload of A') });
    await app.screen('msg-A');
    await app.press('t');
    await app.screen('Connect the device over');
    await app.press('3');
    await app.screen('device dev1 amqp ● connected');
    await app.press('m');
    await app.screen('settle manual');
    const b = f.device().receive({ messageId: 'msg-B', payload: Buffer.from('payload of B') });
    // Each connection's client numbers its messages from 1: the same number, two messages.
    expect(b.id).toBe(a.id);
    await app.screen('msg-B');
    // Two connections in the list: a column says which delivered which.
    expect(app.frame()).toMatch(/dev1 mqtt #\d+\s+msg-A/);
    expect(app.frame()).toMatch(/dev1 amqp #\d+\s+msg-B/);
    await app.press('r');
    await app.screen('Message msg-B rejected');
    expect(f.device().settled).toEqual([[b.id, 'reject']]);
    expect(app.frame()).toMatch(/x\s+dev1 amqp #\d+\s+msg-B/);
    expect(app.frame()).toMatch(/\+\s+dev1 mqtt #\d+\s+msg-A/);
    await app.press(KEYS.enter);
    const details = await app.screen('Message msg-B (');
    expect(details).toContain('payload of B');
    await app.press(KEYS.esc);
    // The older message was acknowledged over MQTT on arrival: nothing is settled again.
    await app.press(KEYS.up);
    await app.press('c');
    await app.screen('that message is already acknowledged');
    expect(f.device().settled).toHaveLength(1);
  });

  it('a pasted second device: its rows open its own messages', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.screen('device dev1 mqtt ● connected');
    f.device().receive({ messageId: 'from-dev1', payload: Buffer.from('one') });
    await app.screen('from-dev1');
    await app.press('p');
    await app.press(paste(formatDeviceConnectionString({ hostName: 'fake-hub.azure-devices.net', deviceId: 'dev2', key: KEY })));
    await app.press(KEYS.enter);
    await app.screen('device dev2 mqtt ● connected');
    f.device().receive({ messageId: 'from-dev2', payload: Buffer.from('two') });
    await app.screen(/dev2 mqtt #\d+\s+from-dev2/);
    await app.press(KEYS.enter);
    const details = await app.screen('Message from-dev2');
    expect(details).toContain('Payload (text)');
    expect(details).toContain('  two');
  });
});

describe('keys that arrive together', () => {
  it('kkkk moves four rows, ?? opens and closes help, 21 is 2 then 1 as if typed one by one', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    for (let i = 1; i <= 10; i++) f.device().receive({ messageId: `msg-${i}` });
    await app.screen('msg-10');
    await app.press('kkkk');
    await app.screen('row 6 of 10');
    await app.press('??');
    expect(app.frame()).not.toContain('Keys (esc or ? closes');
    expect(app.frame()).toContain('row 6 of 10');
    await app.press('3');
    await app.screen(/filter: all/);
    await app.press(']]');
    // ] goes to the Device pane, the second ] to Send, whose form takes the keys that follow.
    await app.screen(/› Payload/);
    await app.press(KEYS.esc);
    await app.press('31');
    await app.screen('row 6 of 10');
    expect(app.store.getState().pane).toBe('device');
  });

  it('a bracketed paste into a field is one insert, keys and all; outside a field it is not taken for keys', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press(paste('q?2'));
    await app.screen('Pasted text goes into a form field');
    expect(app.frame()).toContain('1 Device');
    await app.press('2');
    await app.screen(/› Payload/);
    await app.press(paste('line one\nq ? 1'));
    await app.screen(/q \? 1/);
    expect(app.store.getState().send.form.payload).toBe('line one\nq ? 1');
    expect(app.store.getState().pane).toBe('send');
  });

  it('a connection string pasted onto the Device pane opens the prompt with it', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press(paste(DEVICE_CS));
    await app.screen('Paste a device connection string');
    const overlay = app.store.getState().overlay;
    expect(overlay).toMatchObject({ kind: 'prompt', purpose: 'device', text: DEVICE_CS });
  });
});

describe('choices', () => {
  it('P purges the device queue after a confirmation; the header shows 0 at once', async () => {
    const f = fakes();
    f.registry.depth = 50;
    let purged = 0;
    f.registry.purge = async () => {
      purged += 1;
      f.registry.depth = 0;
      return 50;
    };
    app = await startApp(f.connector);
    await app.screen('queue 50/50 FULL');
    await app.press('P');
    await app.screen('Purge the C2D queue of dev1? 50 queued messages are lost');
    await app.press(KEYS.esc);
    expect(purged).toBe(0);
    await app.press('P');
    await app.screen('Purge the C2D queue of dev1?');
    await app.press(KEYS.down);
    await app.press(KEYS.enter);
    await app.screen('Purged 50 messages from the C2D queue of dev1.');
    expect(app.frame()).toContain('queue 0/50');
    expect(purged).toBe(1);
  });

  it('d lists the devices to connect as, and creates one', async () => {
    const f = fakes();
    const created: string[] = [];
    f.registry.list = async () => ['dev1', 'other'].map((deviceId) => ({ deviceId, status: 'enabled', connectionState: 'Disconnected', cloudToDeviceMessageCount: 0, generationId: 'g' }));
    f.registry.create = async (deviceId) => {
      created.push(deviceId);
      return { deviceId, status: 'enabled', connectionState: 'Disconnected', cloudToDeviceMessageCount: 0, generationId: 'g' };
    };
    f.registry.deviceConnectionString = (info: { deviceId: string }) => formatDeviceConnectionString({ hostName: 'fake-hub.azure-devices.net', deviceId: info.deviceId, key: KEY });
    app = await startApp(f.connector);
    await app.screen('device dev1 mqtt ● connected');
    await app.press('d');
    await app.screen(/1 dev1 \(now\)[\s\S]*2 other[\s\S]*3 Create a new device/);
    await app.press('2');
    await app.screen('device other mqtt ● connected');
    await app.press('d');
    await app.screen('3 Create a new device');
    await app.press('3');
    await app.screen('Create a device: its id');
    await app.type('bad id');
    await app.press(KEYS.enter);
    await app.screen(/device id/i);
    for (let i = 0; i < 6; i++) await app.press(KEYS.backspace);
    await app.type('fresh-1');
    await app.press(KEYS.enter);
    await app.screen('device fresh-1 mqtt ● connected');
    expect(created).toEqual(['fresh-1']);
  });

  it('q during a repeated send asks first and says how many are not sent yet', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen(/› Payload/);
    await app.type('x');
    // Repeat 500 at 1 message a second: plenty left when q is pressed.
    const form = app.store.getState().send.form;
    app.store.dispatch({ type: 'form', form: { ...form, repeat: '500', rate: '1' } });
    await app.press(KEYS.ctrl('s'));
    await app.screen(/2 Send \(\d+\/500\)/);
    await app.press(KEYS.esc);
    await app.press('q');
    const asked = await app.screen(/not sent yet\. Quit\?/);
    expect(asked).toMatch(/(49[0-9]) not sent yet/);
    await app.press('1');
    expect(f.shutdowns).toBe(0);
    expect(app.store.getState().send.repeat?.running).toBe(true);
    await app.press('q');
    await app.screen('Quit?');
    await app.press('2');
    await new Promise((r) => setTimeout(r, 0));
    const { waitFor } = await import('../helpers/wait.js');
    await waitFor(() => (f.shutdowns === 1 ? true : undefined), 3000, 'the quit');
  });
});
