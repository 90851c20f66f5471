/**
 * The TUI under a flood (not a test): a standalone `iot-c2d hub` (child process), the TUI in a pseudo-terminal
 * connected to it as the device, and this process sending C2D messages to that device at RATE msg/s for
 * SECONDS s (ack none). Meanwhile a key switches panes every 250 ms and the time until the screen shows the
 * other pane is measured. Reports: messages enqueued vs counted by the TUI, key → screen p50/p95, peak RSS of
 * the TUI process.
 *
 *   npm run build && npx tsx bench/tui-flood.ts [rate] [seconds] [senders]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ServiceClient } from '../src/clients/service-client.js';
import type { OutgoingMessage } from '../src/clients/types.js';
import { CLI, PtyApp, cleanEnv } from '../test/helpers/pty.js';

const RATE = Number(process.argv[2] ?? 2000);
const SECONDS = Number(process.argv[3] ?? 20);
const SENDERS = Number(process.argv[4] ?? 4);
const DEVICE = 'flood';

const state = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-flood-'));
const hub = spawn(process.execPath, [CLI, 'hub', '--port', '0', '--state-dir', state, '--device', DEVICE, '--json', '--show-keys', '--quiet'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
const info = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: hub.stdout }).once('line', resolve))) as {
  caPath: string;
  serviceConnectionString: string;
  devices: Record<string, string>;
};
const ca = readFileSync(info.caPath, 'utf8');

const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', info.devices[DEVICE]!, '--ca', info.caPath, '--no-feedback'], {
  cols: 100,
  rows: 30,
  cwd: state,
  nodeArgs: process.env.TUI_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.TUI_PROFILE}`] : [],
});
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

const senders = await Promise.all(Array.from({ length: SENDERS }, () => ServiceClient.open({ connectionString: info.serviceConnectionString, ca })));
let enqueued = 0;
let refused = 0;
const reasons = new Map<string, number>();
let inflight = 0;
let started = 0;
const total = RATE * SECONDS;
const payload = Buffer.from('{"reading":21.5,"unit":"C"}');
const t0 = performance.now();
// The hub holds at most 50 messages per device: a refusal (queue full) pauses the senders briefly and the
// message is offered again, so the flood runs as fast as the device drains its queue, up to RATE.
const retry: number[] = [];
let pausedUntil = 0;
let offered = 0;
const flood = new Promise<void>((resolve) => {
  const launch = (n: number): void => {
    const sender = senders[n % SENDERS] as ServiceClient;
    inflight++;
    offered++;
    const message: OutgoingMessage = { payload, properties: [['n', String(n)]], ack: 'none' };
    sender.send(DEVICE, message).then(
      () => void enqueued++,
      (err: Error) => {
        refused++;
        const key = (err.message.split(':')[0] ?? '').slice(0, 80);
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
        retry.push(n);
        pausedUntil = performance.now() + 5;
      },
    ).finally(() => {
      inflight--;
      if (enqueued === total) resolve();
    });
  };
  const tick = (): void => {
    const now = performance.now();
    if (now >= pausedUntil) {
      const due = Math.min(total, Math.floor(((now - t0) / 1000) * RATE));
      let budget = Math.max(0, due - (enqueued + inflight));
      while (budget > 0 && inflight < 200 && (retry.length > 0 || started < total)) {
        launch(retry.length > 0 ? (retry.shift() as number) : ++started);
        budget--;
      }
    }
    if (enqueued < total) setTimeout(tick, 2);
  };
  tick();
});

// Key → screen while the flood runs: switch between the Device and Feedback panes.
const latencies: number[] = [];
const keyLoop = (async () => {
  let pane: '1' | '3' = '3';
  while (enqueued < total) {
    const marker = pane === '3' ? /filter: all/ : /received ·/;
    const k0 = performance.now();
    app.proc.write(pane);
    await app.waitFor(marker, 5000);
    latencies.push(performance.now() - k0);
    pane = pane === '3' ? '1' : '3';
    await new Promise((r) => setTimeout(r, 250));
  }
})();

await flood;
const sendSeconds = (performance.now() - t0) / 1000;
await keyLoop;
await app.key('1');
const counted = async (): Promise<number> => Number(/1 Device \(([\d,]+)\)/.exec(app.screen())?.[1]?.replace(/,/g, '') ?? -1);
const deadline = Date.now() + 90_000;
while ((await counted()) < enqueued && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const shown = await counted();
const queueAtEnd = /queue (\d+)\/50/.exec(app.screen())?.[1];
const drainSeconds = (performance.now() - t0) / 1000;
clearInterval(rssTimer);

await app.key('q');
await app.exited;
await Promise.all(senders.map((s) => s.close()));
hub.kill('SIGKILL');
rmSync(state, { recursive: true, force: true });

const sorted = [...latencies].sort((a, b) => a - b);
const pct = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
console.log(`flood: ${total} messages offered at up to ${RATE}/s from ${SENDERS} service connections (ack none); all enqueued after ${sendSeconds.toFixed(1)} s = ${Math.round(enqueued / sendSeconds)} msg/s through the device's 50-message queue`);
console.log(`sends ${offered}, enqueued ${enqueued}, refused and offered again ${refused}${reasons.size ? ` (${[...reasons].map(([r, n]) => `${n}× ${r}`).join('; ')})` : ''}`);
console.log(`TUI counted ${shown} of ${enqueued} enqueued (${shown === enqueued ? 'none missing' : `${enqueued - shown} MISSING`}), ${shown === enqueued ? 'all shown' : 'gave up'} ${drainSeconds.toFixed(1)} s after the start; queue depth on screen at the end: ${queueAtEnd ?? '?'}`);
console.log(`key → screen during the flood: ${latencies.length} presses, p50 ${pct(50).toFixed(0)} ms, p95 ${pct(95).toFixed(0)} ms, max ${sorted[sorted.length - 1]?.toFixed(0)} ms (target p95 ≤ 100 ms)`);
console.log(`TUI peak RSS ${(peakRssKb / 1024).toFixed(0)} MB (target ≤ 250 MB)`);
process.exit(0);
