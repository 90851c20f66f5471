/**
 * Content we did not write, on a real terminal: the built `iot-c2d` in a pseudo-terminal read by xterm.js,
 * on a hub in this process, messages sent by the service SDK with terminal controls and wide characters in
 * their payloads and ids. Nothing may retitle the window, clear or move what is drawn, or make a line wrap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClient } from '../../src/clients/service-client.js';
import rhea from 'rhea';
import { sendAsOtherBackEnd } from '../helpers/amqp.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { KEYS as K } from '../helpers/keys.js';
import { PtyApp, cleanEnv } from '../helpers/pty.js';

let hub: TestHub;
let service: ServiceClient;
beforeAll(async () => {
  hub = await startTestHub();
  ({ service } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

function tui(deviceId: string, size: { cols: number; rows: number }): PtyApp {
  hub.ensureDevice(deviceId);
  return new PtyApp(['--hub', hub.serviceConnectionString(), '--device', hub.deviceConnectionString(deviceId), '--ca', hub.caPath, '--no-feedback'], { env: cleanEnv(), ...size });
}

/** No row of the screen was continued from the one above (a line that overflowed), and the header is on top. */
function expectNoWrap(app: PtyApp): void {
  const buffer = app.term.buffer.active;
  const wrapped: string[] = [];
  for (let i = 0; i < app.term.rows; i++) if (buffer.getLine(buffer.viewportY + i)?.isWrapped) wrapped.push(`${i}: ${buffer.getLine(buffer.viewportY + i)?.translateToString(true)}`);
  expect(wrapped, app.screen()).toEqual([]);
  // The header, in full words or, narrow, in fewer (header.tsx).
  expect(app.screen().split('\n')[0]).toMatch(/^(iot-c2d hub |svc ● )/);
}

const WIDE = [`x${'\u1ab0'.repeat(40)}y`, '中文字符测试', '👍🏽 ok', '👨‍👩‍👧 family', '🇯🇵🇫🇷 flags', '❤️ vs16', 'e\u0301\u0301 marks', 'क्‍ष conjunct', '한국어 ﾊﾝｶｸ', '𝕏 astral'];

describe('iot-c2d tui with content we did not write', () => {
  it('terminal controls in ids, properties and payloads: shown escaped; the title, the screen and the cursor are left alone', async () => {
    const app = tui('hostile', { cols: 100, rows: 30 });
    const titles: string[] = [];
    app.term.onTitleChange((t) => titles.push(t));
    try {
      await app.waitFor(/device hostile mqtt ● connected/, 30_000);
      // iot-c2d's own sender refuses a content type that is not ASCII text; other back ends may send one.
      await sendAsOtherBackEnd(hub, 'hostile', {
        message_id: 'hostile-1',
        correlation_id: 'c\u001b]0;PWNED\u0007\r\nx',
        content_type: 'x\u001b[31m',
        application_properties: { k: 'v' },
        body: rhea.message.data_section(Buffer.from('pay\u001b[2J\u001b[Hload\u001b]2;TITLE\u001b\\\u009b31m\u202eevil\u0008\u0008XX\rYY')),
      });
      await service.send('hostile', message({ messageId: 'after-1', payload: Buffer.from('calm') }));
      const screen = await app.waitFor(/after-1 .* calm/);
      expect(screen).toContain('pay\\u001b[2J\\u001b[Hload');
      expectNoWrap(app);
      await app.key(K.up);
      await app.key(K.enter);
      const details = await app.waitFor('Custom properties (1)');
      expect(details).toContain('correlationId    c\\u001b]0;PWNED\\u0007\\u000d\\u000ax');
      expect(details).toContain('contentType      x\\u001b[31m');
      expect(details).toContain('pay\\u001b[2J\\u001b[Hload\\u001b]2;TITLE\\u001b\\\\u009b31m\\u202eevil\\u0008\\u0008XX\\u000dYY');
      expectNoWrap(app);
      expect(titles.filter((t) => /PWNED|TITLE/.test(t))).toEqual([]);
      // No red was switched on by the text: the row's cells carry no foreground colour.
      await app.key(K.esc);
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
    } finally {
      app.kill();
    }
  });

  for (const size of [
    { cols: 80, rows: 24 },
    { cols: 40, rows: 12 },
    { cols: 30, rows: 8 },
  ]) {
    it(`wide characters, emoji sequences and combining marks at ${size.cols}x${size.rows}: no line wraps, in the list and the details`, async () => {
      const app = tui(`wide-${size.cols}`, size);
      try {
        await app.waitFor(/Device \(0\)/, 30_000);
        for (const [i, text] of WIDE.entries()) {
          await service.send(`wide-${size.cols}`, message({ messageId: `w${i}`, correlationId: text, payload: Buffer.from(`${text} ${text} ${text} ${text} ${text}`.repeat(3)), properties: [['p', 'v']] }));
        }
        await app.waitFor(`${WIDE.length} received`, 15_000);
        expectNoWrap(app);
        for (let i = 0; i < WIDE.length; i++) {
          await app.key(K.up);
          expectNoWrap(app);
        }
        await app.key(K.enter);
        await app.waitFor(/Message w\d/);
        expectNoWrap(app);
        for (let i = 0; i < 20; i++) await app.key('j', 200);
        expectNoWrap(app);
        await app.key(K.esc);
        await app.key('q');
        expect((await app.exited).exitCode).toBe(0);
      } finally {
        app.kill();
      }
    });
  }
});
