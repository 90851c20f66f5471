/** A clock for the hub core's tests: time moves only when the test advances it, deferred work runs then. */
import type { Cancel, Clock } from '../../src/hub/core/clock.js';

interface Task {
  atMs: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private tasks: Task[] = [];
  private seq = 0;

  constructor(startMs = Date.UTC(2026, 10, 30, 12, 0, 0)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  soon(fn: () => void): Cancel {
    return this.after(0, fn);
  }

  after(ms: number, fn: () => void): Cancel {
    const task: Task = { atMs: this.nowMs + Math.max(0, ms), seq: ++this.seq, fn };
    this.tasks.push(task);
    return () => {
      this.tasks = this.tasks.filter((t) => t !== task);
    };
  }

  /** Runs what is due now, including what that schedules for now (the event loop's turn, by hand). */
  flush(): void {
    this.advance(0);
  }

  /** Moves time forward by `ms`, running deferred work in time order as its moment comes. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const due = this.tasks.filter((t) => t.atMs <= until).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.nowMs = Math.max(this.nowMs, due.atMs);
      due.fn();
    }
    this.nowMs = until;
  }

  /** Deferred calls not run yet. */
  get pending(): number {
    return this.tasks.length;
  }
}
