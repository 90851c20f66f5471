/**
 * The hub's single feedback queue (`/messages/serviceBound/feedback`). Records are stored when the outcome
 * happens, batched into messages of at most 64 records, and handed to whichever reader has credit; a batch
 * leaves the store only when the reader accepts it, so a reader that goes away loses nothing.
 *
 * Who gets a record: the reader that sent its message, whenever that sender (the same AMQP client, known by
 * its container id, across reconnects) has a feedback reader attached; a record whose sender reads no
 * feedback (or is unknown, e.g. after a hub restart) goes to any reader, as on Azure, where one queue serves
 * every reader. Two `send --wait`, or two TUIs, on one hub thus each get their own records.
 *
 * Batching: the first record of a batch starts a timer of `delayMs` (0 means "as soon as the event loop is
 * free", a few milliseconds at most); a full batch goes at once. Azure's own hub waits up to 15 s, which
 * `--feedback-delay` emulates.
 */
import type { FeedbackRecord } from '../../core/types.js';
import { LIMITS } from '../../core/types.js';
import { systemClock } from './clock.js';
import type { Cancel, Clock } from './clock.js';
import type { HubStore, StoredFeedback } from './store.js';

export interface FeedbackReader {
  /** Who reads (the AMQP client's container id): it gets the records of the messages it sent. */
  owner?: string;
  /** Batches it can take now. */
  credit(): number;
  /** Hands over one batch; the reader calls `settled(true)` once accepted, `settled(false)` to give it back. */
  send(records: FeedbackRecord[], settled: (accepted: boolean) => void): void;
}

export interface FeedbackQueueOptions {
  delayMs: number;
  ttlMs: number;
}

/** A record waiting, with the sender of its message when the hub knows it (in memory only). */
type Pending = StoredFeedback & { origin?: string };

export class FeedbackQueue {
  private pending: Pending[];
  private readonly readers: FeedbackReader[] = [];
  private next = 0;
  private scheduled: Cancel | undefined;
  private closed = false;

  constructor(
    private readonly store: HubStore,
    private readonly options: FeedbackQueueOptions,
    private readonly clock: Clock = systemClock,
  ) {
    this.pending = store.feedback();
  }

  /** Stores a record and schedules its delivery; `origin` is who sent the message. Safe inside a store transaction. */
  add(record: FeedbackRecord, nowMs = this.clock.now(), origin?: string): void {
    const id = this.store.insertFeedback(record, nowMs);
    this.pending.push({ id, createdMs: nowMs, record, ...(origin === undefined ? {} : { origin }) });
    if (this.pending.length >= LIMITS.feedbackBatch) this.schedule(0);
    else this.schedule(this.options.delayMs);
  }

  /** Records waiting for a reader (not counting batches in flight). */
  get size(): number {
    return this.pending.length;
  }

  attach(reader: FeedbackReader): () => void {
    this.readers.push(reader);
    this.schedule(0);
    return () => {
      const at = this.readers.indexOf(reader);
      if (at >= 0) this.readers.splice(at, 1);
    };
  }

  /** A reader gained credit: deliver what is waiting. */
  pump(): void {
    if (this.pending.length > 0) this.schedule(this.options.delayMs);
  }

  /** Drops records about a deleted device, as IoT Hub does. */
  dropDevice(deviceId: string): void {
    const dropped = this.pending.filter((f) => f.record.deviceId === deviceId);
    if (dropped.length === 0) return;
    this.pending = this.pending.filter((f) => f.record.deviceId !== deviceId);
    this.store.deleteFeedback(dropped.map((f) => f.id));
  }

  /** Drops records older than the feedback time to live. */
  sweep(nowMs = this.clock.now()): void {
    const expired = this.pending.filter((f) => nowMs - f.createdMs > this.options.ttlMs);
    if (expired.length === 0) return;
    this.pending = this.pending.filter((f) => nowMs - f.createdMs <= this.options.ttlMs);
    this.store.deleteFeedback(expired.map((f) => f.id));
  }

  close(): void {
    this.closed = true;
    this.clearSchedule();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.scheduled !== undefined) {
      if (delayMs > 0) return;
      this.clearSchedule();
    }
    const run = (): void => {
      this.scheduled = undefined;
      this.flush();
    };
    this.scheduled = delayMs > 0 ? this.clock.after(delayMs, run) : this.clock.soon(run);
  }

  private clearSchedule(): void {
    this.scheduled?.();
    this.scheduled = undefined;
  }

  private flush(): void {
    const owners = new Set(this.readers.map((r) => r.owner).filter((o) => o !== undefined));
    // A record goes to its sender's reader; one whose sender reads no feedback here goes to anyone.
    const mayTake = (reader: FeedbackReader, f: Pending): boolean => f.origin === undefined || f.origin === reader.owner || !owners.has(f.origin);
    let progress = true;
    while (this.pending.length > 0 && progress) {
      progress = false;
      const start = this.next;
      for (let i = 0; i < this.readers.length && this.pending.length > 0; i++) {
        const at = (start + i) % this.readers.length;
        const reader = this.readers[at];
        if (!reader || reader.credit() <= 0) continue;
        const batch: Pending[] = [];
        const rest: Pending[] = [];
        for (const f of this.pending) (batch.length < LIMITS.feedbackBatch && mayTake(reader, f) ? batch : rest).push(f);
        if (batch.length === 0) continue;
        this.pending = rest;
        this.next = (at + 1) % this.readers.length;
        this.hand(reader, batch);
        progress = true;
      }
    }
  }

  /** One batch to one reader; it leaves the store when accepted, and comes back first if not. */
  private hand(reader: FeedbackReader, batch: Pending[]): void {
    let done = false;
    reader.send(
      batch.map((f) => f.record),
      (accepted) => {
        if (done) return;
        done = true;
        if (accepted) {
          if (!this.closed) this.store.deleteFeedback(batch.map((f) => f.id));
        } else {
          this.pending = [...batch, ...this.pending];
          this.schedule(0);
        }
      },
    );
  }
}
