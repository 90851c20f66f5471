/**
 * Ctrl+C and timers for the commands that run until something happens (`receive`, `feedback`,
 * `send --wait`): the first SIGINT or SIGTERM asks the command to close its connections and exit with 130
 * (SIGINT) or 143 (SIGTERM); a second one exits at once.
 */
import { note } from './output.js';
import { EXIT } from './usage.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface Interrupt {
  /** Resolves with the first signal received. */
  readonly signal: Promise<StopSignal>;
  dispose(): void;
}

export function exitCodeFor(signal: StopSignal): number {
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

export function watchInterrupt(): Interrupt {
  let resolve!: (signal: StopSignal) => void;
  const signal = new Promise<StopSignal>((r) => (resolve = r));
  let count = 0;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = (): void => {
      count += 1;
      if (count > 1) {
        note('interrupted again: exiting without waiting for the connections to close.');
        process.exit(exitCodeFor(name));
      }
      resolve(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

export interface Timer {
  /** Resolves when the time is up; never when `ms` is undefined. */
  readonly done: Promise<void>;
  cancel(): void;
}

/** A timer that can be cancelled; `undefined` ms never fires. */
export function timer(ms: number | undefined): Timer {
  let handle: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    if (ms !== undefined) handle = setTimeout(resolve, ms);
  });
  return { done, cancel: () => clearTimeout(handle) };
}

/** Something to resolve from elsewhere (a count reached, a record found). */
export function latch<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const CLOSE_LIMIT_MS = 2000;

/**
 * Closes a client, waiting at most `ms`: the AMQP device SDK never finishes a close that starts while its
 * C2D link is still attaching, and Ctrl+C must not hang on that. main.ts exits shortly after the command
 * returns, whatever is left open.
 */
export async function closeWithin(client: { close(): Promise<void> }, ms = CLOSE_LIMIT_MS): Promise<void> {
  const limit = timer(ms);
  const closing = client.close().then(
    () => true,
    () => true,
  );
  const closed = await Promise.race([closing, limit.done.then(() => false)]);
  limit.cancel();
  if (!closed) note(`the connection did not close within ${ms / 1000} s: exiting without waiting for it.`);
}
