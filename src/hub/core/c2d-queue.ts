/**
 * Per-device C2D queues, with IoT Hub's message life cycle:
 *
 *   Enqueued ──deliver──▶ Invisible (locked) ──complete──▶ Completed            → Success
 *      ▲                      │  ├──reject───────────────▶ Dead lettered        → Rejected
 *      │                      │  └──abandon (count + 1)──▶ Enqueued, or Dead lettered at the max
 *      └──lock timeout / the device goes away──┘                                  count → DeliveryCountExceeded
 *   Enqueued or Invisible ──expiry──▶ Dead lettered                              → Expired
 *   purge ──▶ removed                                                             → Purged
 *
 * Feedback is produced when the message's `iothub-ack` asks for it. A queue has at most one consumer (the
 * device's live MQTT connection or AMQP link); HTTP devices pull with `receive`.
 */
import { randomUUID } from 'node:crypto';
import { c2dMessageBytes, checkId, checkPropertyName, checkPropertyValue, checkSystemPropertyName } from '../../core/iothub-names.js';
import type { AckMode, FeedbackStatus } from '../../core/types.js';
import { ACK_MODES, LIMITS, ackWantsFeedback } from '../../core/types.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { HubError } from './errors.js';
import type { FeedbackQueue } from './feedback-queue.js';
import type { LockedMessage, QueuedMessage, SenderSystemProperties } from './model.js';
import type { DeviceRegistry } from './registry.js';
import type { HubStore } from './store.js';

/** A device connection that takes pushed messages. */
export interface C2dConsumer {
  /** How many more messages it takes now. */
  credit(): number;
  deliver(locked: LockedMessage): void;
  /**
   * Another consumer took the device's messages (a second connection as the same device): this one ends its
   * connection's receiving, as IoT Hub drops the older of two connections of one device.
   */
  replaced?(): void;
}

export type Settlement = 'complete' | 'reject' | 'abandon';

/** A message as a sender hands it to the hub. */
export interface NewMessage extends SenderSystemProperties {
  deviceId: string;
  ack?: string;
  /** Absolute expiry (ms since the epoch); the default time to live applies when absent. */
  expiryMs?: number;
  properties: Array<[string, string]>;
  body: Buffer;
  /** Who sent it (the AMQP client's container id): its feedback goes to that client's reader when it reads. */
  origin?: string;
}

export interface C2dQueueOptions {
  maxDeliveryCount: number;
  lockTimeoutMs: number;
  defaultTtlMs: number;
}

interface Entry {
  message: QueuedMessage;
  /** Who sent it, while this hub runs (not stored: after a restart, its feedback goes to any reader). */
  origin?: string;
  lock?: { token: string; untilMs: number; consumer: C2dConsumer | undefined };
}

interface DeviceQueue {
  entries: Entry[];
  consumer: C2dConsumer | undefined;
}

/** The sentence a sender gets while the store cannot take new messages. */
function storageRefusal(fault: string): string {
  return `The hub cannot store new messages now: ${fault}; sends are accepted again as soon as it can.`;
}

const DESCRIPTIONS: Record<FeedbackStatus, string> = {
  Success: 'Success',
  Expired: 'Message expired',
  DeliveryCountExceeded: 'Message delivery count exceeded',
  Rejected: 'Message rejected',
  Purged: 'Message purged',
};

export class C2dQueues {
  private readonly queues = new Map<string, DeviceQueue>();

  constructor(
    private readonly store: HubStore,
    private readonly registry: DeviceRegistry,
    private readonly feedback: FeedbackQueue,
    private readonly options: C2dQueueOptions,
    private readonly clock: Clock = systemClock,
  ) {
    for (const message of store.messages()) this.queue(message.deviceId).entries.push({ message });
  }

  /** Messages in the device's queue, enqueued or invisible (the registry's cloudToDeviceMessageCount). */
  depth(deviceId: string): number {
    return this.queues.get(deviceId)?.entries.length ?? 0;
  }

  /**
   * Checks and queues a message; throws a HubError the sender's protocol turns into its own refusal.
   * `stored` is called once the message is on disk: only then may the sender be told it is enqueued. When
   * the storage fails instead, `stored` gets the error (one sentence) and the message leaves the queue.
   */
  enqueue(input: NewMessage, stored: (err?: Error) => void = () => undefined, nowMs = this.clock.now()): QueuedMessage {
    const fault = this.store.fault();
    if (fault) throw new HubError('StorageUnavailable', storageRefusal(fault));
    const device = this.registry.get(input.deviceId);
    if (!device) throw new HubError('DeviceNotFound', `Device '${input.deviceId}' is not registered on this hub.`);
    const ack = (input.ack ?? 'none').toLowerCase();
    if (!ACK_MODES.includes(ack as AckMode)) {
      throw new HubError('ArgumentInvalid', `iothub-ack "${input.ack}" is not one of none, positive, negative, full.`);
    }
    if (input.messageId !== undefined) {
      const problem = checkId('message id', input.messageId);
      if (problem) throw new HubError('ArgumentInvalid', problem);
    }
    for (const [name, value] of input.properties) {
      // iothub-ack arrives here already lifted out as the ack; `$.` names would pose as MQTT system properties.
      const problem = checkPropertyName(name) ?? checkSystemPropertyName(name) ?? checkPropertyValue(name, value);
      if (problem) throw new HubError('ArgumentInvalid', problem);
    }
    const size = c2dMessageBytes(input.body, [input.messageId, input.correlationId, input.userId, input.contentType, input.contentEncoding, input.ack], input.properties);
    if (size > LIMITS.messageBytes) {
      throw new HubError('MessageTooLarge', `The message is ${size} bytes: IoT Hub accepts at most ${LIMITS.messageBytes} bytes (64 KB) per C2D message.`);
    }
    const queue = this.queue(input.deviceId);
    if (queue.entries.length >= LIMITS.queueDepth) {
      throw new HubError(
        'DeviceMaximumQueueDepthExceeded',
        `C2D messages enqueued for device '${input.deviceId}' exceeded the queue limit of ${LIMITS.queueDepth}.`,
      );
    }
    const expiryMs = Math.min(input.expiryMs ?? nowMs + this.options.defaultTtlMs, nowMs + LIMITS.maxTtlMs);
    // Built as one literal, then completed (no spread: V8 defines the properties after a spread on a slow path).
    const message: QueuedMessage = {
      seq: 0,
      deviceId: input.deviceId,
      ack: ack as AckMode,
      expiryMs,
      expirySet: input.expiryMs !== undefined,
      enqueuedMs: nowMs,
      properties: input.properties,
      body: input.body,
      deliveryCount: 0,
    };
    if (input.messageId !== undefined) message.messageId = input.messageId;
    if (input.correlationId !== undefined) message.correlationId = input.correlationId;
    if (input.userId !== undefined) message.userId = input.userId;
    if (input.contentType !== undefined) message.contentType = input.contentType;
    if (input.contentEncoding !== undefined) message.contentEncoding = input.contentEncoding;
    message.seq = this.store.insertMessage(message);
    const entry: Entry = input.origin === undefined ? { message } : { message, origin: input.origin };
    queue.entries.push(entry);
    this.store.afterCommit((err) => {
      if (!err) return stored();
      const at = queue.entries.indexOf(entry);
      if (at >= 0) queue.entries.splice(at, 1);
      stored(new Error(storageRefusal(err.message)));
    });
    this.pump(input.deviceId);
    return message;
  }

  /** Makes `consumer` the device's receiver (replacing any other) and starts delivering. */
  attach(deviceId: string, consumer: C2dConsumer): () => void {
    const queue = this.queue(deviceId);
    const before = queue.consumer;
    queue.consumer = consumer;
    if (before && before !== consumer) {
      this.release(queue, before);
      before.replaced?.();
    }
    this.pump(deviceId);
    return () => {
      if (queue.consumer === consumer) queue.consumer = undefined;
      this.release(queue, consumer);
      this.pump(deviceId);
    };
  }

  /** Delivers enqueued messages while the consumer has credit. */
  pump(deviceId: string, nowMs = this.clock.now()): void {
    const queue = this.queues.get(deviceId);
    const consumer = queue?.consumer;
    if (!queue || !consumer) return;
    while (consumer.credit() > 0) {
      const locked = this.lockNext(queue, consumer, nowMs);
      if (!locked) return;
      consumer.deliver(locked);
    }
  }

  /** Takes the next message for a device that polls (HTTP), locked for `lockTimeoutMs` (the hub's lock by default). */
  receive(deviceId: string, lockTimeoutMs = this.options.lockTimeoutMs, nowMs = this.clock.now()): LockedMessage | undefined {
    const queue = this.queues.get(deviceId);
    return queue ? this.lockNext(queue, undefined, nowMs, lockTimeoutMs) : undefined;
  }

  /**
   * Settles a locked message. Returns false (and changes nothing) when the lock token is unknown, expired or
   * already settled: a late or repeated settlement is not an error.
   */
  settle(deviceId: string, lockToken: string, how: Settlement, nowMs = this.clock.now()): boolean {
    const queue = this.queues.get(deviceId);
    const entry = queue?.entries.find((e) => e.lock?.token === lockToken);
    if (!queue || !entry) return false;
    if (how === 'complete') this.finish(queue, entry, 'Success', nowMs);
    else if (how === 'reject') this.finish(queue, entry, 'Rejected', nowMs);
    else {
      entry.message.deliveryCount += 1;
      if (entry.message.deliveryCount >= this.options.maxDeliveryCount) {
        this.finish(queue, entry, 'DeliveryCountExceeded', nowMs);
      } else {
        this.store.setDeliveryCount(entry.message.seq, entry.message.deliveryCount);
        entry.lock = undefined;
        this.pump(deviceId, nowMs);
      }
    }
    return true;
  }

  /** Empties a device's queue; returns how many messages were purged. */
  purge(deviceId: string, nowMs = this.clock.now()): number {
    const queue = this.queues.get(deviceId);
    if (!queue) return 0;
    const entries = [...queue.entries];
    for (const entry of entries) this.finish(queue, entry, 'Purged', nowMs);
    return entries.length;
  }

  /** Forgets a deleted device's queue (its messages are already gone from the store). */
  removeDevice(deviceId: string): void {
    this.queues.delete(deviceId);
  }

  /** Requeues messages whose lock timed out and dead-letters expired ones. */
  sweep(nowMs = this.clock.now()): void {
    for (const [deviceId, queue] of this.queues) {
      let requeued = false;
      for (const entry of [...queue.entries]) {
        if (entry.message.expiryMs <= nowMs) this.finish(queue, entry, 'Expired', nowMs);
        else if (entry.lock && entry.lock.untilMs <= nowMs) {
          entry.lock = undefined;
          requeued = true;
        }
      }
      if (requeued) this.pump(deviceId, nowMs);
    }
  }

  private queue(deviceId: string): DeviceQueue {
    let queue = this.queues.get(deviceId);
    if (!queue) {
      queue = { entries: [], consumer: undefined };
      this.queues.set(deviceId, queue);
    }
    return queue;
  }

  private lockNext(queue: DeviceQueue, consumer: C2dConsumer | undefined, nowMs: number, lockTimeoutMs = this.options.lockTimeoutMs): LockedMessage | undefined {
    for (const entry of [...queue.entries]) {
      if (entry.lock) continue;
      if (entry.message.expiryMs <= nowMs) {
        this.finish(queue, entry, 'Expired', nowMs);
        continue;
      }
      const token = randomUUID();
      entry.lock = { token, untilMs: nowMs + lockTimeoutMs, consumer };
      return { message: entry.message, lockToken: token };
    }
    return undefined;
  }

  /** Puts back the messages a consumer held, without counting a delivery. */
  private release(queue: DeviceQueue, consumer: C2dConsumer): void {
    for (const entry of queue.entries) if (entry.lock?.consumer === consumer) entry.lock = undefined;
  }

  /** Takes a message out of the queue for good and records its feedback when the ack mode asks. */
  private finish(queue: DeviceQueue, entry: Entry, status: FeedbackStatus, nowMs: number): void {
    const at = queue.entries.indexOf(entry);
    if (at < 0) return;
    queue.entries.splice(at, 1);
    const { message } = entry;
    // Both writes go in the same group commit: the message leaves and its feedback appears together.
    this.store.deleteMessage(message.seq);
    if (ackWantsFeedback(message.ack, status)) {
      this.feedback.add(
        {
          originalMessageId: message.messageId ?? '',
          deviceGenerationId: this.registry.get(message.deviceId)?.generationId ?? '',
          deviceId: message.deviceId,
          enqueuedTimeUtc: new Date(nowMs).toISOString(),
          statusCode: status,
          description: DESCRIPTIONS[status],
        },
        nowMs,
        entry.origin,
      );
    }
  }
}
