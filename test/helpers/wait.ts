/**
 * Waiting for something to happen, without fixed sleeps: poll a condition, or collect events.
 * The default wait is long (20 s, under vitest's 30 s test timeout): it only bounds a test that is failing,
 * and a loaded 2-core machine can take seconds for what takes milliseconds on a quiet one.
 */
const DEFAULT_WAIT_MS = 20_000;

/** Resolves once `check` returns a value other than undefined/false; rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = DEFAULT_WAIT_MS, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Collects what a subscription delivers, to wait on or inspect. */
export class Collector<T> {
  readonly items: T[] = [];
  readonly push = (item: T): void => {
    this.items.push(item);
  };

  /** Waits until `count` items arrived (or one matching `match`), returns them. */
  async waitForCount(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<T[]> {
    await waitFor(() => this.items.length >= count, timeoutMs, `${count} items (have ${this.items.length})`);
    return this.items;
  }

  async waitForMatch(match: (item: T) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return waitFor(() => this.items.find(match), timeoutMs, 'a matching item');
  }
}

/** The error a promise rejects with; fails the test if it resolves instead. */
export async function rejectionOf<E = Error>(promise: Promise<unknown>): Promise<E> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but the promise resolved');
    },
    (err: E) => err,
  );
}
