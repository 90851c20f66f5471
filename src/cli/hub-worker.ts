/**
 * The embedded hub of `iot-c2d tui`, in a worker thread of its own (embedded-hub.ts starts it): the hub's
 * start, its half of every handshake and its message work run beside the TUI's thread, on another core,
 * rather than between the TUI's frames and its clients (bench/README.md, the hub in a worker). This thread
 * loads the hub only: never the SDKs, Ink or React.
 *
 * It decides what embeddedConnector used to: a hub already answering on the state directory (`iot-c2d hub`,
 * another TUI) is joined and followed, and taken over when it was another TUI's and that TUI goes away;
 * otherwise it starts one (on a free port when the one asked for is taken). It posts back what the TUI's
 * clients need (hub-worker-protocol.ts), and on `stop` stops what it runs and ends. It shares the process
 * with the TUI: the pid, the presence socket's answer and a SIGKILL are the process's.
 */
import { createWriteStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { HubStartError, connectPresence, readHubInstance, startHub } from '../hub/index.js';
import type { Hub, HubInstance, HubOptions } from '../hub/index.js';
import type { HubWorkerCommand, HubWorkerMessage, HubWorkerOptions } from './hub-worker-protocol.js';

const OWNER = 'iot-c2d tui';

if (!parentPort) throw new Error('hub-worker.js runs in a worker thread: iot-c2d tui starts it.');
const parent = parentPort;
const { stateDir, port: wanted, device } = workerData as HubWorkerOptions;
const post = (message: HubWorkerMessage): void => parent.postMessage(message);

const log = createWriteStream(`${stateDir}/tui-hub.log`, { flags: 'a', mode: 0o600 });
const writeLog = (line: string): void => void log.write(`${new Date().toISOString()} ${line}\n`);
// A library's warning would go to the TUI's stderr, right across its screen: the log has it instead.
process.removeAllListeners('warning');
process.on('warning', (warning) => writeLog(`${warning.name}: ${warning.message}`));
const options: HubOptions = { stateDir, devices: [device], owner: OWNER, log: writeLog };

/** The hub this process runs, if it runs one (from the start, or since it took over a stopped TUI's). */
let ours: Hub | undefined;
/** The presence socket of the hub another process runs: it closes when that process goes away. */
let watch: Awaited<ReturnType<typeof connectPresence>>;
/** A takeover under way (startHub of a stopped TUI's hub). */
let takingOver: Promise<void> = Promise.resolve();
let stopping = false;

const shared = (instance: HubInstance): string => `shared: ${instance.owner ?? 'iot-c2d hub'}, pid ${instance.pid}`;

/**
 * Follows whose hub it is. The socket that answered stays open, so the header says at once when that process
 * goes away (its hub with it). Another TUI's hub is taken over: this process starts the hub on the same state
 * and port, and the clients reconnect to it by themselves, losing nothing (the queues are in the state). A
 * standalone `iot-c2d hub` is left for its user to start again.
 */
function follow(instance: HubInstance, gateway: string): void {
  const whose = shared(instance);
  const label = (hubLabel: string): void => post({ type: 'hub-label', hubLabel });
  if (!watch) return label(`local ${gateway} (${whose}, has stopped)`);
  watch.socket.once('close', () => {
    if (stopping) return;
    if (instance.owner !== OWNER) return label(`local ${gateway} (${whose}, has stopped: restart it, or iot-c2d, to run a hub here)`);
    takingOver = startHub({ ...options, port: instance.port }).then(
      (hub) => {
        ours = hub;
        label(`local ${gateway} (taken over when pid ${instance.pid} stopped)`);
      },
      async (err: unknown) => {
        // Another TUI was quicker: follow its hub.
        const next = err instanceof HubStartError && err.code === 'hub-running' ? await readHubInstance(stateDir) : undefined;
        watch = next ? await connectPresence(stateDir) : undefined;
        if (next && watch && !stopping) {
          label(`local ${gateway} (${shared(next)})`);
          return follow(next, gateway);
        }
        label(`local ${gateway} (${whose}, has stopped; running one here failed: ${(err as Error).message})`);
      },
    );
  });
}

async function start(): Promise<void> {
  const running = await readHubInstance(stateDir);
  if (running) {
    // An `iot-c2d hub` (or another TUI) already runs on this state: use it rather than start a second one.
    watch = await connectPresence(stateDir);
    const gateway = `localhost:${running.port}`;
    post({ type: 'joined', port: running.port, caPath: running.caPath, serviceConnectionString: running.serviceConnectionString, hubLabel: `local ${gateway} (${shared(running)})` });
    return follow(running, gateway);
  }
  try {
    ours = await startHub({ ...options, port: wanted });
  } catch (err) {
    // The fixed default port is taken by something else: any free port will do.
    if (wanted === 0 || !(err instanceof HubStartError && err.code === 'port-in-use')) throw err;
    ours = await startHub({ ...options, port: 0 });
  }
  post({
    type: 'started',
    port: ours.port,
    caPath: ours.caPath,
    caPem: ours.caPem,
    serviceConnectionString: ours.serviceConnectionString(),
    deviceConnectionString: ours.deviceConnectionString(device),
  });
}

const started = start().catch((err: unknown) => {
  writeLog(`the hub did not start: ${err instanceof Error ? err.message : String(err)}`);
  post({ type: 'failed', ...(err instanceof HubStartError ? { code: err.code } : {}), message: err instanceof Error ? err.message : String(err) });
});

/** Stops what runs here, once its start (or takeover) has settled, and ends the thread. */
async function stop(): Promise<void> {
  stopping = true;
  await started;
  watch?.socket.removeAllListeners('close');
  watch?.socket.destroy();
  await takingOver;
  await ours?.stop();
  await new Promise<void>((resolve) => log.end(resolve));
  parent.close();
  process.exit(0);
}

parent.on('message', (command: HubWorkerCommand) => {
  if (command.type === 'stop' && !stopping) void stop();
});
