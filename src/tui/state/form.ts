/**
 * The Send form: its fields, the order tab moves through them, the checks shown next to each field, and the
 * OutgoingMessage it becomes. Pure functions over plain data.
 */
import { randomUUID } from 'node:crypto';
import { outgoingSize } from '../../clients/outgoing.js';
import type { OutgoingMessage } from '../../clients/types.js';
import { checkCustomPropertyName, checkId, checkPropertyValue } from '../../core/iothub-names.js';
import { repeatMessageId } from '../../core/c2d-rules.js';
import { ACK_MODES, LIMITS } from '../../core/types.js';
import type { AckMode } from '../../core/types.js';

export interface Form {
  deviceId: string;
  payload: string;
  messageId: string;
  correlationId: string;
  /** The AMQP user-id (who the message is from); blank: none. */
  userId: string;
  /** One `key=value` text per row. */
  properties: string[];
  ack: AckMode;
  /** Seconds from now, blank for the hub's default. */
  expiry: string;
  contentType: string;
  contentEncoding: string;
  /** How many times to send it, and how fast. */
  repeat: string;
  rate: string;
}

export type TextField = 'deviceId' | 'payload' | 'messageId' | 'correlationId' | 'userId' | 'expiry' | 'contentType' | 'contentEncoding' | 'repeat' | 'rate';
export type FieldId = TextField | `prop:${number}` | 'addProperty' | 'ack' | 'send';

export function emptyForm(deviceId = ''): Form {
  return { deviceId, payload: '', messageId: '', correlationId: '', userId: '', properties: [], ack: 'full', expiry: '', contentType: '', contentEncoding: '', repeat: '1', rate: '100' };
}

/** Tab order. */
export function fieldOrder(form: Form): FieldId[] {
  return [
    'deviceId',
    'payload',
    'messageId',
    'correlationId',
    'userId',
    ...form.properties.map((_, i) => `prop:${i}` as const),
    'addProperty',
    'ack',
    'expiry',
    'contentType',
    'contentEncoding',
    'repeat',
    'rate',
    'send',
  ];
}

export function propIndex(field: FieldId): number | undefined {
  return field.startsWith('prop:') ? Number(field.slice(5)) : undefined;
}

export function isTextField(field: FieldId): boolean {
  return field !== 'addProperty' && field !== 'ack' && field !== 'send';
}

export function fieldText(form: Form, field: FieldId): string {
  const i = propIndex(field);
  if (i !== undefined) return form.properties[i] ?? '';
  if (!isTextField(field)) return '';
  return form[field as TextField];
}

export function setFieldText(form: Form, field: FieldId, text: string): Form {
  const i = propIndex(field);
  if (i !== undefined) return { ...form, properties: form.properties.map((p, j) => (j === i ? text : p)) };
  if (!isTextField(field)) return form;
  return { ...form, [field as TextField]: text };
}

export function cycleAck(ack: AckMode, step: 1 | -1): AckMode {
  const i = ACK_MODES.indexOf(ack);
  return ACK_MODES[(i + step + ACK_MODES.length) % ACK_MODES.length] as AckMode;
}

export function splitProperty(row: string): [string, string] | undefined {
  const eq = row.indexOf('=');
  return eq < 0 ? undefined : [row.slice(0, eq), row.slice(eq + 1)];
}

export interface FieldCheck {
  level: 'error' | 'warning';
  text: string;
}

const JSON_TYPE = /json/i;

/** The checks shown next to each field: errors block the send, warnings do not. */
export function checkForm(form: Form): Partial<Record<FieldId, FieldCheck>> {
  const out: Partial<Record<FieldId, FieldCheck>> = {};
  const error = (field: FieldId, text: string | undefined): void => {
    if (text) out[field] = { level: 'error', text };
  };
  error('deviceId', checkId('device id', form.deviceId.trim()));
  if (form.messageId !== '') error('messageId', checkId('message id', form.messageId));
  if (form.correlationId.length > LIMITS.idLength) error('correlationId', `${form.correlationId.length} characters: at most ${LIMITS.idLength}.`);
  const names = new Set<string>();
  form.properties.forEach((row, i) => {
    const field = `prop:${i}` as const;
    const kv = splitProperty(row);
    if (!kv) return error(field, 'Write key=value.');
    const problem = checkCustomPropertyName(kv[0]) ?? checkPropertyValue(kv[0], kv[1]);
    if (problem) return error(field, problem);
    if (names.has(kv[0])) return error(field, `"${kv[0]}" is set twice: remove one row (ctrl+d).`);
    names.add(kv[0]);
  });
  if (form.expiry.trim() !== '') {
    const s = Number(form.expiry);
    if (!Number.isFinite(s) || s <= 0) error('expiry', 'Give seconds from now (a positive number), or leave blank.');
    else if (s * 1000 > LIMITS.maxTtlMs) error('expiry', `At most ${LIMITS.maxTtlMs / 1000} s (2 days).`);
  }
  const repeat = Number(form.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1_000_000) error('repeat', 'A whole number, 1 to 1,000,000.');
  const rate = Number(form.rate);
  if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) error('rate', 'Messages per second, more than 0 and at most 10,000.');
  const payload = Buffer.from(form.payload, 'utf8');
  const size = outgoingSize(draftMessage(form, payload, 'x'));
  if (size > LIMITS.messageBytes) error('payload', `${size} bytes with properties: IoT Hub accepts at most ${LIMITS.messageBytes} (64 KB).`);
  else if (JSON_TYPE.test(form.contentType) && form.payload.trim() !== '' && !parsesAsJson(form.payload)) {
    out.payload = { level: 'warning', text: 'Not valid JSON, but Content type says JSON (sent anyway).' };
  }
  return out;
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function hasErrors(checks: Partial<Record<FieldId, FieldCheck>>): boolean {
  return Object.values(checks).some((c) => c?.level === 'error');
}

function draftMessage(form: Form, payload: Buffer, messageId: string): OutgoingMessage {
  const message: OutgoingMessage = {
    payload,
    messageId: form.messageId || messageId,
    properties: form.properties.map(splitProperty).filter((kv): kv is [string, string] => kv !== undefined),
    ack: form.ack,
  };
  if (form.correlationId) message.correlationId = form.correlationId;
  if (form.userId) message.userId = form.userId;
  if (form.contentType) message.contentType = form.contentType;
  if (form.contentEncoding) message.contentEncoding = form.contentEncoding;
  return message;
}

/**
 * The `index`-th (from 0) of the `count` messages the form sends. The message id is always set here (a new UUID
 * when the field is blank; with Repeat, numbered as `send` numbers them: core/c2d-rules.ts) so that the
 * Feedback pane can follow the message from the first moment.
 */
export function toOutgoing(form: Form, nowMs: number, index = 0, count = 1): OutgoingMessage {
  const given = form.messageId;
  const messageId = given === '' ? randomUUID() : repeatMessageId(given, index, count);
  const message = draftMessage(form, Buffer.from(form.payload, 'utf8'), messageId);
  message.messageId = messageId;
  if (form.expiry.trim() !== '') message.expiryMs = nowMs + Math.round(Number(form.expiry) * 1000);
  return message;
}
