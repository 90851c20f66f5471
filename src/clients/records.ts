/**
 * The JSON records iot-c2d writes: one object per line for `--json` output of the commands and for the
 * TUI's export. Field names are the same everywhere and documented in the README ("JSON output").
 */
import type { AckMode, FeedbackRecord, FeedbackStatus } from '../core/types.js';
import type { OutgoingMessage, ReceivedMessage, SendResult } from './types.js';

export interface PayloadFields {
  /** The payload as text when it is valid UTF-8, else base64. */
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
}

export interface SentLine extends PayloadFields {
  type: 'sent';
  messageId: string;
  deviceId: string;
  /** ISO time the hub confirmed the enqueue. */
  enqueuedAt: string;
  ack: AckMode;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
  expiryTimeUtc?: string;
  properties: Record<string, string>;
}

/** The system properties a received message may carry, in the order the export, `receive` and the TUI show them. */
export const SYSTEM_PROPERTIES = ['messageId', 'correlationId', 'to', 'expiryTimeUtc', 'contentType', 'contentEncoding', 'userId', 'ack', 'lockToken'] as const;
export type SystemProperty = (typeof SYSTEM_PROPERTIES)[number];

export interface ReceivedLine extends PayloadFields {
  type: 'received';
  deviceId: string;
  receivedAt: string;
  messageId?: string;
  correlationId?: string;
  to?: string;
  expiryTimeUtc?: string;
  contentType?: string;
  contentEncoding?: string;
  userId?: string;
  ack?: string;
  lockToken?: string;
  /** How often the hub delivered it before (AMQP, HTTP). */
  deliveryCount?: number;
  properties: Record<string, string>;
}

export interface FeedbackLine {
  type: 'feedback';
  messageId: string;
  deviceId: string;
  status: FeedbackStatus;
  description: string;
  /** When the hub recorded the outcome. */
  enqueuedTimeUtc: string;
  deviceGenerationId: string;
  /** When this client read the record. */
  receivedAt: string;
  /** From the send's enqueue to this record's arrival, when this client sent the message. */
  latencyMs?: number;
}

export function payloadFields(payload: Buffer): PayloadFields {
  const text = payload.toString('utf8');
  return Buffer.from(text, 'utf8').equals(payload) ? { payload: text, payloadEncoding: 'utf8' } : { payload: payload.toString('base64'), payloadEncoding: 'base64' };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function sentLine(deviceId: string, message: OutgoingMessage, result: SendResult): SentLine {
  const line: SentLine = {
    type: 'sent',
    messageId: result.messageId,
    deviceId,
    enqueuedAt: iso(result.enqueuedMs),
    ack: message.ack,
    properties: Object.fromEntries(message.properties),
    ...payloadFields(message.payload),
  };
  if (message.correlationId) line.correlationId = message.correlationId;
  if (message.userId) line.userId = message.userId;
  if (message.contentType) line.contentType = message.contentType;
  if (message.contentEncoding) line.contentEncoding = message.contentEncoding;
  if (message.expiryMs !== undefined) line.expiryTimeUtc = iso(message.expiryMs);
  return line;
}

export function receivedLine(deviceId: string, message: ReceivedMessage): ReceivedLine {
  const line: ReceivedLine = {
    type: 'received',
    deviceId,
    receivedAt: iso(message.receivedMs),
    properties: Object.fromEntries(message.properties),
    ...payloadFields(message.payload),
  };
  for (const key of SYSTEM_PROPERTIES) {
    const value = message[key];
    if (value !== undefined) line[key] = value;
  }
  if (message.deliveryCount !== undefined) line.deliveryCount = message.deliveryCount;
  return line;
}

export function feedbackLine(record: FeedbackRecord, receivedMs: number, sentEnqueuedMs?: number): FeedbackLine {
  const line: FeedbackLine = {
    type: 'feedback',
    messageId: record.originalMessageId,
    deviceId: record.deviceId,
    status: record.statusCode,
    description: record.description,
    enqueuedTimeUtc: record.enqueuedTimeUtc,
    deviceGenerationId: record.deviceGenerationId,
    receivedAt: iso(receivedMs),
  };
  if (sentEnqueuedMs !== undefined) line.latencyMs = receivedMs - sentEnqueuedMs;
  return line;
}
