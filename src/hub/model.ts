/** The embedded hub's own records: identities, policies and queued messages. */
import type { AckMode } from '../core/types.js';

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
  primaryKey: string;
  secondaryKey: string;
  /** Kept for the registry's benefit: capabilities.iotEdge. */
  iotEdge: boolean;
}

/** One C2D message in a device's queue. */
export interface QueuedMessage {
  seq: number;
  deviceId: string;
  messageId?: string;
  correlationId?: string;
  userId?: string;
  contentType?: string;
  contentEncoding?: string;
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
