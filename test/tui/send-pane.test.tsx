/** Send pane against fake clients: the form, field checks, refusals, repeat, recall. */
import { afterEach, describe, expect, it } from 'vitest';
import { fakes, refusal } from './fakes.js';
import { KEYS } from '../helpers/keys.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';
import { waitFor } from '../helpers/wait.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

/** From the Send pane with the payload focused: tab to a field by its label. */
async function tabTo(h: Harness, label: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (new RegExp(`› ${label}`).test(h.frame())) return;
    await h.press(KEYS.tab);
  }
  throw new Error(`no field ${label}\n${h.frame()}`);
}

describe('Send pane', () => {
  it('sends what the form holds: payload, correlation id, two properties, ack full', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.type('{"t":21}');
    await tabTo(app, 'Correlation id');
    await app.type('corr-7');
    await tabTo(app, '\\+ add property');
    await app.press(KEYS.enter);
    await app.type('colour=red');
    await app.press(KEYS.tab);
    await app.press(KEYS.enter);
    await app.type('size=XL');
    await app.press(KEYS.ctrl('s'));
    const screen = await app.screen('✓ Enqueued');
    expect(f.service.sent).toHaveLength(1);
    const { deviceId, message } = f.service.sent[0]!;
    expect(deviceId).toBe('dev1');
    expect(message.payload.toString()).toBe('{"t":21}');
    expect(message.correlationId).toBe('corr-7');
    expect(message.properties).toEqual([
      ['colour', 'red'],
      ['size', 'XL'],
    ]);
    expect(message.ack).toBe('full');
    expect(message.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(screen).toContain(message.messageId);
  });

  it('typing q, 1 or ? in a field types them; esc leaves the form and then q quits', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.type('q1?');
    await app.screen('q1?');
    expect(app.store.getState().pane).toBe('send');
    expect(app.store.getState().send.form.payload).toBe('q1?');
    await app.press(KEYS.backspace);
    expect(app.store.getState().send.form.payload).toBe('q1');
    await app.press(KEYS.esc);
    await app.press('3');
    expect(app.store.getState().pane).toBe('feedback');
    await app.press('q');
    await waitFor(() => f.shutdowns === 1, 2000, 'quit to shut down the connector');
    expect(f.service.closed).toBe(true);
    expect(f.device().closed).toBe(true);
  });

  it('marks a bad property next to the field and does not send', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.press(KEYS.ctrl('n'));
    await app.type('bad name=1');
    const screen = await app.screen('✗ Property name "bad name" contains a space');
    expect(screen).toMatch(/Property 1\s+bad name=1/);
    await app.press(KEYS.ctrl('s'));
    await app.screen('Not sent, fix the marked field');
    expect(f.service.sent).toHaveLength(0);
  });

  it('warns, without blocking, when Content type says JSON and the payload is not JSON', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.type('{not json');
    await tabTo(app, 'Content type');
    await app.type('application/json');
    await app.screen('! Not valid JSON');
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent).toHaveLength(1);
  });

  it('shows a refusal in plain words and keeps the form as it was', async () => {
    const f = fakes();
    f.service.outcome = (deviceId) => refusal('device-not-found', `Device '${deviceId}' is not registered on this hub: create it or check the id.`);
    app = await startApp(f.connector);
    await app.press('2');
    await app.press(KEYS.shiftTab);
    for (let i = 0; i < 4; i++) await app.press(KEYS.backspace);
    await app.type('ghost');
    await app.press(KEYS.tab);
    await app.type('keep me');
    await app.press(KEYS.ctrl('s'));
    const screen = await app.screen('✗ Refused, device not found');
    expect(screen).toContain("Device 'ghost' is not registered");
    expect(app.store.getState().send.form).toMatchObject({ deviceId: 'ghost', payload: 'keep me' });
    expect(screen).toMatch(/To device\s+ghost/);
    await app.press('3');
    // Typed into the focused field: the pane did not change, the form still holds it.
    expect(app.store.getState().send.form.payload).toBe('keep me3');
  });

  it('repeats a send N times with a live count, and recalls a past send into the form', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.type('load');
    await tabTo(app, 'Repeat');
    await app.press(KEYS.backspace);
    await app.type('25');
    await app.press(KEYS.tab);
    for (let i = 0; i < 3; i++) await app.press(KEYS.backspace);
    await app.type('5000');
    await app.press(KEYS.ctrl('s'));
    await app.screen('Done: 25 of 25 enqueued, 0 refused');
    expect(f.service.sent).toHaveLength(25);
    expect(new Set(f.service.sent.map((s) => s.message.messageId)).size).toBe(25);
    // Clear the payload, then recall the repeated send.
    await tabTo(app, 'Payload');
    for (let i = 0; i < 4; i++) await app.press(KEYS.backspace);
    expect(app.store.getState().send.form.payload).toBe('');
    await app.press(KEYS.ctrl('r'));
    await app.screen('Recalled');
    expect(app.store.getState().send.form).toMatchObject({ payload: 'load', repeat: '25' });
  });

  it('says what to provide when there is no service connection string, and lets the user paste one', async () => {
    const f = fakes({ serviceConnectionString: undefined });
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('Press p to paste a service connection string');
    await app.press('p');
    await app.screen('Paste a service connection string');
    await app.press('HostName=h.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=' + 'A'.repeat(44));
    // Keys are masked on screen while pasting.
    const screen = await app.screen('SharedAccessKey=AAAA…');
    expect(screen).not.toContain('A'.repeat(10));
    await app.press(KEYS.enter);
    await app.screen('service ● connected');
  });
});
