/**
 * The TUI under a flood (not a test): a standalone `iot-c2d hub` (child process), the TUI in a pseudo-terminal
 * connected to it as the device (--hub, --device, --ca, --no-feedback), and a sender process
 * (tui-flood-sender.ts) sending C2D messages to that device at up to RATE msg/s until TOTAL are enqueued.
 * Meanwhile a key switches panes every 250 ms and the time until the screen shows the other pane is measured.
 * Reports: messages enqueued vs counted by the TUI, key → screen p50/p95, peak RSS of the TUI process.
 *
 *   npm run build && npx tsx bench/tui-flood.ts [rate=2000] [seconds=20] [senders=4]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CLI, PtyApp, cleanEnv } from '../test/helpers/pty.js';

const RATE = Number(process.argv[2] ?? 2000);
const SECONDS = Number(process.argv[3] ?? 20);
const SENDERS = Number(process.argv[4] ?? 4);
const TOTAL = RATE * SECONDS;
const DEVICE = 'flood';

const state = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-flood-'));
const hub = spawn(process.execPath, [CLI, 'hub', '--port', '0', '--state-dir', state, '--device', DEVICE, '--json', '--show-keys', '--quiet'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
const info = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: hub.stdout }).once('line', resolve))) as {
  caPath: string;
  serviceConnectionString: string;
  devices: Record<string, string>;
};

const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', info.devices[DEVICE]!, '--ca', info.caPath, '--no-feedback'], {
  cols: 100,
  rows: 30,
  cwd: state,
  // BENCH_TUI_BEFORE=<another build's dist/cli/main.js>: that build's TUI (the hub is this build's).
  ...(process.env.BENCH_TUI_BEFORE ? { cli: process.env.BENCH_TUI_BEFORE } : {}),
  nodeArgs: [...(process.env.TUI_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TUI_PROFILE}`] : []), ...(process.env.TUI_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
});
app.pollMs = 2;
await app.waitFor(/service ● connected[\s\S]*device flood mqtt ● connected/, 20_000);

let peakRssKb = 0;
const rssTimer = setInterval(() => {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${app.proc.pid}/status`, 'utf8'))?.[1] ?? 0);
    peakRssKb = Math.max(peakRssKb, kb);
  } catch {
    // The process is gone.
  }
}, 100);

const senderScript = fileURLToPath(new URL('./tui-flood-sender.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const sender = spawn(tsx, [senderScript, info.serviceConnectionString, info.caPath, DEVICE, String(RATE), String(TOTAL), String(SENDERS)], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
let progress = { enqueued: 0, refused: 0, offered: 0, done: false, seconds: 0 };
const lines = createInterface({ input: sender.stdout! });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.on('line', (line) => (progress = JSON.parse(line) as typeof progress));
const t0 = performance.now();
sender.stdin!.write('go\n');

// Key → screen while the flood runs: switch between the Device and Feedback panes.
const latencies: number[] = [];
let pane: '1' | '3' = '3';
while (!progress.done) {
  const marker = pane === '3' ? /filter: all/ : /time +messageId/;
  const k0 = performance.now();
  app.proc.write(pane);
  try {
    await app.waitFor(marker, 10_000);
    latencies.push(performance.now() - k0);
  } catch {
    latencies.push(10_000);
  }
  pane = pane === '3' ? '1' : '3';
  await new Promise((r) => setTimeout(r, 250));
}
const { enqueued, refused, offered, seconds } = progress;
if (pane === '1') await app.key('1');
const counted = (): number => Number(/1 Device \(([\d,]+)\)/.exec(app.screen())?.[1]?.replace(/,/g, '') ?? -1);
// Wait for the count to reach what was enqueued; give up once it has not moved for 15 s.
let last = counted();
let lastChange = Date.now();
while (counted() < enqueued && Date.now() - lastChange < 15_000) {
  await new Promise((r) => setTimeout(r, 100));
  if (counted() !== last) {
    last = counted();
    lastChange = Date.now();
  }
}
const shown = counted();
const queueAtEnd = /queue (\d+)\/50/.exec(app.screen())?.[1];
const drainSeconds = (performance.now() - t0) / 1000;
clearInterval(rssTimer);

await app.key('q');
await app.exited;
hub.kill('SIGKILL');
rmSync(state, { recursive: true, force: true });

const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
console.log(`flood: ${TOTAL} messages offered at up to ${RATE}/s over ${SENDERS} service connections (ack none); all enqueued after ${seconds.toFixed(1)} s = ${Math.round(enqueued / seconds)} msg/s through the device's 50-message queue`);
console.log(`sends ${offered}, enqueued ${enqueued}, refused (queue full) and offered again ${refused}`);
console.log(`TUI counted ${shown} of ${enqueued} enqueued (${shown === enqueued ? 'none missing' : `${enqueued - shown} MISSING`}), ${shown === enqueued ? 'all shown' : 'gave up'} ${drainSeconds.toFixed(1)} s after the start; hub queue depth on screen at the end: ${queueAtEnd ?? '?'}`);
console.log(`key → screen during the flood: ${latencies.length} presses, p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms, max ${sorted[sorted.length - 1]?.toFixed(0)} ms (target p95 ≤ 100 ms)`);
console.log(`TUI peak RSS ${(peakRssKb / 1024).toFixed(0)} MB (target ≤ 250 MB)`);
process.exit(0);
