/** What the protocol adapters share: the hub's state and services, handed to each at start-up. */
import type { Authenticator } from './auth.js';
import type { C2dQueues } from './c2d-queue.js';
import type { FeedbackQueue } from './feedback-queue.js';
import type { Presence } from './presence.js';
import type { DeviceRegistry } from './registry.js';

export interface HubContext {
  /** The host name in tokens and topics (`localhost` for the embedded hub). */
  hostName: string;
  registry: DeviceRegistry;
  queues: C2dQueues;
  feedback: FeedbackQueue;
  auth: Authenticator;
  presence: Presence;
  /** One line per event worth a log entry; never a key or a token. */
  log: (line: string) => void;
}
