/** IoT Hub's MQTT names: the CONNECT username, and the topics a device may use. */
import { encodePropertyBag } from '../../core/property-bag.js';
import type { SystemProperties } from '../../core/property-bag.js';
import { EMPTY_TWIN } from '../core/model.js';
import type { QueuedMessage } from '../core/model.js';

/** The device id in a username `{host}/{deviceId}/?api-version=…`, or a reason it is not one. */
export function deviceFromUsername(username: string | undefined): { host: string; deviceId: string } | string {
  if (!username) return 'no username: IoT Hub expects {host}/{deviceId}/?api-version=2021-04-12';
  const [host, deviceId, third] = username.split('/');
  if (!host || !deviceId) return `username "${username.split('?')[0]}" is not {host}/{deviceId}/?api-version=…`;
  if (third !== undefined && third !== '' && !third.startsWith('?') && !third.startsWith('api-version')) {
    return 'module identities do not receive C2D messages';
  }
  return { host, deviceId };
}

export const c2dSubscription = (deviceId: string): string => `devices/${deviceId}/messages/devicebound/#`;

/**
 * Twins and direct methods are not this hub's subject, but device apps use them beside C2D (a `getTwin` at
 * start, a method handler), and IoT Hub would serve them: their subscriptions are granted (at QoS 0, as the
 * SDKs ask), a twin request is answered as an empty twin would answer it (the C SDK's AMQP twin links are
 * answered the same way, amqp/links.ts), and no desired-property update or method call ever comes.
 */
export const TWIN_AND_METHOD_SUBSCRIPTIONS: ReadonlySet<string> = new Set(['$iothub/twin/res/#', '$iothub/twin/PATCH/properties/desired/#', '$iothub/methods/POST/#']);

/**
 * The answer to a device's publish on a twin or method topic: for `$iothub/twin/GET/?$rid=r` the empty twin on
 * `$iothub/twin/res/200/?$rid=r`; for a reported-properties PATCH `204` (not kept); a method response
 * (`$iothub/methods/res/...`) needs none. Undefined when the topic is none of these.
 */
export function twinOrMethodReply(topic: string): { topic: string; body: Buffer } | 'none' | undefined {
  if (topic.startsWith('$iothub/methods/res/')) return 'none';
  const match = /^\$iothub\/twin\/(GET|PATCH\/properties\/reported)\/\?(.*)$/i.exec(topic);
  if (!match) return undefined;
  const rid = new URLSearchParams(match[2]).get('$rid') ?? '';
  if (match[1]?.toUpperCase() === 'GET') return { topic: `$iothub/twin/res/200/?$rid=${encodeURIComponent(rid)}`, body: Buffer.from(EMPTY_TWIN, 'utf8') };
  return { topic: `$iothub/twin/res/204/?$rid=${encodeURIComponent(rid)}&$version=1`, body: Buffer.alloc(0) };
}

/** May the device publish here? Telemetry (D2C) only. */
export function isTelemetryTopic(deviceId: string, topic: string): boolean {
  const prefix = `devices/${deviceId}/messages/events`;
  return topic === prefix || topic.startsWith(`${prefix}/`);
}

/** `devices/{id}/messages/devicebound/{property bag}` for one queued message. */
export function c2dTopic(message: QueuedMessage): string {
  const system: SystemProperties = { to: `/devices/${message.deviceId}/messages/deviceBound` };
  if (message.messageId !== undefined) system.messageId = message.messageId;
  if (message.correlationId !== undefined) system.correlationId = message.correlationId;
  if (message.contentType !== undefined) system.contentType = message.contentType;
  if (message.contentEncoding !== undefined) system.contentEncoding = message.contentEncoding;
  if (message.userId !== undefined) system.userId = message.userId;
  if (message.expirySet) system.expiryTimeUtc = new Date(message.expiryMs).toISOString();
  // IoT Hub puts iothub-ack in the bag only when the sender asked for feedback.
  const properties: Array<[string, string]> = message.ack === 'none' ? message.properties : [['iothub-ack', message.ack], ...message.properties];
  return `devices/${message.deviceId}/messages/devicebound/${encodePropertyBag(system, properties)}`;
}
