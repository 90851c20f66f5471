/**
 * Time as the core sees it: the current time and deferred work (the store's group commit, feedback batches).
 * The hub runs on `systemClock`; the core's tests inject a clock they advance by hand, so a lock that times out
 * or a message that expires takes no real time (test/helpers/manual-clock.ts).
 */

/** Cancels a deferred call that has not run yet. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` as soon as the event loop is free (after pending I/O callbacks). */
  soon(fn: () => void): Cancel;
  /** Calls `fn` after `ms` milliseconds. */
  after(ms: number, fn: () => void): Cancel;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  soon: (fn) => {
    const immediate = setImmediate(fn);
    return () => clearImmediate(immediate);
  },
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
