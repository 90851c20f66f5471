/**
 * What the hub refuses, independent of protocol. Each adapter maps a code to its own wire form: an AMQP
 * error condition, an HTTP status with IoT Hub's `ErrorCode:` body, or an MQTT return code.
 */
export type HubErrorCode =
  | 'DeviceNotFound'
  | 'DeviceAlreadyExists'
  | 'DeviceMaximumQueueDepthExceeded'
  | 'MessageTooLarge'
  | 'ArgumentInvalid'
  | 'PreconditionFailed'
  | 'Unauthorized'
  /** The state directory cannot take writes now (disk full, read-only, I/O error): nothing new is accepted. */
  | 'StorageUnavailable';

export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly code: HubErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Why a hub could not start, for callers that act on it (another port, exit 2) rather than on the text. */
export type HubStartErrorCode = 'port-in-use' | 'port-denied' | 'hub-running' | 'state-unusable';

export class HubStartError extends Error {
  override name = 'HubStartError';
  constructor(
    readonly code: HubStartErrorCode,
    message: string,
  ) {
    super(message);
  }
}
