/**
 * Scale of the embedded hub (`npm run bench:scale`; not a test): BENCH_SCALE_DEVICES (10,000) MQTT devices
 * on one hub, over loopback TLS, each sent one C2D message. Reports the connect rate, the fan-out time
 * (first send → last device receipt), and the hub's RSS: idle with the devices registered, with every
 * device connected (RSS per connection), after the fan-out.
 *
 * The hub is the built CLI in its own process; the devices are mqtt.js clients spread over
 * BENCH_SCALE_WORKERS (4) processes (bench/scale/worker.mjs), at most 16 handshakes in flight in each; the
 * messages go out through one service client (src/clients, AMQP) with 100 sends in flight. Every
 * connection is a file descriptor in the hub and in a worker: the npm script raises the soft limit to the
 * hard one (`ulimit -n`). Bounded: the whole run stops after BENCH_SCALE_TIMEOUT_S (600) seconds.
 */
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceClient } from '../src/clients/service-client.js';
import { parseDeviceConnectionString } from '../src/core/connection-string.js';
import { createSasToken } from '../src/core/sas.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const WORKER = fileURLToPath(new URL('./scale/worker.mjs', import.meta.url));
const DEVICES = Number(process.env.BENCH_SCALE_DEVICES ?? 10_000);
const WORKERS = Number(process.env.BENCH_SCALE_WORKERS ?? 4);
const TIMEOUT_S = Number(process.env.BENCH_SCALE_TIMEOUT_S ?? 600);
const IN_FLIGHT = 100;

const stop = setTimeout(() => {
  console.error(`scale bench: stopped after ${TIMEOUT_S} s`);
  process.exit(1);
}, TIMEOUT_S * 1000);
stop.unref();

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

async function main(): Promise<void> {
  const load0 = loadavg()[0]!;
  const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-scale-'));
  const ids = Array.from({ length: DEVICES }, (_, i) => `scale-${i}`);
  const created = performance.now();
  const prof = process.env.BENCH_HUB_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
  const hub = spawn(process.execPath, [...prof, CLI, 'hub', '--port', '0', '--state-dir', stateDir, ...ids.flatMap((id) => ['--device', id]), '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const children: ChildProcess[] = [hub];
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    hub.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    hub.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  const info = JSON.parse(line) as { port: number; serviceConnectionString: string; devices: Record<string, string>; caPath: string };
  const startS = (performance.now() - created) / 1000;
  const ca = readFileSync(info.caPath, 'utf8');
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const devices = ids.map((id) => {
    const cs = parseDeviceConnectionString(info.devices[id] as string);
    return { id, token: createSasToken(`localhost/devices/${id}`, cs.key as string, expiry) };
  });
  const rssIdle = rssMb(hub.pid as number);

  // Connect, all workers at once.
  let received = 0;
  const workers = Array.from({ length: WORKERS }, () => fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  children.push(...workers);
  const perWorker = new Map<ChildProcess, number>();
  let onReceived: (() => void) | undefined;
  const t0 = performance.now();
  const connected = Promise.all(
    workers.map(
      (w, k) =>
        new Promise<number>((resolve, reject) => {
          w.on('message', (m: { connected?: number; failed?: string; received?: number }) => {
            if (m.connected !== undefined) resolve(m.connected);
            if (m.failed) reject(new Error(`worker ${k}: ${m.failed}`));
            if (m.received !== undefined) {
              received += m.received - (perWorker.get(w) ?? 0);
              perWorker.set(w, m.received);
              onReceived?.();
            }
          });
          w.send({ connect: { port: info.port, ca, devices: devices.filter((_, i) => i % WORKERS === k), parallel: 16 } });
        }),
    ),
  );
  const total = (await connected).reduce((a, b) => a + b, 0);
  const connectS = (performance.now() - t0) / 1000;
  const rssConnected = rssMb(hub.pid as number);

  // Fan-out: one message to each device.
  const service = await ServiceClient.open({ connectionString: info.serviceConnectionString, ca });
  const allReceived = new Promise<void>((resolve) => {
    onReceived = () => {
      if (received >= DEVICES) resolve();
    };
  });
  const t1 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < DEVICES) {
        const id = ids[next++] as string;
        await service.send(id, { payload: Buffer.from('{"scale":true}'), properties: [], ack: 'none' });
      }
    }),
  );
  const enqueuedS = (performance.now() - t1) / 1000;
  await allReceived;
  const fanOutS = (performance.now() - t1) / 1000;
  const rssAfter = rssMb(hub.pid as number);
  const load1 = loadavg()[0]!;

  await service.close();
  for (const w of workers) w.send({ close: true });
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  await new Promise<void>((resolve) => {
    hub.once('exit', () => resolve());
    hub.kill('SIGTERM');
  });
  rmSync(stateDir, { recursive: true, force: true });

  const perConnKb = ((rssConnected - rssIdle) * 1024) / total;
  console.log(`\nHub scale: ${DEVICES} MQTT devices over loopback TLS, ${WORKERS} client processes, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load ${load0.toFixed(1)} → ${load1.toFixed(1)} (1-min)`);
  console.log('| measure | result | target |');
  console.log('|---|---|---|');
  console.log(`| hub start with ${DEVICES} devices registered | ${startS.toFixed(1)} s | |`);
  console.log(`| connect (TLS + CONNECT + SUBSCRIBE), all ${total} | ${connectS.toFixed(1)} s = ${(total / connectS).toFixed(0)} connections/s | |`);
  console.log(`| fan-out: one message to each device, first send → last receipt | ${fanOutS.toFixed(2)} s (all enqueued after ${enqueuedS.toFixed(2)} s) = ${(DEVICES / fanOutS).toFixed(0)} msg/s | |`);
  console.log(`| hub RSS: idle / ${total} connected / after the fan-out | ${rssIdle.toFixed(0)} / ${rssConnected.toFixed(0)} / ${rssAfter.toFixed(0)} MB | ≤ 600 MB at 10,000 |`);
  console.log(`| hub RSS per connection | ${perConnKb.toFixed(1)} KB | |`);
}

await main();
