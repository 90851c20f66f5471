/** IoT Hub's MQTT names: the CONNECT username, and the topics a device may use. */
import { encodePropertyBag } from '../../core/property-bag.js';
import type { SystemProperties } from '../../core/property-bag.js';
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
