/**
 * Cold start of the TUI (not a test): from launching the built `iot-c2d` in a pseudo-terminal to (1) the
 * first frame, the header drawn with both sides connecting, and (2) the screen showing both sides connected
 * on the embedded hub. Median of BENCH_TUI_RUNS (5) runs on one state directory (the first also creates the
 * hub's CA and database, as a user's first run does). The screen is read every 5 ms.
 *
 *   npm run build && npx tsx bench/tui-startup.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyApp, cleanEnv } from '../test/helpers/pty.js';

const RUNS = Number(process.env.BENCH_TUI_RUNS ?? 5);
const state = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-start-'));
const firstFrame: number[] = [];
const connected: number[] = [];
const loads: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    loads.push(loadavg()[0]!);
    const t0 = performance.now();
    const app = new PtyApp(['--state-dir', state, '--port', '0'], { env: cleanEnv(), cwd: state });
    app.pollMs = 5;
    await app.waitFor(/iot-c2d +hub .*service ● (connecting|connected)/, 20_000);
    firstFrame.push(performance.now() - t0);
    await app.waitFor(/service ● connected {2}feedback ● connected[\s\S]*device demo-device mqtt ● connected/, 20_000);
    connected.push(performance.now() - t0);
    await app.key('q');
    await app.exited;
  }
} finally {
  rmSync(state, { recursive: true, force: true });
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const list = (v: number[]): string => v.map((t) => `${Math.round(t)}`).join(', ');
console.log(`\nTUI cold start, embedded hub, ${RUNS} runs, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (1-min)`);
console.log('| measure | runs (ms) | median | target |');
console.log('|---|---|---|---|');
console.log(`| launch → first frame (header, connecting) | ${list(firstFrame)} | ${Math.round(median(firstFrame))} ms | ≤ 250 ms |`);
console.log(`| launch → both sides connected | ${list(connected)} | ${Math.round(median(connected))} ms | ≤ 600 ms |`);
