/**
 * Cold start of the TUI (not a test): from launching the built `iot-c2d` in a pseudo-terminal to (1) the
 * first frame, the header drawn with both sides connecting, and (2) the screen showing both sides connected
 * on the embedded hub. Median of BENCH_TUI_RUNS (5) runs on one state directory (the first also creates the
 * hub's CA and database, as a user's first run does). The screen is read every 5 ms. Also the CPU time the
 * TUI process (with its embedded hub) has used at the first frame and when both sides are connected (Linux /proc): the share of the
 * start-up that is ours, which a busy machine changes far less than the wall time.
 *
 *   npm run build && npx tsx bench/tui-startup.ts
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtyApp, cleanEnv } from '../test/helpers/pty.js';

const RUNS = Number(process.env.BENCH_TUI_RUNS ?? 5);
/** BENCH_TUI_BEFORE=<another build's dist/cli/main.js>: that build too, run for run in turn with this one. */
const BEFORE = process.env.BENCH_TUI_BEFORE;

/** CPU milliseconds (user + system) process `pid` has used, or NaN where /proc is not there. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Build {
  name: string;
  cli?: string;
  /** Its own state directory: the first run of each makes the CA and the database. */
  state: string;
  firstFrame: number[];
  connected: number[];
  /** CPU time of the TUI process when the first frame is on screen. */
  cpuFirst: number[];
  cpu: number[];
}

const builds: Build[] = [
  { name: 'this build', state: mkdtempSync(join(tmpdir(), 'iot-c2d-bench-start-')), firstFrame: [], connected: [], cpuFirst: [], cpu: [] },
  ...(BEFORE ? [{ name: 'before', cli: BEFORE, state: mkdtempSync(join(tmpdir(), 'iot-c2d-bench-start-')), firstFrame: [], connected: [], cpuFirst: [], cpu: [] }] : []),
];
const loads: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    for (const build of builds) {
      loads.push(loadavg()[0]!);
      const t0 = performance.now();
      const app = new PtyApp(['--state-dir', build.state, '--port', '0'], { env: cleanEnv(), cwd: build.state, ...(build.cli ? { cli: build.cli } : {}) });
      app.pollMs = 5;
      await app.waitFor(/iot-c2d +hub .*service ● (connecting|connected)/, 20_000);
      build.firstFrame.push(performance.now() - t0);
      build.cpuFirst.push(cpuMs(app.proc.pid));
      await app.waitFor(/service ● connected {2}feedback ● connected[\s\S]*device demo-device mqtt ● connected/, 20_000);
      build.connected.push(performance.now() - t0);
      build.cpu.push(cpuMs(app.proc.pid));
      await app.key('q');
      await app.exited;
    }
  }
} finally {
  for (const build of builds) rmSync(build.state, { recursive: true, force: true });
}
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const list = (v: number[]): string => v.map((t) => `${Math.round(t)}`).join(', ');
console.log(`\nTUI cold start, embedded hub, ${RUNS} runs, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (1-min)`);
console.log('| measure | runs (ms) | median | target |');
console.log('|---|---|---|---|');
for (const build of builds) {
  const which = builds.length > 1 ? ` (${build.name})` : '';
  console.log(`| launch → first frame (header, connecting)${which} | ${list(build.firstFrame)} | ${Math.round(median(build.firstFrame))} ms | ≤ 250 ms |`);
  console.log(`| launch → both sides connected${which} | ${list(build.connected)} | ${Math.round(median(build.connected))} ms | ≤ 600 ms |`);
  console.log(`| CPU time of the TUI process at the first frame${which} | ${list(build.cpuFirst)} | ${Math.round(median(build.cpuFirst))} ms | |`);
  console.log(`| CPU time of the TUI process at connected${which} | ${list(build.cpu)} | ${Math.round(median(build.cpu))} ms | |`);
}
