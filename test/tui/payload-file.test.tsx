/** The form's clear keys and the payload from a file (ctrl+o): issue 10's missing actions, through keys. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KEYS } from '../helpers/keys.js';
import { fakes } from './fakes.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

const paste = (text: string): string => `\u001b[200~${text}\u001b[201~`;

describe('payload keys', () => {
  it('ctrl+o loads a file (relative to the working directory) into the payload; a missing one is named and the prompt stays', async () => {
    const f = fakes();
    const body = '{\n  "temp": 21.5\n}\n';
    writeFileSync(join(f.dir, 'body.json'), body);
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.press(KEYS.ctrl('o'));
    await app.screen('Load the payload from a file');
    await app.press(paste('nope.json'));
    await app.press(KEYS.enter);
    const screen = await app.screen(`Cannot read ${join(f.dir, 'nope.json')}`);
    expect(screen).toContain('› nope.json');
    await app.press(KEYS.ctrl('u'));
    await app.press(paste('body.json'));
    await app.press(KEYS.enter);
    await app.screen(`Payload loaded from ${join(f.dir, 'body.json')} (${Buffer.byteLength(body)} bytes).`);
    expect(app.store.getState().send.form.payload).toBe(body);
    expect(app.store.getState().send.focus).toBe('payload');
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent[0]?.message.payload.toString()).toBe(body);
  });

  it('ctrl+u clears a 60 KB payload in one key; ctrl+k deletes to the end of the line', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.press(paste('x'.repeat(60_000)));
    expect(app.store.getState().send.form.payload).toHaveLength(60_000);
    await app.press(KEYS.ctrl('u'));
    expect(app.store.getState().send.form.payload).toBe('');
    await app.press(paste('keep-cut\nnext'));
    await app.press(KEYS.up);
    await app.press(KEYS.home);
    for (let i = 0; i < 4; i++) await app.press(KEYS.right);
    await app.press(KEYS.ctrl('k'));
    expect(app.store.getState().send.form.payload).toBe('keep\nnext');
  });
});
