/**
 * The hub's core behind one facade: the domain operations the MQTT, AMQP and HTTP adapters call (enqueue a
 * C2D message, attach a consumer, settle, purge, create / update / delete a device, mark it seen,
 * authenticate a token or a certificate, read feedback). The adapters turn wire frames into these calls and
 * the results (a HubError code included) into wire frames; every sequence that must happen together (a
 * deleted device loses its queue, its feedback and its connections) happens here, once.
 *
 * No protocol here (the lint rule of eslint.config.js keeps aedes, rhea, ws and node's network modules out):
 * the parts are the queues (c2d-queue.ts, feedback-queue.ts), the registry, auth, presence and the store.
 */
import type { X509Certificate } from 'node:crypto';
import { LIMITS } from '../../core/types.js';
import { Authenticator, grantsDevice } from './auth.js';
import type { AuthResult, Grant } from './auth.js';
import { C2dQueues } from './c2d-queue.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { C2dConsumer, NewMessage, Settlement } from './c2d-queue.js';
import type { PeerCertificate } from './certificate-check.js';
import { HubError } from './errors.js';
import { FeedbackQueue } from './feedback-queue.js';
import type { FeedbackReader } from './feedback-queue.js';
import type { DeviceIdentity, LockedMessage, SharedAccessPolicy } from './model.js';
import { DEFAULT_POLICIES } from './model.js';
import { Presence } from './presence.js';
import { DeviceRegistry, newKey } from './registry.js';
import type { DeviceInput } from './registry.js';
import type { HubStore } from './store.js';

// What the adapters hand in and get back, so that they import the facade rather than the parts behind it.
export type { C2dConsumer, NewMessage, Settlement } from './c2d-queue.js';
export type { FeedbackReader } from './feedback-queue.js';
export type { DeviceInput } from './registry.js';

export interface HubCoreOptions {
  /** The host name in tokens and topics (`localhost` for the embedded hub). */
  hostName: string;
  /** Delay before a feedback batch goes out (Azure waits up to 15 s). Default 0: at once. */
  feedbackDelayMs?: number;
  /** Abandons before a message is dead-lettered. Default 10. */
  maxDeliveryCount?: number;
  /** How long a delivered message stays locked. Default 60 s. */
  lockTimeoutMs?: number;
  /** Time to live of messages that set no expiry. Default 1 hour. */
  defaultTtlMs?: number;
  /** The CAs device certificates may chain to (read when a certificate is checked). */
  deviceCas?: () => readonly X509Certificate[];
  /** One line per event worth a log entry; never a key or a token. */
  log?: (line: string) => void;
  /** A device that authenticates with a certificate was created, or updated to do so (the TLS server then asks for one). */
  onCertificateDevice?: () => void;
  /** The time, and deferred work (the store's too, given to it apart): the system's unless a test injects one. */
  clock?: Clock;
}

/** What a client presents to be let in: a SAS token, or a client certificate for the device it names. */
export type Credential = { token: string } | { deviceId: string; certificate: PeerCertificate | undefined };

export class HubCore {
  readonly hostName: string;
  /** One line per event worth a log entry (the adapters' too); never a key or a token. */
  readonly log: (line: string) => void;
  private readonly registry: DeviceRegistry;
  private readonly queues: C2dQueues;
  private readonly feedback: FeedbackQueue;
  private readonly auth: Authenticator;
  private readonly presence = new Presence();
  private readonly sharedAccessPolicies: readonly SharedAccessPolicy[];
  private readonly clock: Clock;
  private readonly onCertificateDevice: () => void;
  /** Device id → QoS of the C2D subscription its MQTT session keeps (as stored). */
  private readonly mqttSessionSubscriptions: Map<string, number>;

  /** Opens the core on `store`, giving a new store IoT Hub's default policies (with fresh keys). */
  constructor(
    private readonly store: HubStore,
    options: HubCoreOptions,
  ) {
    this.hostName = options.hostName;
    this.log = options.log ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.onCertificateDevice = options.onCertificateDevice ?? (() => undefined);
    if (store.policies().length === 0) {
      for (const policy of DEFAULT_POLICIES) store.putPolicy({ ...policy, primaryKey: newKey(), secondaryKey: newKey() });
    }
    const policies = store.policies();
    this.sharedAccessPolicies = policies;
    this.registry = new DeviceRegistry(store, this.clock);
    this.feedback = new FeedbackQueue(store, { delayMs: options.feedbackDelayMs ?? 0, ttlMs: LIMITS.defaultTtlMs }, this.clock);
    this.queues = new C2dQueues(
      store,
      this.registry,
      this.feedback,
      {
        maxDeliveryCount: options.maxDeliveryCount ?? LIMITS.maxDeliveryCount,
        lockTimeoutMs: options.lockTimeoutMs ?? LIMITS.lockTimeoutMs,
        defaultTtlMs: options.defaultTtlMs ?? LIMITS.defaultTtlMs,
      },
      this.clock,
    );
    this.mqttSessionSubscriptions = new Map(store.mqttSessions().map((s) => [s.deviceId, s.qos]));
    const hostNames = [options.hostName, 'localhost', '127.0.0.1'];
    this.auth = new Authenticator(hostNames, () => policies, (id) => this.registry.get(id), options.deviceCas ?? (() => []));
  }

  // ── Shared access policies ──────────────────────────────────────────────────────────────────────────

  policies(): readonly SharedAccessPolicy[] {
    return this.sharedAccessPolicies;
  }

  // ── Devices ────────────────────────────────────────────────────────────────────────────────────────

  device(deviceId: string): DeviceIdentity | undefined {
    return this.registry.get(deviceId);
  }

  /** The device, or a HubError `DeviceNotFound`. */
  requireDevice(deviceId: string): DeviceIdentity {
    return this.registry.require(deviceId);
  }

  listDevices(): DeviceIdentity[] {
    return this.registry.list();
  }

  /** Creates a device (keys left empty are generated). */
  createDevice(input: DeviceInput): DeviceIdentity {
    return this.certificateDevice(this.enforceStatus(this.registry.create(input)));
  }

  /** Updates a device (`ifMatch`: the etag last seen, or `*`); disabling it ends its connections. */
  updateDevice(input: DeviceInput, ifMatch: string): DeviceIdentity {
    return this.certificateDevice(this.enforceStatus(this.registry.update(input, ifMatch)));
  }

  /** Does any device authenticate with a certificate (X.509 self-signed or CA-signed)? */
  hasCertificateDevices(): boolean {
    return this.registry.list().some((device) => device.authType !== 'sas');
  }

  /** Creates the device if missing and returns it. */
  ensureDevice(deviceId: string): DeviceIdentity {
    return this.registry.get(deviceId) ?? this.registry.create({ deviceId });
  }

  /** Deletes a device with its queue and feedback records, and ends its connections, as IoT Hub does. */
  deleteDevice(deviceId: string, ifMatch: string): void {
    this.registry.delete(deviceId, ifMatch);
    this.queues.removeDevice(deviceId);
    this.feedback.dropDevice(deviceId);
    this.presence.disconnect(deviceId);
    this.mqttSessionSubscriptions.delete(deviceId);
  }

  /** Records activity of the device: a connection, a disconnection, a message (lastActivityTime). */
  markSeen(deviceId: string): void {
    this.registry.touch(deviceId);
  }

  /**
   * Registers a live connection of the device (its registry connectionState); `close` ends it when the device
   * is deleted or disabled. The returned function unregisters it.
   */
  connected(deviceId: string, close: () => void): () => void {
    return this.presence.add(deviceId, close);
  }

  isConnected(deviceId: string): boolean {
    return this.presence.isConnected(deviceId);
  }

  // ── MQTT sessions ──────────────────────────────────────────────────────────────────────────────────

  /**
   * The devices whose MQTT session (CleanSession 0) holds the C2D subscription, with its QoS. IoT Hub keeps
   * such a session across connections and its own restarts, and clients count on it: paho (Microsoft's
   * Python SDK) subscribes once and never again after a reconnect that found its session.
   */
  mqttSessions(): ReadonlyMap<string, number> {
    return this.mqttSessionSubscriptions;
  }

  /** Keeps (a QoS) or forgets (undefined) a device's C2D subscription in its MQTT session; stored at once. */
  keepMqttSession(deviceId: string, qos: number | undefined): void {
    if (this.mqttSessionSubscriptions.get(deviceId) === qos) return;
    try {
      this.store.putMqttSession(deviceId, qos);
    } catch (err) {
      // The session still holds for this run; the fault is the store's to report (new sends are refused).
      this.log(`mqtt: the session of "${deviceId}" could not be stored: ${(err as Error).message}`);
    }
    if (qos === undefined) this.mqttSessionSubscriptions.delete(deviceId);
    else this.mqttSessionSubscriptions.set(deviceId, qos);
  }

  // ── Authentication ─────────────────────────────────────────────────────────────────────────────────

  /** Checks a SAS token, or a client certificate for the device it claims to be. */
  authenticate(credential: Credential): AuthResult {
    const nowMs = this.clock.now();
    return 'token' in credential ? this.auth.verify(credential.token, nowMs) : this.auth.verifyCertificate(credential.deviceId, credential.certificate, nowMs);
  }

  /** Do `grants` (still) let device `deviceId` act, and is the device (still) registered and enabled? */
  deviceAllowed(deviceId: string, grants: Iterable<Grant>, nowMs = this.clock.now()): boolean {
    if (this.registry.get(deviceId)?.status !== 'enabled') return false;
    for (const grant of grants) if (grantsDevice(grant, deviceId, nowMs)) return true;
    return false;
  }

  // ── C2D messages ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Checks and queues a message. `done` is called once: with no error when the message is on disk (only then
   * may the sender be told it is enqueued), or with the HubError the sender's protocol turns into its refusal
   * (a check that failed at once, or a storage fault later).
   */
  enqueue(input: NewMessage, done: (err?: HubError) => void): void {
    try {
      this.queues.enqueue(input, (err) => done(err && new HubError('StorageUnavailable', err.message)));
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      done(err);
    }
  }

  /** Makes `consumer` the device's receiver (replacing any other) and starts delivering; returns the detach. */
  attachConsumer(deviceId: string, consumer: C2dConsumer): () => void {
    return this.queues.attach(deviceId, consumer);
  }

  /** The device's consumer gained credit: deliver what is waiting. */
  pump(deviceId: string): void {
    this.queues.pump(deviceId);
  }

  /** Takes the next message for a device that polls (HTTP), locked. */
  receive(deviceId: string, lockTimeoutMs?: number): LockedMessage | undefined {
    return this.queues.receive(deviceId, lockTimeoutMs);
  }

  /** Completes, rejects or abandons a locked message; false when the lock is unknown, expired or settled. */
  settle(deviceId: string, lockToken: string, how: Settlement): boolean {
    return this.queues.settle(deviceId, lockToken, how);
  }

  /** Empties a registered device's queue (a HubError `DeviceNotFound` otherwise); returns how many went. */
  purge(deviceId: string): number {
    this.registry.require(deviceId);
    return this.queues.purge(deviceId);
  }

  /** Messages in the device's queue, enqueued or locked (the registry's cloudToDeviceMessageCount). */
  queueDepth(deviceId: string): number {
    return this.queues.depth(deviceId);
  }

  // ── Feedback ───────────────────────────────────────────────────────────────────────────────────────

  /** Adds a reader of `/messages/serviceBound/feedback`; returns the detach. */
  attachFeedbackReader(reader: FeedbackReader): () => void {
    return this.feedback.attach(reader);
  }

  /** A feedback reader gained credit: deliver what is waiting. */
  pumpFeedback(): void {
    this.feedback.pump();
  }

  // ── Upkeep ─────────────────────────────────────────────────────────────────────────────────────────

  /** Retries a failed commit, requeues messages whose lock timed out, dead-letters expired ones, drops old feedback. */
  sweep(): void {
    this.store.retry();
    this.queues.sweep();
    this.feedback.sweep();
  }

  /** Stops the feedback timers and closes the store (after committing what is queued). */
  close(): void {
    this.feedback.close();
    this.store.close();
  }

  private certificateDevice(device: DeviceIdentity): DeviceIdentity {
    if (device.authType !== 'sas') this.onCertificateDevice();
    return device;
  }

  private enforceStatus(device: DeviceIdentity): DeviceIdentity {
    if (device.status === 'disabled') this.presence.disconnect(device.deviceId);
    return device;
  }
}
