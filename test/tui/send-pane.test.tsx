/** Send pane against fake clients: the form, field checks, refusals, repeat, recall. */
import { afterEach, describe, expect, it } from 'vitest';
import { fakes, refusal } from './fakes.js';
import { KEYS } from '../helpers/keys.js';
import { startApp } from './harness.js';
import { connectionInfo } from '../../src/tui/selectors.js';
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
  it('in a 40×12 terminal, shows the fields around the focused one, each on a row of its own', async () => {
    const f = fakes();
    app = await startApp(f.connector, { size: { columns: 40, rows: 12 } });
    await app.press('2');
    let screen = await app.screen('› Payload');
    expect(screen).toMatch(/^ +… \d+ more fields$/m);
    expect(screen).not.toContain('Content enc.');
    await tabTo(app, 'Content enc\\.');
    await app.type('utf-8');
    screen = app.frame();
    // Alone on its row: nothing of another field drawn over it.
    expect(screen).toMatch(/^› Content enc\. +utf-8▏$/m);
    expect(screen).toMatch(/^ +… \d+ fields above$/m);
    expect(screen.split('\n').filter((line) => line.startsWith('›'))).toHaveLength(1);
    expect(screen.split('\n').length).toBeLessThanOrEqual(12);
  });

  it('sends what the form holds: payload, correlation id, two properties, ack full', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.type('{"t":21}');
    await tabTo(app, 'Correlation id');
    await app.type('corr-7');
    await tabTo(app, 'User id');
    await app.type('ops');
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
    expect(message.userId).toBe('ops');
    expect(message.properties).toEqual([
      ['colour', 'red'],
      ['size', 'XL'],
    ]);
    expect(message.ack).toBe('full');
    expect(message.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(screen).toContain(message.messageId);
  });

  it('a payload that starts with a blank line is not shown as (empty), in the editor or after leaving it', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.press(KEYS.enter);
    await app.type('x');
    await waitFor(() => /^\s*› +x/m.test(app!.frame()), undefined, 'the second line, x, under the caret');
    expect(app.frame()).not.toContain('(empty)');
    await app.press(KEYS.esc);
    await waitFor(() => !app!.frame().includes('› Payload'), undefined, 'the form to lose focus');
    expect(app.frame()).not.toContain('(empty)');
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent[0]!.message.payload.toString()).toBe('\nx');
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

  it('alt+3 in a field leaves the form for the Feedback pane, and alt+2 comes back to the text as it was', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.type('draft');
    await app.screen('draft');
    await app.press(KEYS.alt('3'));
    expect(app.store.getState().pane).toBe('feedback');
    expect(app.store.getState().send.focus).toBeUndefined();
    await app.press(KEYS.alt('2'));
    expect(app.store.getState().pane).toBe('send');
    expect(app.store.getState().send.form.payload).toBe('draft');
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

  it('marks a reserved property name (iothub-…, $.…) next to the field', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.press(KEYS.ctrl('n'));
    await app.type('iothub-ack=none');
    await app.screen('✗ Property name "iothub-ack" is reserved');
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

/** Presses one key `times` times. */
async function repeatKey(h: Harness, key: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await h.press(key);
}

describe('Send pane: editing at the cursor', () => {
  it('inserts typed and pasted text in the middle of a field, and the message sent carries the edited text', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.type('{"tmp":21}');
    await app.screen(/› Payload\s+\{"tmp":21\}▏/);
    // home, then three characters right: after `{"t`.
    await app.press(KEYS.home);
    await app.screen(/› Payload\s+▏\{"tmp":21\}/);
    await repeatKey(app, KEYS.right, 3);
    await app.type('e');
    await app.screen(/› Payload\s+\{"te▏mp":21\}/);
    expect(app.store.getState().send.form.payload).toBe('{"temp":21}');
    // A paste goes in at the cursor too.
    await tabTo(app, 'Correlation id');
    await app.type('corr-7');
    await app.press(KEYS.ctrl('a'));
    await app.press('my-');
    await app.screen(/› Correlation id\s+my-▏corr-7/);
    // A property row: `colour=rd`, one left, `e`.
    await app.press(KEYS.ctrl('n'));
    await app.type('colour=rd');
    await app.press(KEYS.left);
    await app.type('e');
    await app.screen(/› Property 1\s+colour=re▏d/);
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent).toHaveLength(1);
    const { message } = f.service.sent[0]!;
    expect(message.payload.toString()).toBe('{"temp":21}');
    expect(message.correlationId).toBe('my-corr-7');
    expect(message.properties).toEqual([['colour', 'red']]);
  });

  it('backspace deletes before the cursor and delete at it; home/end and ctrl+a/ctrl+e go to the ends', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await tabTo(app, 'Correlation id');
    await app.type('abcdef');
    await repeatKey(app, KEYS.left, 2);
    await app.screen(/› Correlation id\s+abcd▏ef/);
    await app.press(KEYS.backspace);
    await app.screen(/› Correlation id\s+abc▏ef/);
    await app.press(KEYS.delete);
    await app.screen(/› Correlation id\s+abc▏f/);
    await app.press(KEYS.home);
    await app.press(KEYS.delete);
    await app.screen(/› Correlation id\s+▏bcf/);
    // Backspace at the start has nothing to delete.
    await app.press(KEYS.backspace);
    await app.press(KEYS.end);
    await app.screen(/› Correlation id\s+bcf▏/);
    // Delete at the end has nothing to delete.
    await app.press(KEYS.delete);
    await app.press(KEYS.ctrl('a'));
    await app.type('q');
    await app.press(KEYS.ctrl('e'));
    await app.type('!');
    await app.screen(/› Correlation id\s+qbcf!▏/);
    expect(app.store.getState().send.form.correlationId).toBe('qbcf!');
    // The keys kept their meaning: q typed a q, and esc still leaves the form.
    expect(app.store.getState().pane).toBe('send');
    await app.press(KEYS.esc);
    await waitFor(() => app!.store.getState().send.focus === undefined, 2000, 'esc to leave the form');
  });

  it('moves across payload lines: ←/→ go on over a line break, ↑/↓ keep the column, enter breaks the line at the cursor', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.type('abcdef');
    await app.press(KEYS.enter);
    await app.type('ab');
    await app.press(KEYS.enter);
    await app.type('abcdef');
    await app.press(KEYS.left);
    await app.screen(/›\s+abcde▏f/);
    // Up to a shorter line: its end; up again: back to column 5.
    await app.press(KEYS.up);
    await app.screen(/›\s+ab▏/);
    await app.press(KEYS.up);
    await app.screen(/› Payload\s+abcde▏f/);
    await app.type('X');
    await app.screen(/› Payload\s+abcdeX▏f/);
    // → at the end of a line goes to the start of the next, ← at its start back again.
    await app.press(KEYS.right);
    await app.press(KEYS.right);
    await app.screen(/›\s+▏ab/);
    await app.press(KEYS.left);
    await app.screen(/› Payload\s+abcdeXf▏/);
    await app.press(KEYS.down);
    await app.press(KEYS.home);
    await app.press(KEYS.right);
    // Enter in the middle of `ab`: four lines now, all shown while the payload has focus (it gets the rows
    // the screen can spare; payloadRows in test/tui/layout.test.ts shows the lines around the caret when not).
    await app.press(KEYS.enter);
    await app.screen(/Payload\s+abcdeXf\n\s+a\n›\s+▏b\n\s+abcdef/);
    expect(app.store.getState().send.form.payload).toBe('abcdeXf\na\nb\nabcdef');
    // home and end keep to the cursor's line.
    await app.press(KEYS.down);
    await app.press(KEYS.end);
    await app.press(KEYS.home);
    expect(app.store.getState().send.cursor).toBe('abcdeXf\na\nb\n'.length);
    await app.press(KEYS.up);
    await app.press(KEYS.up);
    await app.press(KEYS.up);
    await app.screen(/› Payload\s+▏abcdeXf\n\s+a\n\s+b\n\s+abcdef/);
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent[0]!.message.payload.toString()).toBe('abcdeXf\na\nb\nabcdef');
  });

  it('moves over é and an emoji as one character each, never splitting a surrogate pair', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.type('é😀x');
    await app.press(KEYS.left);
    await app.screen(/› Payload\s+é😀▏x/);
    await app.press(KEYS.left);
    await app.screen(/› Payload\s+é▏😀x/);
    expect(app.store.getState().send.cursor).toBe(1);
    await app.press(KEYS.backspace);
    await app.screen(/› Payload\s+▏😀x/);
    await app.type('ü');
    await app.press(KEYS.right);
    await app.screen(/› Payload\s+ü😀▏x/);
    await app.press(KEYS.left);
    await app.press(KEYS.delete);
    await app.screen(/› Payload\s+ü▏x/);
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent[0]!.message.payload.equals(Buffer.from('üx', 'utf8'))).toBe(true);
  });

  it('keeps the caret in view on a line longer than the screen is wide', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await tabTo(app, 'Correlation id');
    const long = `start-${'0123456789'.repeat(11)}-end`;
    await app.press(long);
    await app.screen(/› Correlation id\s+…[0-9]+-end▏/);
    await app.press(KEYS.home);
    await app.screen(/› Correlation id\s+▏start-[0-9]+…/);
    // Past the width: the line scrolls with the caret.
    await repeatKey(app, KEYS.right, 100);
    await app.type('Z');
    const screen = await app.screen(/› Correlation id\s+…[0-9]+Z▏[0-9]+…/);
    expect(screen).not.toContain('start-');
    expect(app.store.getState().send.form.correlationId).toBe(`${long.slice(0, 100)}Z${long.slice(100)}`);
  });

  it('edits the paste prompt at the cursor, and the key stays masked wherever the cursor is', async () => {
    const f = fakes({ serviceConnectionString: undefined });
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('Press p to paste a service connection string');
    await app.press('p');
    await app.screen('Paste a service connection string');
    // Two typos: a missing e in the host name, a doubled v in the policy name.
    await app.press(`HostName=h.azure-devics.net;SharedAccessKeyName=servvice;SharedAccessKey=${'A'.repeat(44)}`);
    await app.screen('SharedAccessKey=AAAA…');
    await app.press(KEYS.home);
    await repeatKey(app, KEYS.right, 'HostName=h.azure-devic'.length);
    await app.type('e');
    await app.screen('› HostName=h.azure-devices.net;SharedAccessKeyName=servvice;');
    await repeatKey(app, KEYS.right, 's.net;SharedAccessKeyName=serv'.length);
    await app.press(KEYS.delete);
    await app.screen('› HostName=h.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=AAAA…');
    // The cursor inside the key, then at the end: the key is never shown.
    await app.press(KEYS.ctrl('e'));
    await repeatKey(app, KEYS.left, 10);
    const overlay = app.store.getState().overlay;
    expect(overlay?.kind === 'prompt' && overlay.text.length - overlay.cursor).toBe(10);
    expect(await app.screen('SharedAccessKey=AAAA…')).not.toContain('A'.repeat(10));
    await app.press(KEYS.end);
    await app.press(KEYS.enter);
    await app.screen('service ● connected');
    expect(connectionInfo(app.store.getState()).service).toBe('HostName=h.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=AAAA…');
  });
});
