/**
 * Start-up cost of the command line against the bare SDK (`npm run bench:cli`). Not a test: it prints
 * figures and ratios and never fails on time.
 *
 * Each case runs our command (A) and a short program doing the same with the bare SDK (B, bench/cli/*.cjs)
 * as whole processes, in turn A B A B …, and takes the ratio A/B pair by pair (the pairing keeps the ratio
 * honest when the machine's speed drifts); the summary is the median. Both get the same environment: the
 * connection strings and the hub's CA in NODE_EXTRA_CA_CERTS. The hub is `iot-c2d hub --standard-ports` on
 * 8883/5671/443 (the bare SDKs reach only the standard ports), in its own process; a device connected here
 * completes what `send` sends, and `receive --count 1` takes one of the messages queued beforehand.
 *
 * BENCH_CLI_RUNS (10 pairs, after one warm-up pair); BENCH_CLI (another build of dist/cli/main.js, to
 * compare before and after a change).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { RegistryClient } from '../src/clients/registry-client.js';
import { ServiceClient } from '../src/clients/service-client.js';

const CLI = resolve(process.env.BENCH_CLI ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)));
const YARDSTICKS = fileURLToPath(new URL('./cli/', import.meta.url));
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 10);
/** A run that takes longer has hung: it is killed and the bench fails with its stderr. */
const RUN_LIMIT_MS = 30_000;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Wall time of one process, spawn to exit; rejects when it fails. */
function timed(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', process.env.BENCH_CLI_DEBUG ? 'inherit' : 'ignore', 'pipe'] });
    const limit = setTimeout(() => {
      if (process.env.BENCH_CLI_DEBUG) spawnSync(process.execPath, [CLI, 'device', 'list'], { env, stdio: 'inherit' });
      child.kill('SIGKILL');
    }, RUN_LIMIT_MS);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('exit', (code) => {
      clearTimeout(limit);
      const ms = performance.now() - start;
      if (code === 0) resolveRun(ms);
      else reject(new Error(`${argv.slice(1).join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`));
    });
  });
}

type Prepare = () => Promise<unknown>;
interface Side {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  prepare?: Prepare;
}

async function paired(a: Side, b: Side, env: NodeJS.ProcessEnv): Promise<{ a: number; b: number; ratio: number; loads: string }> {
  const run = async (side: Side): Promise<number> => {
    await side.prepare?.();
    return timed(side.argv, { ...env, ...side.env });
  };
  await run(a);
  await run(b);
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    loads.push(loadavg()[0]!);
    const ta = await run(a);
    const tb = await run(b);
    as.push(ta);
    bs.push(tb);
    ratios.push(ta / tb);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios), loads: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}` };
}

async function startHub(stateDir: string): Promise<{ info: { serviceConnectionString: string; devices: Record<string, string>; caPath: string }; stop(): Promise<void> }> {
  const args = [CLI, 'hub', '--port', '8883', '--standard-ports', '--state-dir', stateDir, '--device', 'cli-send', '--device', 'cli-recv', '--device', 'cli-recv-sdk', '--json', '--quiet'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolveLine(out.split('\n')[0] as string);
    });
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code} (are 8883, 5671 and 443 free?): ${stderr.trim()}`)));
  });
  return {
    info: JSON.parse(line) as { serviceConnectionString: string; devices: Record<string, string>; caPath: string },
    stop: () =>
      new Promise((resolveStop) => {
        process.off('exit', kill);
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-cli-'));
  const hub = await startHub(stateDir);
  const { serviceConnectionString: serviceCs, devices, caPath } = hub.info;
  const env: NodeJS.ProcessEnv = { ...process.env, IOTHUB_CONNECTION_STRING: serviceCs, IOTHUB_DEVICE_CONNECTION_STRING: devices['cli-recv'], NODE_EXTRA_CA_CERTS: caPath };
  delete env.NODE_OPTIONS; // tsx's loader must not reach the measured processes
  const ca = readFileSync(caPath, 'utf8');
  const service = await ServiceClient.open({ connectionString: serviceCs, ca });
  const registry = new RegistryClient({ connectionString: serviceCs, ca });
  const completer = await DeviceClient.open({ connectionString: devices['cli-send'] as string, ca, transport: 'mqtt', autoComplete: true });
  // Exactly one message queued before each `receive --count 1` run, and only once the hub has seen the
  // previous run's connection close, so every run measures the same thing: connect, receive one, complete.
  // Ours and the yardstick receive as two devices, so neither run ever waits on the other's leftovers.
  const oneQueued =
    (deviceId: string): Prepare =>
    async () => {
      while ((await registry.get(deviceId)).connectionState !== 'Disconnected') await new Promise((r) => setTimeout(r, 5));
      await service.send(deviceId, { payload: Buffer.from('{"bench":true}'), properties: [], ack: 'none' });
    };

  const cases: Array<[string, Side, Side]> = [
    ['send <id> --ack full --wait', { argv: [CLI, 'send', 'cli-send', '{"bench":true}', '--ack', 'full', '--wait'] }, { argv: [join(YARDSTICKS, 'yardstick-send.cjs'), 'cli-send'] }],
    [
      'receive --count 1 (MQTT)',
      { argv: [CLI, 'receive', '--count', '1'], prepare: oneQueued('cli-recv') },
      { argv: [join(YARDSTICKS, 'yardstick-receive.cjs')], env: { IOTHUB_DEVICE_CONNECTION_STRING: devices['cli-recv-sdk'] }, prepare: oneQueued('cli-recv-sdk') },
    ],
    ['device list', { argv: [CLI, 'device', 'list'] }, { argv: [join(YARDSTICKS, 'yardstick-device-list.cjs')] }],
  ];
  const only = process.env.BENCH_CLI_ONLY;
  const rows: string[] = [];
  try {
    for (const [name, a, b] of cases) {
      if (only && !name.startsWith(only)) continue;
      const r = await paired(a, b, env);
      rows.push(`| \`${name}\` | ${r.a.toFixed(0)} ms | ${r.b.toFixed(0)} ms | ×${r.ratio.toFixed(2)} | ≤ 1.2 | ${r.loads} |`);
      console.error(rows.at(-1));
    }
  } finally {
    await completer.close();
    await service.close();
    await hub.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  console.log(`\nCommand line vs the bare SDK, whole processes, ${RUNS} pairs each (A B A B …), Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`);
  console.log('| command | iot-c2d, median | bare SDK, median | ratio (median of pairs) | target | load (1-min) |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
