/**
 * Holds the state and tells React when it changed. Key presses are applied at once; stream events (received
 * messages, feedback, send progress) are queued and applied together at most `maxFlushesPerSecond` (30) times
 * a second, and about 7 times a second while they keep coming (more than 8 per flush, ~250/s), so a flood costs a bounded number of
 * redraws and key presses still get the CPU.
 */
import { reducer } from './reducer.js';
import type { Action, State, StreamEvent } from './types.js';

const BUSY = 8;
const BUSY_INTERVAL_MS = 150;

export class Store {
  private state: State;
  private readonly listeners = new Set<() => void>();
  private queue: StreamEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private readonly intervalMs: number;
  /** Under a flood (a flush of more than BUSY events) the next flush waits longer, leaving time for keys. */
  private busy = false;
  /** How many times stream events were applied (for tests of the batching). */
  flushes = 0;

  constructor(initial: State, maxFlushesPerSecond = 30) {
    this.state = initial;
    this.intervalMs = Math.ceil(1000 / maxFlushesPerSecond);
  }

  readonly getState = (): State => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Applies an action now (after any queued stream events, to keep their order). */
  dispatch(action: Action): void {
    this.drain();
    this.state = reducer(this.state, action);
    this.emit();
  }

  /** Queues a stream event; it is applied with the next flush. */
  push(event: StreamEvent): void {
    this.queue.push(event);
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + (this.busy ? BUSY_INTERVAL_MS : this.intervalMs) - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.drain()) this.emit();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain(): boolean {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return false;
    const events = this.queue;
    this.queue = [];
    this.busy = events.length > BUSY;
    this.state = reducer(this.state, { type: 'batch', events });
    this.lastFlush = Date.now();
    this.flushes += 1;
    return true;
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
