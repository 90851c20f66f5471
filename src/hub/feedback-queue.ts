/**
 * The hub's single feedback queue (`/messages/serviceBound/feedback`). Records are stored when the outcome
 * happens, batched into messages of at most 64 records, and handed to whichever reader has credit; a batch
 * leaves the store only when the reader accepts it, so a reader that goes away loses nothing.
 *
 * Batching: the first record of a batch starts a timer of `delayMs` (0 means "as soon as the event loop is
 * free", a few milliseconds at most); a full batch goes at once. Azure's own hub waits up to 15 s, which
 * `--feedback-delay` emulates.
 */
import type { FeedbackRecord } from '../core/types.js';
import { LIMITS } from '../core/types.js';
import type { HubStore, StoredFeedback } from './store.js';

export interface FeedbackReader {
  /** Batches it can take now. */
  credit(): number;
  /** Hands over one batch; the reader calls `settled(true)` once accepted, `settled(false)` to give it back. */
  send(records: FeedbackRecord[], settled: (accepted: boolean) => void): void;
}

export interface FeedbackQueueOptions {
  delayMs: number;
  ttlMs: number;
}

export class FeedbackQueue {
  private pending: StoredFeedback[];
  private readonly readers: FeedbackReader[] = [];
  private next = 0;
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: HubStore,
    private readonly options: FeedbackQueueOptions,
  ) {
    this.pending = store.feedback();
  }

  /** Stores a record and schedules its delivery. Safe inside a store transaction. */
  add(record: FeedbackRecord, nowMs = Date.now()): void {
    const id = this.store.insertFeedback(record, nowMs);
    this.pending.push({ id, createdMs: nowMs, record });
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
  sweep(nowMs = Date.now()): void {
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
    this.scheduled = delayMs > 0 ? setTimeout(run, delayMs) : setImmediate(run);
  }

  private clearSchedule(): void {
    if (this.scheduled === undefined) return;
    clearTimeout(this.scheduled as NodeJS.Timeout);
    clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  private flush(): void {
    while (this.pending.length > 0) {
      const reader = this.nextReaderWithCredit();
      if (!reader) return;
      const batch = this.pending.splice(0, LIMITS.feedbackBatch);
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

  private nextReaderWithCredit(): FeedbackReader | undefined {
    for (let i = 0; i < this.readers.length; i++) {
      const reader = this.readers[(this.next + i) % this.readers.length];
      if (reader && reader.credit() > 0) {
        this.next = (this.next + i + 1) % this.readers.length;
        return reader;
      }
    }
    return undefined;
  }
}
