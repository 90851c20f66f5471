/**
 * Cold start of the TUI (not a test): time from launching the built `iot-c2d` in a pseudo-terminal to the
 * screen showing both sides connected on the embedded hub. Median of 5 runs on one state directory (the
 * first run also creates the hub's CA and database, as a user's first run does).
 *
 *   npm run build && npx tsx bench/tui-startup.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyApp, cleanEnv } from '../test/helpers/pty.js';

const RUNS = 5;
const state = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-start-'));
const times: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const app = new PtyApp(['--state-dir', state, '--port', '0'], { env: cleanEnv(), cwd: state });
    await app.waitFor(/service ● connected {2}feedback ● connected[\s\S]*device demo-device mqtt ● connected/, 20_000);
    times.push(performance.now() - t0);
    await app.key('q');
    await app.exited;
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] as number;
console.log(`TUI cold start (launch → both sides connected, embedded hub), ${RUNS} runs: ${times.map((t) => `${Math.round(t)}`).join(', ')} ms`);
console.log(`median ${Math.round(median)} ms (target ≤ 1500 ms)`);
