/** The embedded hub's own records: identities, policies and queued messages. */
import type { AckMode } from '../../core/types.js';

export type Right = 'RegistryRead' | 'RegistryWrite' | 'ServiceConnect' | 'DeviceConnect';

export interface SharedAccessPolicy {
  name: string;
  primaryKey: string;
  secondaryKey: string;
  rights: Right[];
}

/** IoT Hub's default policies and what each may do. */
export const DEFAULT_POLICIES: ReadonlyArray<{ name: string; rights: Right[] }> = [
  { name: 'iothubowner', rights: ['RegistryRead', 'RegistryWrite', 'ServiceConnect', 'DeviceConnect'] },
  { name: 'service', rights: ['ServiceConnect'] },
  { name: 'device', rights: ['DeviceConnect'] },
  { name: 'registryRead', rights: ['RegistryRead'] },
  { name: 'registryReadWrite', rights: ['RegistryRead', 'RegistryWrite'] },
];

/**
 * How a device proves who it is, as IoT Hub's registry names it: symmetric keys (SAS tokens), a self-signed
 * X.509 certificate whose thumbprint the registry holds, or an X.509 certificate signed by a CA registered
 * with the hub (`iot-c2d hub --device-ca`).
 */
export type DeviceAuthType = 'sas' | 'selfSigned' | 'certificateAuthority';

/** A device identity as the registry REST API shows it (minus live fields computed on the fly). */
export interface DeviceIdentity {
  deviceId: string;
  generationId: string;
  etag: string;
  status: 'enabled' | 'disabled';
  statusReason: string | null;
  statusUpdatedTime: string;
  connectionStateUpdatedTime: string;
  lastActivityTime: string;
  authType: DeviceAuthType;
  /** Symmetric keys: set for `sas` devices only (null otherwise, as IoT Hub returns them). */
  primaryKey: string | null;
  secondaryKey: string | null;
  /** SHA-1 (40) or SHA-256 (64) hex digits, as given: `selfSigned` devices only. Compared case-insensitively. */
  primaryThumbprint: string | null;
  secondaryThumbprint: string | null;
  /** Kept for the registry's benefit: capabilities.iotEdge. */
  iotEdge: boolean;
}

/** The system properties a sender may set on a C2D message, carried to the device as they were sent. */
export interface SenderSystemProperties {
  messageId?: string;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
}

/** One C2D message in a device's queue. */
export interface QueuedMessage extends SenderSystemProperties {
  seq: number;
  deviceId: string;
  ack: AckMode;
  /** Absolute expiry, ms since the epoch. */
  expiryMs: number;
  /** Did the sender set the expiry (absolute-expiry-time), or is it the hub's default time to live? */
  expirySet: boolean;
  enqueuedMs: number;
  /** Application properties, in the order the sender gave them. */
  properties: Array<[string, string]>;
  body: Buffer;
  /** Explicit abandons so far. */
  deliveryCount: number;
}

/** A message handed to a device: locked until settled or until the lock times out. */
export interface LockedMessage {
  message: QueuedMessage;
  lockToken: string;
}

/**
 * What the hub answers a device's twin GET with, over MQTT and AMQP: an empty twin. Twins are not this hub's
 * subject, but device apps ask for theirs beside C2D, and the C SDK does whenever it starts over AMQP.
 */
export const EMPTY_TWIN = JSON.stringify({ desired: { $version: 1 }, reported: { $version: 1 } });
