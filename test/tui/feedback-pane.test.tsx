/** Feedback pane against fake clients: lifecycle, latencies, elsewhere, filter, export; plus the overlays. */
import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY, fakes } from './fakes.js';
import { KEYS } from '../helpers/keys.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

describe('Feedback pane', () => {
  it('follows a message: enqueued, received by the device, then the hub\'s Success, with latencies', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.type('hi');
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    const id = f.service.sent[0]!.message.messageId!;
    await app.press(KEYS.esc);
    await app.press('3');
    await app.screen(new RegExp(`full enqueued .*${id.slice(0, 8)}`));
    expect(app.frame()).toContain('3 Feedback (1 pending)');
    f.device().receive({ messageId: id });
    await app.screen(new RegExp(`full received .*${id.slice(0, 8)}`));
    f.service.feedback([{ originalMessageId: id }]);
    const screen = await app.screen(new RegExp(`full Success .*${id.slice(0, 8)}`));
    expect(screen).toMatch(/Success 1 · median to feedback \d/);
    expect(screen).toContain('3 Feedback (0 pending)');
    const row = app.store.getState().feedback.rows.get(id)!;
    expect(row.enqueueLatency).toBeGreaterThanOrEqual(0);
    expect(row.receiptLatency).toBeGreaterThanOrEqual(row.enqueueLatency!);
    expect(row.feedbackLatency).toBeGreaterThanOrEqual(row.receiptLatency!);
  });

  it('ack none says no feedback requested; ack negative with a completed message says none will come', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    while (!/› Ack/.test(app.frame())) await app.press(KEYS.tab);
    await app.press(KEYS.ctrl('s')); // full, for contrast
    await app.press('\u001b[D'); // left: negative
    await app.press(KEYS.ctrl('s'));
    await app.press('\u001b[D');
    await app.press('\u001b[D'); // none
    await app.press(KEYS.ctrl('s'));
    await app.screen(/Recent sends[\s\S]*✓[\s\S]*✓[\s\S]*✓/);
    const [full, negative, none] = f.service.sent.map((s) => s.message);
    expect([full!.ack, negative!.ack, none!.ack]).toEqual(['full', 'negative', 'none']);
    f.device().receive({ messageId: negative!.messageId! });
    await app.press(KEYS.esc);
    await app.press('3');
    await app.screen(/none no feedback requested/);
    await app.screen(/neg\s+no feedback expected/);
    // The selected row's note explains why.
    await app.press(KEYS.up);
    await app.screen('completed; ack negative reports failures only');
  });

  it('lists feedback for messages sent elsewhere, filters by status with /, exports JSON Lines with e', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.type('x');
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    const id = f.service.sent[0]!.message.messageId!;
    f.service.feedback([{ originalMessageId: id }, { originalMessageId: 'from-another-app', statusCode: 'Expired', description: 'Message expired' }]);
    await app.press(KEYS.esc);
    await app.press('3');
    await app.screen('Expired (elsewhere)');
    await app.screen(/Success 1 · Expired 1/);
    await app.press('/'); // pending
    await app.press('/'); // Success
    let screen = await app.screen('filter: Success');
    expect(screen).not.toContain('from-another-app');
    expect(screen).toContain(id.slice(0, 8));
    await app.press('/'); // Rejected
    await app.screen('No row matches the filter');
    await app.press('e');
    screen = await app.screen(/Exported 1 sent messages and 2 feedback records to (\S+)/);
    const path = /to (\S+\.jsonl)/.exec(app.store.getState().notice!.text)![1]!;
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'sent', messageId: id, deviceId: 'dev1', ack: 'full', payload: 'x' });
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'feedback', messageId: id, status: 'Success' }),
        expect.objectContaining({ type: 'feedback', messageId: 'from-another-app', status: 'Expired' }),
      ]),
    );
  });

  it('with a remote hub, says once that reading feedback takes it off the hub', async () => {
    const f = fakes({ local: false });
    app = await startApp(f.connector);
    await app.screen("takes it off this hub's single feedback queue");
  });
});

describe('overlays', () => {
  it('? shows help generated from the keymap, for the pane the user is on; esc closes it', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('?');
    const screen = await app.screen('Keys (esc or ? closes');
    expect(screen).toContain('Device pane');
    expect(screen).toContain('Reject the selected message');
    await app.press(KEYS.esc);
    await app.screen('following the tail');
  });

  it('help longer than the screen says how much is below and scrolls with ↓ to the keys that work anywhere', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('?');
    const first = await app.screen(/↓ \d+ more lines \(↑↓ scroll\)/);
    expect(first).not.toContain('Anywhere (not while typing)');
    for (let i = 0; i < 40 && /more lines/.test(app.frame()); i++) await app.press(KEYS.down);
    const end = app.frame();
    expect(end).not.toMatch(/more lines/);
    expect(end).toContain('Show or hide this help');
    expect(end).toContain('Show the connection strings');
    await app.press(KEYS.up);
    await app.screen(/↓ \d+ more lines/);
  });

  it('i shows connection strings with keys masked and the CA path; w writes them unmasked to a 0600 file', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('i');
    let screen = await app.screen('Connection (keys masked)');
    expect(screen).toContain(`SharedAccessKey=${KEY.slice(0, 4)}…`);
    expect(screen).not.toContain(KEY);
    expect(screen).toContain('/tmp/ca.pem');
    await app.press('w');
    screen = await app.screen('Written unmasked (mode 0600)');
    const path = `${f.dir}/iot-c2d-connection.env`;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toContain(`SharedAccessKey=${KEY}`);
  });
});
