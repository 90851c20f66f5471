/**
 * Reconnecting after a lost connection, the same way for every client: the state shows "retrying" with the
 * latest reason, attempts come after growing delays (0.25 s up to 10 s), and stop when one succeeds or the
 * client is closed. The delays start again from 0.25 s only after a connection that lasted (`STABLE_MS`):
 * two clients that keep taking one device's connection from each other (IoT Hub keeps one MQTT connection
 * per device) then take turns every 10 s, not four times a second.
 */
import type { ClientError } from './errors.js';
import type { LinkStateCell } from './link-state.js';

const DELAYS_MS = [250, 1000, 2000, 5000, 10_000];
/** A connection that lasted this long was a real one: the next loss starts the delays again. */
export const STABLE_MS = 3000;

export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private stopped = false;
  private connectedAtMs: number | undefined;

  /** `attempt` connects again and resolves, or rejects with a ClientError saying why not. */
  constructor(
    private readonly link: LinkStateCell,
    private readonly attempt: () => Promise<void>,
  ) {}

  /** The client is connected (its first connection; the reconnections are counted here). */
  connected(): void {
    this.connectedAtMs = Date.now();
  }

  /** How long the current connection has been up, in ms; undefined when it is not up. */
  upForMs(): number | undefined {
    return this.connectedAtMs === undefined ? undefined : Date.now() - this.connectedAtMs;
  }

  /** The connection is gone: show why and schedule an attempt (once, however often it is told). */
  lost(reason: string): void {
    if (this.stopped || this.timer) return;
    const upForMs = this.upForMs();
    if (upForMs !== undefined && upForMs >= STABLE_MS) this.attempts = 0;
    this.connectedAtMs = undefined;
    this.link.set({ status: 'retrying', reason });
    const delay = DELAYS_MS[Math.min(this.attempts, DELAYS_MS.length - 1)] as number;
    this.attempts += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempt().then(
        () => {
          this.connected();
          this.link.set({ status: 'connected' });
        },
        (err: ClientError) => this.lost(err.message),
      );
    }, delay);
    // Not unref'd: while the hub is away this timer is all a `receive` or `feedback` command has left to do,
    // and Node would end the process (code 13, silently) without it. `stop()` clears it.
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
