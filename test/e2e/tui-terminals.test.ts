/**
 * The TUI kept open as users keep it: a standalone `iot-c2d hub` killed with SIGKILL and started again under
 * it, and the terminal resized while messages stream. The built `iot-c2d` in a pseudo-terminal read by
 * xterm.js; waits are for the screen, never fixed sleeps.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYS as K } from '../helpers/keys.js';
import { CLI, PtyApp, cleanEnv } from '../helpers/pty.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-e2e-'));
  dirs.push(dir);
  return dir;
}
const hubs: ChildProcess[] = [];
afterAll(async () => {
  for (const hub of hubs) {
    if (hub.exitCode === null && hub.signalCode === null) {
      hub.kill('SIGKILL');
      await new Promise((r) => hub.once('exit', r));
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface HubInfo {
  port: number;
  stateDir: string;
  caPath: string;
  serviceConnectionString: string;
  devices: Record<string, string>;
}

async function startHub(args: string[]): Promise<{ hub: ChildProcess; info: HubInfo }> {
  const hub = spawn(process.execPath, [CLI, 'hub', ...args, '--json', '--show-keys', '--quiet'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  hubs.push(hub);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: hub.stdout! }).once('line', resolve);
    hub.once('exit', (code) => reject(new Error(`hub exited ${code}`)));
  });
  return { hub, info: JSON.parse(line) as HubInfo };
}

/** The Feedback pane's row of a message (its id is cut to the column's width). */
const feedbackRow = (screen: string, id: string): string => screen.split('\n').find((l) => l.includes(id.slice(0, 12))) ?? '';

/** No row of the screen was continued from the one above, the header is on top and the key hints at the bottom. */
function whole(app: PtyApp): boolean {
  const buffer = app.term.buffer.active;
  for (let i = 0; i < app.term.rows; i++) if (buffer.getLine(buffer.viewportY + i)?.isWrapped) return false;
  const lines = app.screen().split('\n');
  // The header, in full words or, narrow, in fewer (header.tsx).
  return /^(iot-c2d hub |svc ● )/.test(lines[0] ?? '') && /^\? help/.test(lines.at(-1) ?? '');
}

/** From any pane or field: the Send form, with the focus on `label`'s field. */
async function focusField(app: PtyApp, label: RegExp): Promise<void> {
  const focused = (): string => app.screen().split('\n').find((l) => l.trimStart().startsWith('›')) ?? '';
  await app.key(K.esc);
  await app.key('2');
  await app.waitFor(/2 Send/);
  // The form takes the focus on the pane's first visit; after esc, enter gives it back.
  if (focused() === '') await app.key(K.enter);
  await app.waitFor(() => focused() !== '');
  for (let i = 0; i < 25 && !label.test(focused()); i++) {
    const before = focused();
    await app.key(K.tab);
    await app.waitFor(() => focused() !== before);
  }
  expect(focused()).toMatch(label);
}

describe('iot-c2d tui kept open', () => {
  it('the hub killed and started again: a send while it is down is refused in one line and keeps the form, feedback rows stay, a message queued before the kill arrives after', async () => {
    const stateDir = tempDir();
    const { info, hub: first } = await startHub(['--port', '0', '--state-dir', stateDir, '--device', 'dev-r', '--device', 'dev-q']);
    let hub = first;
    const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', info.devices['dev-r']!, '--ca', info.caPath, '--state-dir', tempDir()], { cwd: tempDir(), cols: 100, rows: 30 });
    try {
      await app.waitFor(/service ● connected {2}feedback ● connected[\s\S]*device dev-r mqtt ● connected/, 30_000);
      // One message to the connected device (Success), one to dev-q, which nobody receives yet (enqueued).
      await focusField(app, /› Payload/);
      await app.type('first');
      await app.key(K.ctrl('s'));
      const delivered = /✓ Enqueued (\S+) for dev-r/.exec(await app.waitFor(/✓ Enqueued \S+ for dev-r/))![1]!;
      await focusField(app, /› To device/);
      await app.key(K.ctrl('u'));
      await app.type('dev-q');
      await app.key(K.ctrl('s'));
      const queued = /✓ Enqueued (\S+) for dev-q/.exec(await app.waitFor(/✓ Enqueued \S+ for dev-q/))![1]!;
      await app.key(K.esc);
      await app.key('3');
      await app.waitFor((s) => /Success/.test(feedbackRow(s, delivered)) && /enqueued/.test(feedbackRow(s, queued)));

      hub.kill('SIGKILL');
      await new Promise((r) => hub.once('exit', r));
      await app.waitFor(/service ● retrying/);
      // A send while the hub is away: refused, said in one line, and the form keeps what was typed.
      await focusField(app, /› Payload/);
      await app.key(K.ctrl('u'));
      await app.type('typed while down');
      await app.key(K.ctrl('s'));
      const refused = await app.waitFor(/✗ Refused/, 30_000);
      const line = refused.split('\n').find((l) => l.startsWith('✗ Refused')) as string;
      expect(refused.split('\n').indexOf(line)).toBeGreaterThan(0);
      expect(refused).toMatch(/› Payload\s+typed while down/);
      expect(refused).toMatch(/To device\s+dev-q/);
      await app.key(K.esc);
      await app.key('3');
      let screen = await app.waitFor(/refused/);
      expect(feedbackRow(screen, delivered)).toMatch(/Success/);
      expect(feedbackRow(screen, queued)).toMatch(/enqueued/);
      expect(whole(app)).toBe(true);

      // The same hub comes back on its port and state: both sides reconnect; the queued message is still there.
      ({ hub } = await startHub(['--port', String(info.port), '--state-dir', stateDir]));
      await app.waitFor(/service ● connected {2}feedback ● connected[\s\S]*device dev-r mqtt ● connected/, 30_000);
      await app.key('1');
      await app.key('d');
      await app.waitFor('Connect as which device?');
      const menu = app.screen();
      const number = /(\d) dev-q/.exec(menu)![1]!;
      await app.key(number);
      await app.waitFor(/device dev-q mqtt ● connected/, 30_000);
      await app.key('3');
      screen = await app.waitFor((s) => /Success/.test(feedbackRow(s, queued)), 30_000);
      expect(feedbackRow(screen, delivered)).toMatch(/Success/);
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
    } finally {
      app.kill();
    }
  });

  it('resized again and again while messages stream: every frame fits, nothing is lost', async () => {
    const { info } = await startHub(['--port', '0', '--state-dir', tempDir(), '--device', 'dev-s']);
    const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', info.devices['dev-s']!, '--ca', info.caPath, '--no-feedback', '--state-dir', tempDir()], { cwd: tempDir(), cols: 80, rows: 24 });
    try {
      await app.waitFor(/device dev-s mqtt ● connected/, 30_000);
      const sender = spawn(process.execPath, [CLI, 'send', 'dev-s', '--hub', info.serviceConnectionString, '--ca', info.caPath, '--count', '150', '--rate', '50', '--ack', 'none', '--message-id', 'rs', '中文 payload 👍🏽 ok'], { env: cleanEnv(), stdio: 'ignore' });
      const sent = new Promise<number | null>((resolve) => sender.once('exit', resolve));
      const sizes = [
        [30, 8],
        [120, 40],
        [40, 12],
        [61, 17],
        [31, 9],
        [100, 30],
        [80, 24],
      ] as const;
      for (const [cols, rows] of sizes) {
        app.proc.resize(cols, rows);
        app.term.resize(cols, rows);
        // The frame drawn for the new size: whole, each line within its width.
        await app.waitFor((s) => whole(app) && s.split('\n').every((l) => l.length <= cols));
      }
      expect(await sent).toBe(0);
      await app.waitFor('150 received', 30_000);
      expect(whole(app)).toBe(true);
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
    } finally {
      app.kill();
    }
  });
});
