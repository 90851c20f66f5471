/**
 * Benchmark of the embedded hub with the real SDK clients (`npm run bench:hub`). Not a test: it prints
 * figures and never fails on time.
 *
 * The hub runs in its own process (`iot-c2d hub`, built CLI); the service and device clients run here.
 *  1. Latency: 1,000 sequential messages with ack full; send → device receipt and send → feedback record,
 *     median and p99.
 *  2. Throughput: 10,000 messages with ack full, as fast as the 50-message device queue allows (a window of
 *     messages sent whose feedback has not arrived), until every feedback record has arrived.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { ServiceClient } from '../src/clients/service-client.js';
import type { DeviceTransport } from '../src/core/types.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 1000);
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_THROUGHPUT_MESSAGES ?? 10_000);
const WINDOW = 48;
const TRANSPORT = (process.env.BENCH_TRANSPORT ?? 'mqtt') as DeviceTransport;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function summary(values: number[]): { median: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}

async function startHubProcess(stateDir: string): Promise<{ serviceCs: string; deviceCs: string; ca: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_HUB_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), CLI, 'hub', '--port', '0', '--state-dir', stateDir, '--device', 'bench', '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const first = out.split('\n')[0];
      if (out.includes('\n') && first) resolve(first);
    });
    child.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
  });
  const info = JSON.parse(line) as { serviceConnectionString: string; devices: Record<string, string>; caPath: string };
  return {
    serviceCs: info.serviceConnectionString,
    deviceCs: info.devices.bench as string,
    ca: readFileSync(info.caPath, 'utf8'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-'));
  const hub = await startHubProcess(stateDir);
  const service = await ServiceClient.open({ connectionString: hub.serviceCs, ca: hub.ca });
  const device = await DeviceClient.open({ connectionString: hub.deviceCs, ca: hub.ca, transport: TRANSPORT, httpPollSeconds: 0.01 });

  const deviceWaiters = new Map<string, (ms: number) => void>();
  const feedbackWaiters = new Map<string, (ms: number) => void>();
  let feedbackCount = 0;
  device.onMessage((m) => {
    const now = performance.now();
    if (m.messageId) deviceWaiters.get(m.messageId)?.(now);
  });
  await service.startFeedback((batch) => {
    const now = performance.now();
    for (const record of batch.records) {
      feedbackCount += 1;
      feedbackWaiters.get(record.originalMessageId)?.(now);
    }
  });

  // Warm-up: JIT and connections.
  for (let i = 0; i < 50; i++) await service.send('bench', { payload: Buffer.from('warm-up'), properties: [], ack: 'none', messageId: `warm-${i}` });

  // 1. Sequential latency.
  const toDevice: number[] = [];
  const toFeedback: number[] = [];
  for (let i = 0; i < LATENCY_MESSAGES; i++) {
    const id = `lat-${i}`;
    const atDevice = new Promise<number>((resolve) => deviceWaiters.set(id, resolve));
    const atFeedback = new Promise<number>((resolve) => feedbackWaiters.set(id, resolve));
    const start = performance.now();
    await service.send('bench', { payload: Buffer.from(`{"seq":${i}}`), properties: [['seq', String(i)]], ack: 'full', messageId: id });
    toDevice.push((await atDevice) - start);
    toFeedback.push((await atFeedback) - start);
    deviceWaiters.delete(id);
    feedbackWaiters.delete(id);
  }

  // 2. Throughput with ack full: keep at most WINDOW messages between send and their feedback, so the device's
  //    queue (enqueued + awaiting PUBACK) never reaches IoT Hub's limit of 50.
  const feedbackBefore = feedbackCount;
  const allFeedback = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (feedbackCount - feedbackBefore >= THROUGHPUT_MESSAGES) {
        clearInterval(check);
        resolve();
      }
    }, 1);
  });
  const start = performance.now();
  let sent = 0;
  const sender = async (): Promise<void> => {
    while (sent < THROUGHPUT_MESSAGES) {
      if (sent - (feedbackCount - feedbackBefore) >= WINDOW) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      const i = sent++;
      await service.send('bench', { payload: Buffer.from(`{"seq":${i}}`), properties: [], ack: 'full', messageId: `tp-${i}` });
    }
  };
  await Promise.all(Array.from({ length: 16 }, sender));
  await allFeedback;
  const seconds = (performance.now() - start) / 1000;
  const rate = THROUGHPUT_MESSAGES / seconds;

  const d = summary(toDevice);
  const f = summary(toFeedback);
  const row = (name: string, value: number, target: number, unit: string, higherIsBetter = false): string =>
    `| ${name} | ${value.toFixed(unit === 'msg/s' ? 0 : 2)} ${unit} | ${target} ${unit} | ${(higherIsBetter ? value / target : target / value).toFixed(2)} |`;
  console.log(`\nEmbedded hub, transport ${TRANSPORT}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  console.log('| measure | result | target | target ratio (≥ 1 meets it) |');
  console.log('|---|---|---|---|');
  console.log(row(`send → device, median of ${LATENCY_MESSAGES}`, d.median, 1.5, 'ms'));
  console.log(`| send → device, p99 | ${d.p99.toFixed(2)} ms | | |`);
  console.log(row(`send → feedback, median of ${LATENCY_MESSAGES}`, f.median, 5, 'ms'));
  console.log(`| send → feedback, p99 | ${f.p99.toFixed(2)} ms | | |`);
  console.log(row(`throughput, ${THROUGHPUT_MESSAGES} messages with ack full, all feedback received`, rate, 3000, 'msg/s', true));

  await device.close();
  await service.close();
  await hub.stop();
  rmSync(stateDir, { recursive: true, force: true });
}

await main();
