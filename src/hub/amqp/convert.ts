/** AMQP 1.0 messages (as rhea decodes them) to and from the hub's C2D messages. */
import type { Message, Receiver, Sender } from 'rhea';
import rhea from 'rhea';
import type { NewMessage } from '../core/hub-core.js';
import type { QueuedMessage } from '../core/model.js';

/** AMQP ids may be strings, uuids (16 bytes), numbers or binary; IoT Hub treats them as strings. */
export function idToString(id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (Buffer.isBuffer(id)) return id.length === 16 ? rhea.uuid_to_string(id) : id.toString('utf8');
  return String(id);
}

export function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  const section = body as { typecode?: number; content?: unknown; multiple?: boolean };
  if (section.typecode === 0x75) {
    const parts = section.multiple ? (section.content as Buffer[]) : [section.content as Buffer];
    return Buffer.concat(parts.map((p) => Buffer.from(p ?? [])));
  }
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/**
 * An address as the hub routes it. Azure takes both `/messages/devicebound` and the absolute form
 * `amqps://{host}[:port]/messages/devicebound` that uAMQP and the C SDK attach to (`$cbs` too).
 */
export function relativeAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const m = /^amqps?:\/\/[^/]*(\/.*)?$/i.exec(address);
  const path = m ? (m[1] ?? '/') : address;
  return path === '/$cbs' ? '$cbs' : path;
}

/** The device id in `/devices/{id}/{suffix}` (either form of address), or undefined. */
export function deviceOfAddress(address: string | undefined, suffix: string): string | undefined {
  const m = /^\/devices\/([^/]+)\/(.*)$/i.exec(relativeAddress(address) ?? '');
  if (!m || (m[2] as string).toLowerCase() !== suffix.toLowerCase()) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

/** A C2D message as the service client sends it on `/messages/devicebound`, for `deviceId` (its `to`), from `origin`. */
export function fromServiceMessage(m: Message, deviceId: string, origin: string | undefined): NewMessage {
  const properties: Array<[string, string]> = [];
  let ack: string | undefined;
  for (const [key, value] of Object.entries(m.application_properties ?? {})) {
    if (key === 'iothub-ack') ack = String(value);
    else properties.push([key, String(value)]);
  }
  const result: NewMessage = { deviceId, properties, body: bodyBytes(m.body) };
  const messageId = idToString(m.message_id);
  const correlationId = idToString(m.correlation_id);
  if (messageId !== undefined) result.messageId = messageId;
  if (correlationId !== undefined) result.correlationId = correlationId;
  if (m.user_id !== undefined) result.userId = Buffer.isBuffer(m.user_id) ? m.user_id.toString('utf8') : String(m.user_id);
  if (m.content_type !== undefined) result.contentType = String(m.content_type);
  if (m.content_encoding !== undefined) result.contentEncoding = String(m.content_encoding);
  if (m.absolute_expiry_time !== undefined) result.expiryMs = new Date(m.absolute_expiry_time).getTime();
  if (ack !== undefined) result.ack = ack;
  if (origin !== undefined) result.origin = origin;
  return result;
}

/** A queued message as a device receives it over AMQP. */
export function toDeviceMessage(message: QueuedMessage, lockToken: string): Message {
  const out: Message = {
    to: `/devices/${message.deviceId}/messages/deviceBound`,
    // The AMQP header's delivery-count: how often the message was delivered and abandoned before.
    delivery_count: message.deliveryCount,
    body: rhea.message.data_section(message.body),
    application_properties: { 'iothub-ack': message.ack, ...Object.fromEntries(message.properties) },
    message_annotations: {
      'iothub-enqueuedtime': new Date(message.enqueuedMs),
      'x-opt-sequence-number': message.seq,
      'x-opt-lock-token': lockToken,
      'iothub-deliverycount': message.deliveryCount,
    },
  };
  if (message.messageId !== undefined) out.message_id = message.messageId;
  if (message.correlationId !== undefined) out.correlation_id = message.correlationId;
  if (message.userId !== undefined) out.user_id = message.userId;
  if (message.contentType !== undefined) out.content_type = message.contentType;
  if (message.contentEncoding !== undefined) out.content_encoding = message.contentEncoding;
  if (message.expirySet) out.absolute_expiry_time = new Date(message.expiryMs);
  return out;
}

/** A link of either direction. */
export type Link = Sender | Receiver;

interface RemoteAttach {
  remote: { attach?: { source?: { address?: string }; target?: { address?: string } } };
}

/** The address the peer gave a link (its source when we send on it, its target when we receive), relative. */
export function linkAddress(link: Link): string | undefined {
  const attach = (link as unknown as RemoteAttach).remote.attach;
  return relativeAddress(link.is_sender() ? attach?.source?.address : attach?.target?.address);
}
