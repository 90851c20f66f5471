/** Domain types shared by every layer. Pure data: no behaviour, no imports. */

/** What the service asks the hub to report about a C2D message (`iothub-ack`). */
export type AckMode = 'none' | 'positive' | 'negative' | 'full';
export const ACK_MODES: readonly AckMode[] = ['none', 'positive', 'negative', 'full'];

/** The outcome of a C2D message, as the hub reports it in a feedback record. */
export type FeedbackStatus = 'Success' | 'Expired' | 'DeliveryCountExceeded' | 'Rejected' | 'Purged';
export const FEEDBACK_STATUSES: readonly FeedbackStatus[] = ['Success', 'Expired', 'DeliveryCountExceeded', 'Rejected', 'Purged'];

/** One record of the hub's feedback message body (a JSON array of these). */
export interface FeedbackRecord {
  originalMessageId: string;
  deviceGenerationId: string;
  deviceId: string;
  enqueuedTimeUtc: string;
  statusCode: FeedbackStatus;
  description: string;
}

/** Does `ack` ask for feedback on this outcome? Success is positive; every dead-letter is negative. */
export function ackWantsFeedback(ack: AckMode, status: FeedbackStatus): boolean {
  if (ack === 'full') return true;
  if (ack === 'positive') return status === 'Success';
  if (ack === 'negative') return status !== 'Success';
  return false;
}

/** The device transports the SDK offers. */
export type DeviceTransport = 'mqtt' | 'mqtt-ws' | 'amqp' | 'amqp-ws' | 'http';
export const DEVICE_TRANSPORTS: readonly DeviceTransport[] = ['mqtt', 'mqtt-ws', 'amqp', 'amqp-ws', 'http'];

/** IoT Hub limits for C2D messaging (see docs/iothub-limits in the protocol reference). */
export const LIMITS = {
  /** Messages waiting in one device's C2D queue. */
  queueDepth: 50,
  /** Body + system property values + application property names and values, in bytes. */
  messageBytes: 64 * 1024,
  /** Default time to live of a C2D message. */
  defaultTtlMs: 60 * 60 * 1000,
  /** Longest time to live the hub allows. */
  maxTtlMs: 2 * 24 * 60 * 60 * 1000,
  /** Explicit abandons before a message is dead-lettered. */
  maxDeliveryCount: 10,
  /** How long a received message stays locked (invisible) before it is requeued. */
  lockTimeoutMs: 60 * 1000,
  /** Feedback records per feedback message. */
  feedbackBatch: 64,
  /** Length of message ids and device ids. */
  idLength: 128,
} as const;
