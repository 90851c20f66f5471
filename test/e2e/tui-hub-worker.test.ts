/**
 * The TUI's embedded hub runs in a worker thread (src/cli/embedded-hub.ts): the built `iot-c2d` in a
 * pseudo-terminal, with a preload that notes on which thread the hub's database is loaded and each server
 * listens (test/fixtures/thread-trace.cjs).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { askPresence } from '../../src/hub/liveness.js';
import { PtyApp, cleanEnv } from '../helpers/pty.js';

const TRACE = fileURLToPath(new URL('../fixtures/thread-trace.cjs', import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-e2e-worker-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it("the hub runs on a worker thread: the TUI's main thread never loads the hub's database nor listens; q stops it", async () => {
  const state = tempDir();
  const trace = join(tempDir(), 'trace.txt');
  writeFileSync(trace, '');
  const app = new PtyApp(['--state-dir', state, '--port', '0'], { env: cleanEnv({ THREAD_TRACE_FILE: trace }), nodeArgs: ['--require', TRACE], cwd: state });
  try {
    await app.waitFor(/service ● connected {2}feedback ● connected[\s\S]*device demo-device mqtt ● connected/);
    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    // The hub's presence socket, its TLS port (and ::1) and its database: all on the worker; the main thread loads
    // no addon (node-pty's is the test's own process).
    expect(lines).toContain('worker addon better_sqlite3.node');
    expect(lines.filter((l) => l === 'worker listen').length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.startsWith('main '))).toEqual([]);
    await app.key('q');
    expect((await app.exited).exitCode).toBe(0);
    expect(app.restored()).toBe(true);
    expect(await askPresence(state)).toBeUndefined();
    expect(existsSync(join(state, 'hub.json'))).toBe(false);
  } finally {
    app.kill();
  }
});

it('a hub start error in the worker ends the TUI with one line naming the problem and the fix, the terminal restored', async () => {
  const state = tempDir();
  writeFileSync(join(state, 'hub.db'), Buffer.alloc(8192, 'not a database '));
  const app = new PtyApp(['--state-dir', state, '--port', '0'], { env: cleanEnv(), cwd: state });
  try {
    const { exitCode } = await app.exited;
    expect(exitCode).toBe(1);
    expect(app.restored()).toBe(true);
    // After the alternate screen is left: the one line, and nothing else (no stack trace).
    const after = app.output
      .slice(app.output.lastIndexOf('\u001b[?1049l'))
      // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are what this takes out
      .replace(/\u001b\[\??[\d;]*[a-zA-Z]/g, '')
      .trim();
    expect(after).toMatch(new RegExp(`^iot-c2d: ${join(state, 'hub.db').replace(/[.]/g, '\\.')} is damaged \\(SQLITE_\\w+\\): move it aside \\(its queued messages are lost\\), or give another --state-dir\\.$`));
    expect(await askPresence(state)).toBeUndefined();
  } finally {
    app.kill();
  }
});
