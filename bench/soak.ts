/**
 * Soak bench (`npm run bench:soak`, not a test): the embedded hub (its own process, the built CLI) under a
 * steady load for a long time, while devices come and go.
 *
 *  * SOAK_MINUTES (default 10) at SOAK_RATE messages per second (default 500), with ack full, across
 *    SOAK_DEVICES devices (default 50), round robin; at most 100 sends in flight.
 *  * Every SOAK_RECONNECT_S seconds (default 3) one device (in turn) closes and connects again.
 *  * One device runs in a process of its own, killed with SIGKILL at a third of the run and restarted 2 s later.
 *  * After the run, up to 60 s to drain: every message must reach its device and its feedback must arrive.
 *
 * Reports: sent (enqueued), refused (queue full while a device was away), lost (enqueued, and neither received
 * nor completed: no feedback), enqueued without feedback, duplicated (received more than once: at-least-once redelivery after a device dropped a message
 * it had not settled), late (feedback more than 5 s after the send), hub RSS at start and end, and per
 * minute the sends and the p99 of send → feedback.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { ServiceClient } from '../src/clients/service-client.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const DEVICE_SCRIPT = fileURLToPath(new URL('./soak-device.ts', import.meta.url));
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const RATE = Number(process.env.SOAK_RATE ?? 500);
const DEVICES = Number(process.env.SOAK_DEVICES ?? 50);
const RECONNECT_S = Number(process.env.SOAK_RECONNECT_S ?? 3);
const MAX_INFLIGHT = 100;
const LATE_MS = 5000;
const DRAIN_MS = 60_000;

const ids = Array.from({ length: DEVICES }, (_, i) => `soak-${i}`);
const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-soak-'));
const hub = spawn(process.execPath, [CLI, 'hub', '--port', '0', '--state-dir', stateDir, '--json', '--quiet', ...ids.flatMap((id) => ['--device', id])], { stdio: ['ignore', 'pipe', 'inherit'] });
process.once('exit', () => hub.kill('SIGKILL'));
const info = await new Promise<{ serviceConnectionString: string; caPath: string; devices: Record<string, string> }>((resolve, reject) => {
  let out = '';
  hub.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] as string));
  });
  hub.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
});
const ca = readFileSync(info.caPath, 'utf8');
const rssMb = (): number => {
  const status = readFileSync(`/proc/${hub.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
};

// What happened to each message, by id.
const sentMs = new Map<string, number>();
const received = new Map<string, number>();
const feedbackMs = new Map<string, number>();
let duplicates = 0;
let duplicateFeedback = 0;
let refused = 0;
let sendErrors = 0;
const onReceived = (messageId: string): void => {
  if (!sentMs.has(messageId) && !messageId.startsWith('m-')) return;
  const n = (received.get(messageId) ?? 0) + 1;
  received.set(messageId, n);
  if (n > 1) duplicates += 1;
};

// The devices: all in this process but the last, which runs in a child process that gets killed.
const devices = new Map<string, DeviceClient>();
const openDevice = async (id: string): Promise<void> => {
  const client = await DeviceClient.open({ connectionString: info.devices[id] ?? '', ca });
  client.onMessage((m) => onReceived(m.messageId ?? ''));
  devices.set(id, client);
};
// A few at a time: 50 TLS handshakes at once on a busy machine outlast the clients' 10 s connect timeout.
for (let i = 0; i < DEVICES - 1; i += 5) await Promise.all(ids.slice(i, Math.min(i + 5, DEVICES - 1)).map(openDevice));
const killable = ids[ids.length - 1] as string;
let child: ChildProcessWithoutNullStreams | undefined;
const startChild = (): Promise<void> =>
  new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', DEVICE_SCRIPT, info.devices[killable] ?? '', info.caPath], { stdio: 'pipe' });
    child = proc;
    let buffer = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') resolve();
        else onReceived(line.split(' ')[0] ?? '');
      }
    });
  });
await startChild();

const service = await ServiceClient.open({ connectionString: info.serviceConnectionString, ca });
await service.startFeedback((batch) => {
  for (const record of batch.records) {
    if (!sentMs.has(record.originalMessageId)) continue;
    if (feedbackMs.has(record.originalMessageId)) duplicateFeedback += 1;
    else feedbackMs.set(record.originalMessageId, batch.receivedMs);
  }
});

const rssStart = rssMb();
const t0 = Date.now();
const endMs = t0 + MINUTES * 60_000;
let n = 0;
let inflight = 0;
let reconnects = 0;
console.error(`soak: ${MINUTES} min at ${RATE} msg/s across ${DEVICES} devices; hub pid ${hub.pid}, RSS ${rssStart.toFixed(0)} MB`);

// Devices come and go: one closes and connects again every RECONNECT_S seconds, in turn.
let turn = 0;
const churn = setInterval(() => {
  const id = ids[turn++ % (DEVICES - 1)] as string;
  const client = devices.get(id);
  devices.delete(id);
  void client
    ?.close()
    .then(() => openDevice(id))
    .then(() => (reconnects += 1))
    .catch((err: unknown) => console.error(`soak: reconnecting ${id}: ${(err as Error).message}`));
}, RECONNECT_S * 1000);
// One device process is killed at a third of the run and started again 2 s later.
const kill = setTimeout(() => {
  child?.kill('SIGKILL');
  console.error(`soak: killed the device process of ${killable}`);
  setTimeout(() => void startChild().then(() => console.error(`soak: ${killable} restarted`)), 2000);
}, (MINUTES * 60_000) / 3);

await new Promise<void>((resolve) => {
  const tick = (): void => {
    const now = Date.now();
    if (now >= endMs) return resolve();
    const due = Math.floor(((now - t0) / 1000) * RATE);
    while (n < due && inflight < MAX_INFLIGHT) {
      const messageId = `m-${n}`;
      const deviceId = ids[n % DEVICES] as string;
      n += 1;
      inflight += 1;
      const at = Date.now();
      service
        .send(deviceId, { messageId, payload: Buffer.from(`soak ${messageId}`), properties: [], ack: 'full' })
        .then(
          () => sentMs.set(messageId, at),
          (err: { kind?: string }) => {
            if (err.kind === 'queue-full') refused += 1;
            else sendErrors += 1;
          },
        )
        .finally(() => (inflight -= 1));
    }
    setTimeout(tick, 5);
  };
  tick();
});
clearInterval(churn);
clearTimeout(kill);

// Drain: every enqueued message received and its feedback in.
const drainEnd = Date.now() + DRAIN_MS;
while (Date.now() < drainEnd && (inflight > 0 || [...sentMs.keys()].some((id) => !feedbackMs.has(id)))) {
  await new Promise((r) => setTimeout(r, 200));
}
const rssEnd = rssMb();

// A message is delivered when the device reported it or its feedback (the device completed it) arrived: the
// killed device process may have completed messages it had no time to report.
const lost = [...sentMs.keys()].filter((id) => !received.has(id) && !feedbackMs.has(id));
const noFeedback = [...sentMs.keys()].filter((id) => !feedbackMs.has(id)).length;
const late = [...sentMs].filter(([id, at]) => (feedbackMs.get(id) ?? Infinity) - at > LATE_MS).length;
const perMinute = new Map<number, number[]>();
for (const [id, at] of sentMs) {
  const fb = feedbackMs.get(id);
  if (fb === undefined) continue;
  const minute = Math.floor((at - t0) / 60_000);
  const list = perMinute.get(minute) ?? [];
  list.push(fb - at);
  perMinute.set(minute, list);
}

console.log(`| measure | result |`);
console.log(`|---|---|`);
console.log(`| duration, rate, devices | ${MINUTES} min, ${RATE} msg/s, ${DEVICES} devices, ack full |`);
console.log(`| device reconnects (one every ${RECONNECT_S} s) + one device process killed and restarted | ${reconnects} + 1 |`);
console.log(`| enqueued | ${sentMs.size} |`);
console.log(`| refused (queue full while a device was away) / other send errors | ${refused} / ${sendErrors} |`);
console.log(`| lost (enqueued, never delivered) / enqueued without feedback | ${lost.length} / ${noFeedback} |`);
console.log(`| received twice (at-least-once redelivery) / duplicate feedback records | ${duplicates} / ${duplicateFeedback} |`);
console.log(`| late (feedback > ${LATE_MS / 1000} s after the send) | ${late} |`);
console.log(`| hub RSS at start → end | ${rssStart.toFixed(0)} MB → ${rssEnd.toFixed(0)} MB |`);
console.log('');
console.log(`| minute | enqueued | send → feedback p99 |`);
console.log(`|---|---|---|`);
for (const [minute, list] of [...perMinute].sort((a, b) => a[0] - b[0])) {
  list.sort((a, b) => a - b);
  console.log(`| ${minute + 1} | ${list.length} | ${list[Math.min(list.length - 1, Math.floor(list.length * 0.99))]} ms |`);
}
if (lost.length > 0) console.log(`\nlost, first ones: ${lost.slice(0, 10).join(', ')}`);

await service.close();
await Promise.all([...devices.values()].map((d) => d.close()));
child?.kill('SIGKILL');
await new Promise<void>((resolve) => {
  hub.once('exit', () => resolve());
  hub.kill('SIGTERM');
});
rmSync(stateDir, { recursive: true, force: true });
process.exit(0);
