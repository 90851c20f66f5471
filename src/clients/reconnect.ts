/**
 * Reconnecting after a lost connection, the same way for every client: the state shows "retrying" with the
 * latest reason, attempts come after growing delays (0.25 s up to 10 s), and stop when one succeeds or the
 * client is closed.
 */
import type { ClientError } from './errors.js';
import type { LinkStateCell } from './link-state.js';

const DELAYS_MS = [250, 1000, 2000, 5000, 10_000];

export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stopped = false;

  /** `attempt` connects again and resolves, or rejects with a ClientError saying why not. */
  constructor(
    private readonly link: LinkStateCell,
    private readonly attempt: () => Promise<void>,
  ) {}

  /** The connection is gone: show why and schedule an attempt (once, however often it is told). */
  lost(reason: string): void {
    if (this.stopped || this.timer) return;
    this.link.set({ status: 'retrying', reason });
    const delay = DELAYS_MS[Math.min(this.attempts, DELAYS_MS.length - 1)] as number;
    this.attempts += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt().then(
        () => {
          this.attempts = 0;
          this.link.set({ status: 'connected' });
        },
        (err: ClientError) => this.lost(err.message),
      );
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
