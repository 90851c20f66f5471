/**
 * Checks a C2D message against IoT Hub's documented rules before it is sent, so the refusal names the field
 * and the fix (the same rules the hub applies; Azure documents them for C2D messages).
 */
import { c2dMessageBytes, checkCustomPropertyName, checkId, checkPropertyValue } from '../core/iothub-names.js';
import { displayText } from '../core/display-text.js';
import { LIMITS } from '../core/types.js';
import type { OutgoingMessage } from './types.js';

/** Bytes counted against the 64 KB limit. */
export function outgoingSize(message: OutgoingMessage): number {
  return c2dMessageBytes(message.payload, [message.messageId, message.correlationId, message.userId, message.contentType, message.contentEncoding, message.ack === 'none' ? undefined : message.ack], message.properties);
}

/** The first problem with the message, as one sentence, or undefined. */
export function checkOutgoing(message: OutgoingMessage): string | undefined {
  if (message.messageId) {
    const problem = checkId('message id', message.messageId);
    if (problem) return problem;
  }
  if (message.correlationId && message.correlationId.length > LIMITS.idLength) {
    return `The correlation id has ${message.correlationId.length} characters: IoT Hub allows at most ${LIMITS.idLength}.`;
  }
  for (const [field, value] of [['content type', message.contentType], ['content encoding', message.contentEncoding]] as const) {
    // Sent as AMQP symbols, which are ASCII: the SDK keeps 7 bits of each character (é arrives as i).
    const other = value && /[^\x20-\x7e]/u.exec(value)?.[0];
    if (other) return `The ${field} "${displayText(value)}" has a character that is not printable ASCII (${displayText(other)}): IoT Hub carries it as an AMQP symbol; use e.g. ${field === 'content type' ? 'application/json' : 'utf-8'}.`;
  }
  for (const [name, value] of message.properties) {
    const problem = checkCustomPropertyName(name) ?? checkPropertyValue(name, value);
    if (problem) return problem;
  }
  const size = outgoingSize(message);
  if (size > LIMITS.messageBytes) {
    return `The message is ${size} bytes: IoT Hub accepts at most ${LIMITS.messageBytes} bytes (64 KB) of payload and properties per C2D message.`;
  }
  return undefined;
}
