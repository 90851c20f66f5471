/**
 * Text that came from elsewhere (a message's ids, properties and payload, feedback, an error) holding terminal
 * controls: every pane shows it by one rule (core/display-text.ts), so that none of it reaches the terminal.
 * ink-testing-library draws without colours, so any escape or control character in a frame came from the text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/tui/layout.js';
import { KEYS } from '../helpers/keys.js';
import { fakes } from './fakes.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';

let app: Harness | undefined;
afterEach(async () => {
  await app?.quit();
  app = undefined;
});

// eslint-disable-next-line no-control-regex -- controls reaching the frame are what this finds
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b]/;

/** Every line of the frame: no raw control, and no wider than the terminal. */
function expectSafe(frame: string, columns = 100): void {
  const bad = frame.split('\n').find((line) => RAW_CONTROL.test(line));
  expect(bad === undefined ? undefined : JSON.stringify(bad)).toBeUndefined();
  for (const line of frame.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(columns);
}

const HOSTILE = {
  messageId: 'id\u001b[2Jx',
  correlationId: 'c\u001b]0;PWNED\u0007\r\nforged',
  contentType: 't\u001b[31mred',
  contentEncoding: '\u009b2J\u202eabc',
  userId: 'u\u0008\u0008\u0000',
};

describe('text from elsewhere, with terminal controls in it', () => {
  it('the Device pane list and details show the escapes, never the controls', async () => {
    const f = fakes({ transport: 'amqp' });
    app = await startApp(f.connector);
    f.device().receive({
      ...HOSTILE,
      payload: Buffer.from('pay\u001b[2J\u001b[Hload\u001b]0;TITLE\u0007\u009b31m\u202eevil\tend\nline 2\rCR'),
      properties: [['k\u001b[1;1H', 'v\u001b[0m\u0085']],
    });
    let screen = await app.screen('id\\u001b[2Jx');
    expectSafe(screen);
    expect(screen).toContain('c\\u001b]0;PWNED\\u0007\\u000d\\u000aforged'.slice(0, 10));
    expect(screen).toContain('pay\\u001b[2J\\u001b[Hload');
    await app.press(KEYS.enter);
    screen = await app.screen('Custom properties (1)');
    expectSafe(screen);
    for (const text of [
      'Message id\\u001b[2Jx',
      'messageId        id\\u001b[2Jx',
      'correlationId    c\\u001b]0;PWNED\\u0007\\u000d\\u000aforged',
      'contentType      t\\u001b[31mred',
      'contentEncoding  \\u009b2J\\u202eabc',
      'userId           u\\u0008\\u0008\\u0000',
      'k\\u001b[1;1H = v\\u001b[0m\\u0085',
    ]) {
      expect(screen).toContain(text);
    }
    for (let i = 0; i < 12; i++) await app.press('j');
    screen = await app.screen('line 2\\u000dCR');
    expectSafe(screen);
    // A tab in a payload line is spaces to the next tab stop; the text is shown, not a hex dump.
    expect(screen).toMatch(/Payload \(text\)/);
    expect(screen).toContain('pay\\u001b[2J\\u001b[Hload\\u001b]0;TITLE\\u0007\\u009b31m\\u202eevil');
  });

  it('the Feedback pane and the notice line show a hostile message id and description safely', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    f.service.feedback([{ originalMessageId: 'fb\u001b[2J\u202e1', deviceId: 'd\u001b]0;T\u0007', statusCode: 'Rejected', description: 'no\r\nFORGED\u009b2J' }]);
    await app.press('3');
    const screen = await app.screen('fb\\u001b[2J\\u202e1');
    expectSafe(screen);
    expect(screen).toContain('fb\\u001b[2J\\u202e1 → d\\u001b]0;T\\u0007: no\\u000d\\u000aFORGED\\u009b2J');
  });

  it('the Send form shows pasted C1 and bidi controls as escapes, and sends the text as pasted', async () => {
    const f = fakes();
    app = await startApp(f.connector);
    await app.press('2');
    await app.screen('› Payload');
    await app.press('a\u009b2J\u202eb\u200bc');
    const screen = await app.screen('a\\u009b2J\\u202eb\\u200bc');
    expectSafe(screen);
    await app.press(KEYS.ctrl('s'));
    await app.screen('✓ Enqueued');
    expect(f.service.sent[0]?.message.payload.toString()).toBe('a\u009b2J\u202eb\u200bc');
  });
});
