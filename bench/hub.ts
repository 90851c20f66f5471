/**
 * Benchmark of the embedded hub against its floor (`npm run bench:hub`). Not a test: it prints figures
 * and ratios and never fails on time.
 *
 * The hub runs in its own process (`iot-c2d hub`, the built CLI); the SDK clients (src/clients) run here.
 * The yardstick is a bare aedes over TLS in its own process relaying QoS 1 publishes between two mqtt.js
 * clients (bench/floor), measured in the same run, round by round, interleaved with the hub's cases:
 *  1. Latency: sequential messages with ack full; send → device receipt (and → feedback record), median.
 *     Floor: publish → subscriber receipt, median.
 *  2. Throughput, one device: messages with ack full, at most 48 between send and feedback (the device
 *     queue holds 50), until every feedback record has arrived. Floor: 50 in flight.
 *  3. Throughput, 100 devices: the same spread round-robin over 100 devices, 50 in flight.
 * Each round prints its ratios; the summary is the median of the rounds' ratios.
 *
 * BENCH_ROUNDS (3), BENCH_LATENCY_MESSAGES (1000), BENCH_THROUGHPUT_MESSAGES (10000), BENCH_TRANSPORT
 * (mqtt; or amqp, http, mqtt-ws, amqp-ws), BENCH_HUB_PROF=1 (a .cpuprofile of the hub in /tmp/prof).
 * BENCH_HUB_BEFORE=<another build's dist/cli/main.js>: that build's hub too, measured in the same rounds right
 * after this one's (before/after pairs under the same load).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { ServiceClient } from '../src/clients/service-client.js';
import type { DeviceTransport } from '../src/core/types.js';
import { measureAedesFloor } from './floor/aedes-relay.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 1000);
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_THROUGHPUT_MESSAGES ?? 10_000);
const FLEET = 100;
const TRANSPORT = (process.env.BENCH_TRANSPORT ?? 'mqtt') as DeviceTransport;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
const p99 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? NaN;
};
const load = (): string => loadavg()[0]!.toFixed(2);

interface HubProcess {
  /** CPU seconds the hub process has used so far (user + system; Linux /proc, else NaN). */
  cpuSeconds(): number;
  serviceCs: string;
  devices: Record<string, string>;
  ca: string;
  tlsDir: string;
  stop(): Promise<void>;
}

async function startHubProcess(stateDir: string, deviceIds: string[], cli = CLI): Promise<HubProcess> {
  const prof = process.env.BENCH_HUB_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
  const args = [...prof, cli, 'hub', '--port', '0', '--state-dir', stateDir, ...deviceIds.flatMap((id) => ['--device', id]), '--json', '--quiet'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
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
    cpuSeconds: () => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return NaN;
      }
    },
    serviceCs: info.serviceConnectionString,
    devices: info.devices,
    ca: readFileSync(info.caPath, 'utf8'),
    tlsDir: dirname(info.caPath),
    stop: () =>
      new Promise((resolve) => {
        process.off('exit', kill);
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The service client and devices, with waiters keyed by message id and a feedback counter. */
class Rig {
  readonly atDevice = new Map<string, (ms: number) => void>();
  readonly atFeedback = new Map<string, (ms: number) => void>();
  feedbackCount = 0;
  onFeedback: (() => void) | undefined;

  constructor(
    readonly service: ServiceClient,
    readonly devices: DeviceClient[],
  ) {}

  static async open(hub: HubProcess, deviceIds: string[]): Promise<Rig> {
    const service = await ServiceClient.open({ connectionString: hub.serviceCs, ca: hub.ca });
    const devices: DeviceClient[] = [];
    // Ten at a time: a hundred TLS handshakes at once can outlast a client's 10 s probe on a busy machine.
    for (let i = 0; i < deviceIds.length; i += 10) {
      const batch = deviceIds.slice(i, i + 10);
      devices.push(...(await Promise.all(batch.map((id) => DeviceClient.open({ connectionString: hub.devices[id] as string, ca: hub.ca, transport: TRANSPORT, httpPollSeconds: 0.01 })))));
    }
    const rig = new Rig(service, devices);
    for (const device of devices) {
      device.onMessage((m) => {
        const now = performance.now();
        if (m.messageId) rig.atDevice.get(m.messageId)?.(now);
      });
    }
    await service.startFeedback((batch) => {
      const now = performance.now();
      for (const record of batch.records) {
        rig.feedbackCount += 1;
        rig.atFeedback.get(record.originalMessageId)?.(now);
      }
      rig.onFeedback?.();
    });
    return rig;
  }

  async latency(deviceId: string, messages: number, tag: string): Promise<{ toDevice: number[]; toFeedback: number[] }> {
    const toDevice: number[] = [];
    const toFeedback: number[] = [];
    for (let i = 0; i < messages; i++) {
      const id = `${tag}-${i}`;
      const atDevice = new Promise<number>((resolve) => this.atDevice.set(id, resolve));
      const atFeedback = new Promise<number>((resolve) => this.atFeedback.set(id, resolve));
      const start = performance.now();
      await this.service.send(deviceId, { payload: Buffer.from(`{"seq":${i}}`), properties: [['seq', String(i)]], ack: 'full', messageId: id });
      toDevice.push((await atDevice) - start);
      toFeedback.push((await atFeedback) - start);
      this.atDevice.delete(id);
      this.atFeedback.delete(id);
    }
    return { toDevice, toFeedback };
  }

  /** Messages per second until every feedback record arrived, at most `window` between send and feedback. */
  async throughput(deviceIds: string[], messages: number, window: number, tag: string): Promise<number> {
    const before = this.feedbackCount;
    const start = performance.now();
    let sent = 0;
    let failed: Error | undefined;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (failed) return reject(failed);
        const done = this.feedbackCount - before;
        if (done >= messages) return resolve();
        while (sent < messages && sent - done < window) {
          const i = sent++;
          const deviceId = deviceIds[i % deviceIds.length] as string;
          this.service.send(deviceId, { payload: Buffer.from(`{"seq":${i}}`), properties: [], ack: 'full', messageId: `${tag}-${i}` }).catch((err: Error) => {
            failed = err;
            pump();
          });
        }
      };
      this.onFeedback = pump;
      pump();
    });
    this.onFeedback = undefined;
    return messages / ((performance.now() - start) / 1000);
  }

  async close(): Promise<void> {
    await Promise.all(this.devices.map((d) => d.close()));
    await this.service.close();
  }
}

interface Round {
  load: string;
  floorMedian: number;
  floorThroughput: number;
  toDevice: number;
  toDeviceP99: number;
  toFeedback: number;
  oneDevice: number;
  fleet: number;
  /** The hub's CPU time per message (µs) in each case: what the hub costs, whatever else the machine runs. */
  cpuLatency: number;
  cpuOneDevice: number;
  cpuFleet: number;
}

interface Build {
  name: string;
  stateDir: string;
  hub: HubProcess;
  rig: Rig;
  rounds: Round[];
}

async function main(): Promise<void> {
  const fleetIds = Array.from({ length: FLEET }, (_, i) => `fleet-${i}`);
  const clis: Array<[string, string]> = [['this build', CLI], ...(process.env.BENCH_HUB_BEFORE ? [['before', process.env.BENCH_HUB_BEFORE] as [string, string]] : [])];
  const builds: Build[] = [];
  for (const [name, cli] of clis) {
    const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-'));
    const hub = await startHubProcess(stateDir, ['bench', ...fleetIds], cli);
    const rig = await Rig.open(hub, ['bench', ...fleetIds]);
    // Warm-up: JIT and connections, on every path measured.
    await rig.latency('bench', 50, 'warm');
    await rig.throughput(fleetIds, 500, 50, 'warm-fleet');
    builds.push({ name, stateDir, hub, rig, rounds: [] });
  }

  for (let r = 0; r < ROUNDS; r++) {
    const at = load();
    const floor = await measureAedesFloor(builds[0]!.hub.tlsDir, LATENCY_MESSAGES, THROUGHPUT_MESSAGES, 50);
    // Every other round the other build goes first, so neither always follows the floor.
    for (const { name, rig, rounds, hub } of r % 2 === 0 ? builds : [...builds].reverse()) {
      /** Runs a case; also returns the hub's CPU time per message (µs) during it. */
      const withCpu = async <T>(count: number, run: () => Promise<T>): Promise<[T, number]> => {
        const before = hub.cpuSeconds();
        const result = await run();
        return [result, ((hub.cpuSeconds() - before) * 1e6) / count];
      };
      const [lat, cpuLatency] = await withCpu(LATENCY_MESSAGES, () => rig.latency('bench', LATENCY_MESSAGES, `lat${r}`));
      const [oneDevice, cpuOneDevice] = await withCpu(THROUGHPUT_MESSAGES, () => rig.throughput(['bench'], THROUGHPUT_MESSAGES, 48, `tp${r}`));
      const [fleet, cpuFleet] = await withCpu(THROUGHPUT_MESSAGES, () => rig.throughput(fleetIds, THROUGHPUT_MESSAGES, 50, `fleet${r}`));
      const round: Round = {
        load: at,
        floorMedian: median(floor.latencies),
        floorThroughput: floor.throughput,
        toDevice: median(lat.toDevice),
        toDeviceP99: p99(lat.toDevice),
        toFeedback: median(lat.toFeedback),
        oneDevice,
        fleet,
        cpuLatency,
        cpuOneDevice,
        cpuFleet,
      };
      rounds.push(round);
      console.error(
        `round ${r + 1}/${ROUNDS} (load ${at}), ${name}: floor ${round.floorMedian.toFixed(3)} ms ${round.floorThroughput.toFixed(0)} msg/s; hub ${round.toDevice.toFixed(3)} ms (×${(round.toDevice / round.floorMedian).toFixed(2)}), ` +
          `1 device ${oneDevice.toFixed(0)} msg/s (×${(oneDevice / round.floorThroughput).toFixed(3)}), ${FLEET} devices ${fleet.toFixed(0)} msg/s (×${(fleet / round.floorThroughput).toFixed(3)}); ` +
          `hub CPU per message ${cpuLatency.toFixed(0)} / ${cpuOneDevice.toFixed(0)} / ${cpuFleet.toFixed(0)} µs`,
      );
    }
  }
  for (const { rig, hub, stateDir } of builds) {
    await rig.close();
    await hub.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  for (const { name, rounds } of builds) report(builds.length > 1 ? ` (${name})` : '', rounds);
}

function report(which: string, rounds: Round[]): void {
  const m = (pick: (r: Round) => number): number => median(rounds.map(pick));
  const ms = (v: number): string => `${v.toFixed(3)} ms`;
  const rate = (v: number): string => `${v.toFixed(0)} msg/s`;
  console.log(`\nEmbedded hub${which} vs bare aedes over TLS, transport ${TRANSPORT}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load ${rounds.map((r) => r.load).join(' / ')} (1-min average at each round's start); medians of ${ROUNDS} rounds`);
  console.log('| measure | hub | yardstick (bare aedes, same round) | ratio | target |');
  console.log('|---|---|---|---|---|');
  console.log(`| send → device, median of ${LATENCY_MESSAGES} sequential | ${ms(m((r) => r.toDevice))} | ${ms(m((r) => r.floorMedian))} | ×${m((r) => r.toDevice / r.floorMedian).toFixed(2)} | ≤ 1.5 |`);
  console.log(`| send → device, p99 | ${ms(m((r) => r.toDeviceP99))} | | | |`);
  console.log(`| send → feedback, median | ${ms(m((r) => r.toFeedback))} | | | |`);
  console.log(`| throughput to 1 device, ${THROUGHPUT_MESSAGES} messages, all feedback received | ${rate(m((r) => r.oneDevice))} | ${rate(m((r) => r.floorThroughput))} (50 in flight) | ×${m((r) => r.oneDevice / r.floorThroughput).toFixed(3)} | ≥ 0.25 |`);
  console.log(`| throughput over ${FLEET} devices, all feedback received | ${rate(m((r) => r.fleet))} | ${rate(m((r) => r.floorThroughput))} (50 in flight) | ×${m((r) => r.fleet / r.floorThroughput).toFixed(3)} | ≥ 0.35 |`);
  const us = (v: number): string => `${v.toFixed(0)} µs`;
  console.log(`| hub CPU per message: latency / 1 device / ${FLEET} devices | ${us(m((r) => r.cpuLatency))} / ${us(m((r) => r.cpuOneDevice))} / ${us(m((r) => r.cpuFleet))} | | | |`);
}

await main();
