/**
 * Starts the embedded hub of `iot-c2d tui` in a worker thread (hub-worker.ts) and gives the TUI what it posts
 * back. This thread never loads the hub's modules: the hub's start and its half of the handshakes run on
 * another core while this one draws and loads the SDK clients (bench/README.md, the hub in a worker).
 */
import { appendFile } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HubWorkerCommand, HubWorkerMessage, HubWorkerOptions, HubWorkerReady } from './hub-worker-protocol.js';

export const DEMO_DEVICE = 'demo-device';

/** The worker's options for the TUI's arguments. */
export function embeddedHubOptions(args: { 'state-dir': string; port: number }): HubWorkerOptions {
  return { stateDir: args['state-dir'], port: args.port, device: DEMO_DEVICE };
}

export interface EmbeddedHub {
  /** The hub started here or joined; rejects with the start's one-line error (and its HubStartError code, if any). */
  ready: Promise<HubWorkerReady>;
  /** New header labels: the joined hub's process went away (taken over, or stopped), or the hub failed. The last is replayed to a later listener. */
  watch(listener: (hubLabel: string) => void): void;
  /** Stops the hub (once it is up, if it is still starting) and ends the worker; resolves when the thread has ended. */
  stop(): Promise<void>;
}

/** The worker's script: the built dist/cli/hub-thread.cjs, or from the sources (tests) hub-worker.ts through tsx. */
function newWorker(options: HubWorkerOptions): Worker {
  const here = import.meta.url;
  const common = { workerData: options, stdout: true, stderr: true } as const;
  if (here.endsWith('.ts')) {
    const source = JSON.stringify(new URL('./hub-worker.ts', here).href);
    return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${source}); });`, { ...common, eval: true });
  }
  // main.js and hub-thread.cjs are side by side in dist/cli; a chunk importing this is in dist/cli/chunks.
  return new Worker(new URL(/\/chunks\/[^/]*$/.test(here) ? '../hub-thread.cjs' : './hub-thread.cjs', here), common);
}

export function startEmbeddedHub(options: HubWorkerOptions): EmbeddedHub {
  const worker = newWorker(options);
  // Nothing of the worker's reaches the terminal (the TUI's screen): what a library prints goes to the hub's log.
  for (const stream of [worker.stdout, worker.stderr]) stream.on('data', (chunk: Buffer) => appendFile(join(options.stateDir, 'tui-hub.log'), chunk, { mode: 0o600 }, () => undefined));
  let settle: { resolve(ready: HubWorkerReady): void; reject(err: Error): void } | undefined;
  const ready = new Promise<HubWorkerReady>((resolve, reject) => (settle = { resolve, reject }));
  // Reported to whoever awaits it; never an unhandled rejection meanwhile.
  ready.catch(() => undefined);
  const fail = (err: Error): void => {
    settle?.reject(err);
    settle = undefined;
  };
  let label: string | undefined;
  const listeners: Array<(hubLabel: string) => void> = [];
  const tell = (hubLabel: string): void => {
    label = hubLabel;
    for (const listener of listeners) listener(hubLabel);
  };
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  worker.on('message', (message: HubWorkerMessage) => {
    if (message.type === 'hub-label') return tell(message.hubLabel);
    if (message.type === 'failed') return fail(Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
    settle?.resolve(message);
    settle = undefined;
  });
  // A bug in the hub ends its thread, not the TUI: the header says so, the clients keep trying.
  worker.on('error', (err) => {
    const message = `the embedded hub stopped: ${err.message} (a bug: please report it)`;
    fail(new Error(message));
    tell(`local (${message})`);
  });
  void exited.then(() => fail(new Error(stopping ? 'Quit before the embedded hub was up.' : 'The embedded hub stopped before it was up.')));

  return {
    ready,
    watch: (listener) => {
      listeners.push(listener);
      if (label !== undefined) listener(label);
    },
    stop: () =>
      (stopping ??= (() => {
        worker.postMessage({ type: 'stop' } satisfies HubWorkerCommand);
        return exited;
      })()),
  };
}
