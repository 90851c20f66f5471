/**
 * Benchmark of the embedded hub against its floor (`npm run bench:hub`). Not a test: it prints figures
 * and ratios and never fails on time.
 *
 * The hub runs in its own process (`iot-c2d hub`, the built CLI); its clients run here, two kinds, each
 * on its own devices and measured in the same rounds: the SDK clients (src/clients over azure-iothub and
 * azure-iot-device), and protocol-level clients without the SDKs (bench/protocol: a rhea service connection
 * with a CBS put-token, mqtt.js devices, as the floor's clients), which show the hub apart from the SDKs' CPU.
 * The yardstick is a bare aedes over TLS in its own process relaying QoS 1 publishes between two mqtt.js
 * clients (bench/floor), measured in the same run, round by round, interleaved with the hub's cases:
 *  1. Latency: sequential messages with ack full; send → device receipt (and → feedback record), median.
 *     Floor: publish → subscriber receipt, median.
 *  2. Throughput, one device: messages with ack full, at most 48 between send and feedback (the device
 *     queue holds 50), until every feedback record has arrived. Floor: 50 in flight.
 *  3. Throughput, 100 devices: the same spread round-robin over 100 devices, 50 in flight.
 * Each round prints its ratios; the summary is the median of the rounds' ratios. Besides the hub's CPU time per
 * message (/proc), the bench process's own (the clients') is printed for each kind.
 *
 * BENCH_ROUNDS (3), BENCH_LATENCY_MESSAGES (1000), BENCH_THROUGHPUT_MESSAGES (10000), BENCH_TRANSPORT
 * (the SDK devices' transport: mqtt; or amqp, http, mqtt-ws, amqp-ws), BENCH_HUB_CLIENTS (both; or sdk, protocol), BENCH_HUB_PROF=1 (a .cpuprofile of the hub in /tmp/prof).
 * BENCH_HUB_CASES (latency,one,fleet: the cases each round runs; e.g. fleet alone to profile it).
 * BENCH_HUB_CLIENT_PROF=1: a .cpuprofile of the bench process (the clients) during each case only, in /tmp/prof.
 * BENCH_HUB_BEFORE=<another build's dist/cli/main.js>: that build's hub too, measured in the same rounds right
 * after this one's (before/after pairs under the same load).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { ServiceClient } from '../src/clients/service-client.js';
import type { DeviceTransport } from '../src/core/types.js';
import { measureAedesFloor } from './floor/aedes-relay.js';
import { ProtocolDevice } from './protocol/device.js';
import { ProtocolService } from './protocol/service.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_MESSAGES = Number(process.env.BENCH_LATENCY_MESSAGES ?? 1000);
const THROUGHPUT_MESSAGES = Number(process.env.BENCH_THROUGHPUT_MESSAGES ?? 10_000);
const FLEET = 100;
const TRANSPORT = (process.env.BENCH_TRANSPORT ?? 'mqtt') as DeviceTransport;
/** The cases run in each round (the floor always runs): latency, one (device), fleet (100 devices). */
const CASES = new Set((process.env.BENCH_HUB_CASES ?? 'latency,one,fleet').split(','));

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

/**
 * Which clients drive a case: the SDK clients (src/clients over azure-iothub and azure-iot-device) or
 * protocol-level ones (bench/protocol: rhea for the service, mqtt.js for the devices, as the floor's clients).
 */
type ClientKind = 'sdk' | 'protocol';
const KINDS: ClientKind[] = ['sdk', 'protocol'];
const KIND_NAMES: Record<ClientKind, string> = { sdk: 'SDK clients', protocol: 'protocol clients (rhea + mqtt.js)' };

/** The devices each kind drives: its own, so that the two kinds' MQTT connections never replace each other. */
const deviceIdsOf = (kind: ClientKind): { single: string; fleet: string[] } => {
  const prefix = kind === 'sdk' ? '' : 'p-';
  return { single: `${prefix}bench`, fleet: Array.from({ length: FLEET }, (_, i) => `${prefix}fleet-${i}`) };
};

/** Sends with ack full; what each kind's service side does. */
type Send = (deviceId: string, messageId: string, payload: Buffer, properties: Array<[string, string]>) => Promise<void>;

/** The service client and devices, with waiters keyed by message id and a feedback counter. */
class Rig {
  readonly atDevice = new Map<string, (ms: number) => void>();
  readonly atFeedback = new Map<string, (ms: number) => void>();
  feedbackCount = 0;
  onFeedback: (() => void) | undefined;

  private constructor(
    readonly kind: ClientKind,
    private readonly sendWithAck: Send,
    private readonly closeAll: () => Promise<void>,
  ) {}

  private deviceMessage(messageId: string | undefined): void {
    const now = performance.now();
    if (messageId) this.atDevice.get(messageId)?.(now);
  }

  private feedback(originalMessageIds: string[]): void {
    const now = performance.now();
    for (const id of originalMessageIds) {
      this.feedbackCount += 1;
      this.atFeedback.get(id)?.(now);
    }
    this.onFeedback?.();
  }

  /** Ten devices at a time: a hundred TLS handshakes at once can outlast a client's 10 s probe on a busy machine. */
  private static async openInBatches<T>(ids: string[], open: (id: string) => Promise<T>): Promise<T[]> {
    const opened: T[] = [];
    for (let i = 0; i < ids.length; i += 10) opened.push(...(await Promise.all(ids.slice(i, i + 10).map(open))));
    return opened;
  }

  static async open(hub: HubProcess, kind: ClientKind): Promise<Rig> {
    const { single, fleet } = deviceIdsOf(kind);
    const ids = [single, ...fleet];
    if (kind === 'protocol') {
      const service = await ProtocolService.open(hub.serviceCs, hub.ca);
      const devices = await Rig.openInBatches(ids, (id) => ProtocolDevice.open(hub.devices[id] as string, hub.ca));
      const rig = new Rig(
        kind,
        (deviceId, messageId, payload, properties) => service.send(deviceId, { messageId, payload, properties }),
        async () => {
          await Promise.all(devices.map((d) => d.close()));
          await service.close();
        },
      );
      for (const device of devices) device.onMessage((id) => rig.deviceMessage(id));
      service.onFeedback((originalIds) => rig.feedback(originalIds));
      return rig;
    }
    const service = await ServiceClient.open({ connectionString: hub.serviceCs, ca: hub.ca });
    const devices = await Rig.openInBatches(ids, (id) => DeviceClient.open({ connectionString: hub.devices[id] as string, ca: hub.ca, transport: TRANSPORT, httpPollSeconds: 0.01 }));
    const rig = new Rig(
      kind,
      async (deviceId, messageId, payload, properties) => {
        await service.send(deviceId, { payload, properties, ack: 'full', messageId });
      },
      async () => {
        await Promise.all(devices.map((d) => d.close()));
        await service.close();
      },
    );
    for (const device of devices) device.onMessage((m) => rig.deviceMessage(m.messageId));
    await service.startFeedback((batch) => rig.feedback(batch.records.map((r) => r.originalMessageId)));
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
      await this.sendWithAck(deviceId, id, Buffer.from(`{"seq":${i}}`), [['seq', String(i)]]);
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
          this.sendWithAck(deviceId, `${tag}-${i}`, Buffer.from(`{"seq":${i}}`), []).catch((err: Error) => {
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

  close(): Promise<void> {
    return this.closeAll();
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
  /** The bench process's own CPU time per message (µs) in each case: what the clients cost. */
  clientCpuLatency: number;
  clientCpuOneDevice: number;
  clientCpuFleet: number;
}

interface Build {
  name: string;
  stateDir: string;
  hub: HubProcess;
  rigs: Rig[];
  rounds: Record<ClientKind, Round[]>;
}

/** Runs a case; also returns the hub's and the bench process's CPU time per message (µs) during it. */
async function withCpu<T>(hub: HubProcess, count: number, run: () => Promise<T>): Promise<[T, number, number]> {
  const profiler = process.env.BENCH_HUB_CLIENT_PROF ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const hubBefore = hub.cpuSeconds();
  const clientBefore = process.cpuUsage();
  const result = await run();
  const client = process.cpuUsage(clientBefore);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    mkdirSync('/tmp/prof', { recursive: true });
    writeFileSync(`/tmp/prof/clients-${Date.now()}-${count}.cpuprofile`, JSON.stringify(profile));
    profiler.disconnect();
  }
  return [result, ((hub.cpuSeconds() - hubBefore) * 1e6) / count, (client.user + client.system) / count];
}

async function main(): Promise<void> {
  const kinds = KINDS.filter((k) => [k, 'both'].includes(process.env.BENCH_HUB_CLIENTS ?? 'both'));
  if (kinds.length === 0) throw new Error(`BENCH_HUB_CLIENTS must be sdk, protocol or both, not "${process.env.BENCH_HUB_CLIENTS}".`);
  const clis: Array<[string, string]> = [['this build', CLI], ...(process.env.BENCH_HUB_BEFORE ? [['before', process.env.BENCH_HUB_BEFORE] as [string, string]] : [])];
  const builds: Build[] = [];
  for (const [name, cli] of clis) {
    const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-'));
    const hub = await startHubProcess(stateDir, kinds.flatMap((kind) => Object.values(deviceIdsOf(kind)).flat()), cli);
    const rigs: Rig[] = [];
    for (const kind of kinds) {
      const rig = await Rig.open(hub, kind);
      const { single, fleet } = deviceIdsOf(kind);
      // Warm-up: JIT and connections, on every path measured.
      await rig.latency(single, 50, 'warm');
      await rig.throughput(fleet, 500, 50, 'warm-fleet');
      rigs.push(rig);
    }
    builds.push({ name, stateDir, hub, rigs, rounds: { sdk: [], protocol: [] } });
  }

  for (let r = 0; r < ROUNDS; r++) {
    const at = load();
    const floor = await measureAedesFloor(builds[0]!.hub.tlsDir, LATENCY_MESSAGES, THROUGHPUT_MESSAGES, 50);
    // Every other round the other build (and the other kind of client) goes first, so neither always follows the floor.
    for (const { name, rigs, rounds, hub } of r % 2 === 0 ? builds : [...builds].reverse()) {
      for (const rig of r % 2 === 0 ? rigs : [...rigs].reverse()) {
        const { single, fleet: fleetIds } = deviceIdsOf(rig.kind);
        const skipped = async <T>(value: T): Promise<[T, number, number]> => [value, NaN, NaN];
        const [lat, cpuLatency, clientCpuLatency] = CASES.has('latency')
          ? await withCpu(hub, LATENCY_MESSAGES, () => rig.latency(single, LATENCY_MESSAGES, `lat${r}`))
          : await skipped({ toDevice: [NaN], toFeedback: [NaN] });
        const [oneDevice, cpuOneDevice, clientCpuOneDevice] = CASES.has('one')
          ? await withCpu(hub, THROUGHPUT_MESSAGES, () => rig.throughput([single], THROUGHPUT_MESSAGES, 48, `tp${r}`))
          : await skipped(NaN);
        const [fleet, cpuFleet, clientCpuFleet] = CASES.has('fleet')
          ? await withCpu(hub, THROUGHPUT_MESSAGES, () => rig.throughput(fleetIds, THROUGHPUT_MESSAGES, 50, `fleet${r}`))
          : await skipped(NaN);
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
          clientCpuLatency,
          clientCpuOneDevice,
          clientCpuFleet,
        };
        rounds[rig.kind].push(round);
        console.error(
          `round ${r + 1}/${ROUNDS} (load ${at}), ${name}, ${KIND_NAMES[rig.kind]}: floor ${round.floorMedian.toFixed(3)} ms ${round.floorThroughput.toFixed(0)} msg/s; hub ${round.toDevice.toFixed(3)} ms (×${(round.toDevice / round.floorMedian).toFixed(2)}), ` +
            `1 device ${oneDevice.toFixed(0)} msg/s (×${(oneDevice / round.floorThroughput).toFixed(3)}), ${FLEET} devices ${fleet.toFixed(0)} msg/s (×${(fleet / round.floorThroughput).toFixed(3)}); ` +
            `CPU per message, hub ${cpuLatency.toFixed(0)} / ${cpuOneDevice.toFixed(0)} / ${cpuFleet.toFixed(0)} µs, clients ${clientCpuLatency.toFixed(0)} / ${clientCpuOneDevice.toFixed(0)} / ${clientCpuFleet.toFixed(0)} µs`,
        );
      }
    }
  }
  for (const { rigs, hub, stateDir } of builds) {
    for (const rig of rigs) await rig.close();
    await hub.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  for (const { name, rounds } of builds) report(builds.length > 1 ? ` (${name})` : '', kinds, rounds);
}

/** One table per build: each kind of client beside the other, each with its ratio to the floor of the same rounds. */
function report(which: string, kinds: ClientKind[], rounds: Record<ClientKind, Round[]>): void {
  const all = kinds.flatMap((k) => rounds[k]);
  const m = (kind: ClientKind, pick: (r: Round) => number): number => median(rounds[kind].map(pick));
  const ms = (v: number): string => `${v.toFixed(3)} ms`;
  const rate = (v: number): string => `${v.toFixed(0)} msg/s`;
  const us = (v: number): string => `${v.toFixed(0)} µs`;
  const floor = (pick: (r: Round) => number): number => median(all.map(pick));
  /** A row: each kind's value and, when `ratio` is given, its median ratio to the floor of its own rounds. */
  const row = (measure: string, value: (kind: ClientKind) => string, ratio: { of: (r: Round) => number; digits: number } | undefined, yardstick: string, target: string): string =>
    `| ${measure} | ${kinds.map((k) => `${value(k)} | ${ratio ? `×${m(k, ratio.of).toFixed(ratio.digits)}` : ''}`).join(' | ')} | ${yardstick} | ${target} |`;
  console.log(`\nEmbedded hub${which} vs bare aedes over TLS, transport ${TRANSPORT}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load ${rounds[kinds[0]!].map((r) => r.load).join(' / ')} (1-min average at each round's start); medians of ${ROUNDS} rounds`);
  console.log(`| measure | ${kinds.map((k) => `hub, ${KIND_NAMES[k]} | ratio`).join(' | ')} | yardstick (bare aedes, same rounds) | target |`);
  console.log(`|---|${kinds.map(() => '---|---|').join('')}---|---|`);
  console.log(row(`send → device, median of ${LATENCY_MESSAGES} sequential`, (k) => ms(m(k, (r) => r.toDevice)), { of: (r) => r.toDevice / r.floorMedian, digits: 2 }, ms(floor((r) => r.floorMedian)), '≤ 1.5'));
  console.log(row('send → device, p99', (k) => ms(m(k, (r) => r.toDeviceP99)), undefined, '', ''));
  console.log(row('send → feedback, median', (k) => ms(m(k, (r) => r.toFeedback)), undefined, '', ''));
  console.log(row(`throughput to 1 device, ${THROUGHPUT_MESSAGES} messages, all feedback received`, (k) => rate(m(k, (r) => r.oneDevice)), { of: (r) => r.oneDevice / r.floorThroughput, digits: 3 }, `${rate(floor((r) => r.floorThroughput))} (50 in flight)`, '≥ 0.25'));
  console.log(row(`throughput over ${FLEET} devices, all feedback received`, (k) => rate(m(k, (r) => r.fleet)), { of: (r) => r.fleet / r.floorThroughput, digits: 3 }, `${rate(floor((r) => r.floorThroughput))} (50 in flight)`, '≥ 0.35'));
  console.log(row(`hub CPU per message: latency / 1 device / ${FLEET} devices`, (k) => `${us(m(k, (r) => r.cpuLatency))} / ${us(m(k, (r) => r.cpuOneDevice))} / ${us(m(k, (r) => r.cpuFleet))}`, undefined, '', ''));
  console.log(row(`bench process (the clients) CPU per message: latency / 1 device / ${FLEET} devices`, (k) => `${us(m(k, (r) => r.clientCpuLatency))} / ${us(m(k, (r) => r.clientCpuOneDevice))} / ${us(m(k, (r) => r.clientCpuFleet))}`, undefined, '', ''));
}

await main();
