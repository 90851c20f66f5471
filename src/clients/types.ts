/**
 * What the rest of iot-c2d sees of the Azure SDK clients: plain data and small interfaces, no SDK types.
 * The TUI and the commands depend on these; tests of panes implement them with fakes.
 */
import type { Settlement } from '../core/c2d-rules.js';
import type { AckMode, DeviceTransport, FeedbackRecord } from '../core/types.js';

/** A connection's state as shown in the header. */
export type LinkStatus = 'connecting' | 'connected' | 'retrying' | 'disconnected';

export interface LinkState {
  status: LinkStatus;
  /** Why it is retrying or disconnected, in one sentence. */
  reason?: string;
}

/** A C2D message to send. */
export interface OutgoingMessage {
  payload: Buffer;
  /** Blank: a new UUID is used. */
  messageId?: string;
  correlationId?: string;
  /** The AMQP user-id: who the message is from (IoT Hub sets its own name on messages it makes). */
  userId?: string;
  properties: Array<[string, string]>;
  ack: AckMode;
  /** Absolute expiry, ms since the epoch. */
  expiryMs?: number;
  contentType?: string;
  contentEncoding?: string;
}

export interface SendResult {
  messageId: string;
  /** When the hub confirmed it enqueued the message. */
  enqueuedMs: number;
}

/** A C2D message as a device received it. */
export interface ReceivedMessage {
  /** This client's own number for the message, for settling it. */
  id: number;
  receivedMs: number;
  transport: DeviceTransport;
  payload: Buffer;
  messageId?: string;
  correlationId?: string;
  to?: string;
  expiryTimeUtc?: string;
  contentType?: string;
  contentEncoding?: string;
  userId?: string;
  /** iothub-ack: a system property over AMQP, lifted out of the MQTT property bag; HTTP does not report it. */
  ack?: string;
  lockToken?: string;
  /**
   * How often the hub delivered the message before and it was abandoned (the AMQP header's delivery-count,
   * HTTP's iothub-deliverycount; an expired lock does not count). Over MQTT there is none.
   */
  deliveryCount?: number;
  /** Application properties, in the order received. */
  properties: Array<[string, string]>;
}

export type { Settlement } from '../core/c2d-rules.js';

export interface FeedbackBatch {
  records: FeedbackRecord[];
  receivedMs: number;
}

/** The back-end side: sends C2D messages and reads feedback. */
export interface ServiceSide {
  readonly hostName: string;
  state(): LinkState;
  onState(listener: (state: LinkState) => void): () => void;
  send(deviceId: string, message: OutgoingMessage): Promise<SendResult>;
  /** Starts reading the hub's feedback queue (taking records off it). */
  startFeedback(listener: (batch: FeedbackBatch) => void): Promise<void>;
  feedbackState(): LinkState;
  onFeedbackState(listener: (state: LinkState) => void): () => void;
  close(): Promise<void>;
}

/** The device side: receives C2D messages and settles them. */
export interface DeviceSide {
  readonly deviceId: string;
  readonly transport: DeviceTransport;
  state(): LinkState;
  onState(listener: (state: LinkState) => void): () => void;
  onMessage(listener: (message: ReceivedMessage) => void): () => void;
  /** Why a settlement is unavailable on this transport, or undefined when it is available. */
  cannot(how: Settlement): string | undefined;
  settle(id: number, how: Settlement): Promise<void>;
  close(): Promise<void>;
}

/** A device identity as the registry shows it. */
export interface DeviceInfo {
  deviceId: string;
  status: string;
  connectionState: string;
  cloudToDeviceMessageCount: number;
  generationId: string;
  primaryKey?: string;
  secondaryKey?: string;
  /** `sas` (keys), `selfSigned` (X.509 thumbprint) or `certificateAuthority` (X.509, CA-signed). */
  authType?: string;
}

/** How a new device authenticates: keys (the default), or an X.509 certificate. */
export type NewDeviceAuth = { type: 'selfSigned'; primaryThumbprint: string } | { type: 'certificateAuthority' };

export interface RegistrySide {
  create(deviceId: string, auth?: NewDeviceAuth): Promise<DeviceInfo>;
  get(deviceId: string): Promise<DeviceInfo>;
  list(): Promise<DeviceInfo[]>;
  delete(deviceId: string): Promise<void>;
  /** Empties the device's C2D queue; returns how many messages were purged. */
  purge(deviceId: string): Promise<number>;
  /** The device connection string for a device, built from the registry's key. */
  deviceConnectionString(device: DeviceInfo): string;
}
