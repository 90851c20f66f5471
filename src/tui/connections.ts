/**
 * The service and device connections: each side opened from its connection string through the connector, its
 * client events turned into store actions, a failed first open retried while the hub may still come up, the
 * device's queue depth read from the registry, and both sides closed on quit. Each side is on its own: a
 * failure of one leaves the other. A generation counter per side drops an open that a newer one replaced.
 */
import type { RegistrySide, ServiceSide } from '../clients/types.js';
import { parseDeviceConnectionString, parseServiceConnectionString, redactConnectionString } from '../core/connection-string.js';
import type { DeviceTransport } from '../core/types.js';
import type { DeviceCertificate, TuiConnector, TuiDevice } from './connector.js';
import { errorKind, errorText } from './errors.js';
import type { Store } from './state/store.js';
import type { Notice } from './state/types.js';

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000];
/** After an event that changes the queue, its depth is read again this soon (and not more often). */
const QUEUE_SETTLE_MS = 250;
/** Error kinds (ClientError.kind) worth trying again: the hub may come (back) up. */
const TRANSIENT = new Set(['unreachable', 'disconnected', 'timeout']);

type Side = 'service' | 'device';

/** Closing must not hang the exit: a client that does not confirm within `ms` is left behind. */
function closeWithin(close: () => Promise<void>, ms = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class Connections {
  /** The open clients (undefined while a side is not connected). Only this class sets them. */
  service: ServiceSide | undefined;
  device: TuiDevice | undefined;
  /** The last well-formed connection string of each side. Only this class sets them. */
  serviceCs: string | undefined;
  deviceCs: string | undefined;
  /** The certificate and key the device connects with (an X.509 device's string has no key). */
  private deviceX509: DeviceCertificate | undefined;
  private registry: RegistrySide | undefined;
  private serviceUnsubscribe: Array<() => void> = [];
  private deviceUnsubscribe: Array<() => void> = [];
  private readonly retryTimers = new Map<Side, NodeJS.Timeout>();
  private readonly retryAttempts = { service: 0, device: 0 };
  private serviceGeneration = 0;
  private deviceGeneration = 0;
  private queueTimer: NodeJS.Timeout | undefined;
  private queueSoon: NodeJS.Timeout | undefined;
  private remoteNoticeShown = false;
  private closed = false;
  /**
   * The first connections are under way (start): the queue depth is read once they are done, so that its
   * HTTPS request does not hold up the other side's connection.
   */
  private starting = false;

  constructor(
    private readonly store: Store,
    private readonly connector: TuiConnector,
  ) {}

  private notice(level: Notice['level'], text: string, about?: Notice['about']): void {
    this.store.dispatch({ type: 'notice', notice: { level, text, ...(about ? { about } : {}) } });
  }

  /** Connects whatever the connector was given, and reads the queue depth every `queuePollMs`. */
  async start(queuePollMs: number): Promise<void> {
    const c = this.connector;
    this.store.dispatch({ type: 'ca-path', caPath: c.caPath });
    this.queueTimer = setInterval(() => void this.pollQueue(), queuePollMs);
    this.queueTimer.unref?.();
    if (!c.serviceConnectionString && !c.deviceConnectionString) {
      this.notice('info', 'Give a connection string: p on the Device pane (device) or on the Send pane (service).', 'device');
    }
    this.starting = true;
    await Promise.all([
      c.serviceConnectionString ? this.connectService(c.serviceConnectionString) : Promise.resolve(),
      c.deviceConnectionString ? this.connectDevice(c.deviceConnectionString, this.store.getState().device.transport) : Promise.resolve(),
    ]).finally(() => (this.starting = false));
    void this.pollQueue();
  }

  // ---------------------------------------------------------------- service side

  async connectService(connectionString: string): Promise<void> {
    const generation = ++this.serviceGeneration;
    this.clearRetry('service');
    await this.closeService();
    let hostName: string;
    try {
      hostName = parseServiceConnectionString(connectionString).hostName;
    } catch (err) {
      const reason = errorText(err);
      this.store.dispatch({ type: 'service', patch: { configured: false, error: reason, link: { status: 'disconnected', reason } } });
      this.notice('error', reason, 'service');
      return;
    }
    this.serviceCs = connectionString;
    this.store.dispatch({ type: 'service', patch: { configured: true, hostName, error: undefined, masked: redactConnectionString(connectionString), link: { status: 'connecting' } } });
    let opened: { service: ServiceSide; registry: RegistrySide };
    try {
      opened = await this.connector.openService(connectionString);
    } catch (err) {
      if (generation !== this.serviceGeneration || this.closed) return;
      const reason = errorText(err);
      const transient = TRANSIENT.has(errorKind(err) ?? '');
      this.store.dispatch({ type: 'service', patch: { error: reason, link: { status: transient ? 'retrying' : 'disconnected', reason } } });
      if (transient) this.retry('service', () => this.connectService(connectionString));
      else this.notice('error', reason, 'service');
      return;
    }
    if (generation !== this.serviceGeneration || this.closed) {
      await opened.service.close().catch(() => undefined);
      return;
    }
    const { service, registry } = opened;
    this.service = service;
    this.registry = registry;
    this.retryAttempts.service = 0;
    this.serviceUnsubscribe.push(
      service.onState((link) => this.store.dispatch({ type: 'service', patch: { link } })),
      service.onFeedbackState((feedbackLink) => this.store.dispatch({ type: 'service', patch: { feedbackLink } })),
    );
    this.store.dispatch({ type: 'service', patch: { link: service.state(), error: undefined } });
    this.store.dispatch({ type: 'connected', side: 'service' });
    if (!this.starting) void this.pollQueue();
    if (!this.store.getState().service.feedbackEnabled) {
      this.store.dispatch({ type: 'service', patch: { feedbackLink: { status: 'disconnected', reason: 'off (--no-feedback)' } } });
      return;
    }
    if (!this.connector.local && !this.remoteNoticeShown) {
      this.remoteNoticeShown = true;
      this.notice('warning', 'Reading feedback takes it off this hub\'s single feedback queue: another reader will miss it (restart with --no-feedback to leave it).');
    }
    try {
      await service.startFeedback((batch) => this.store.push({ type: 'feedback', batch }));
      this.store.dispatch({ type: 'service', patch: { feedbackLink: service.feedbackState() } });
    } catch (err) {
      this.store.dispatch({ type: 'service', patch: { feedbackLink: { status: 'disconnected', reason: errorText(err) } } });
    }
  }

  private async closeService(): Promise<void> {
    for (const off of this.serviceUnsubscribe.splice(0)) off();
    const service = this.service;
    this.service = undefined;
    this.registry = undefined;
    if (service) await closeWithin(() => service.close());
  }

  // ---------------------------------------------------------------- device side

  /** Connects the device; `x509`: its certificate and key when its string has `x509=true`. */
  async connectDevice(connectionString: string, transport: DeviceTransport, x509?: DeviceCertificate): Promise<void> {
    const generation = ++this.deviceGeneration;
    this.clearRetry('device');
    await this.closeDevice();
    let deviceId: string;
    try {
      const parsed = parseDeviceConnectionString(connectionString);
      deviceId = parsed.deviceId;
      if (parsed.x509 && !x509) throw new Error(`Device '${deviceId}' authenticates with a certificate (x509=true): press p on the Device pane, paste its string, then give its certificate and key files.`);
    } catch (err) {
      // A broken device string leaves the service side as it is.
      const reason = errorText(err);
      this.store.dispatch({ type: 'device', patch: { configured: false, error: reason, link: { status: 'disconnected', reason } } });
      this.notice('error', reason, 'device');
      return;
    }
    this.deviceCs = connectionString;
    this.deviceX509 = x509;
    this.store.dispatch({ type: 'device-reset', id: deviceId, transport });
    this.store.dispatch({ type: 'device', patch: { configured: true, error: undefined, masked: redactConnectionString(connectionString), link: { status: 'connecting' } } });
    let device: TuiDevice;
    try {
      device = await this.connector.openDevice(connectionString, transport, this.store.getState().device.settleMode === 'auto', ...(x509 ? [x509] : []));
    } catch (err) {
      if (generation !== this.deviceGeneration || this.closed) return;
      const reason = errorText(err);
      const transient = TRANSIENT.has(errorKind(err) ?? '');
      this.store.dispatch({ type: 'device', patch: { error: reason, link: { status: transient ? 'retrying' : 'disconnected', reason } } });
      if (transient) this.retry('device', () => this.connectDevice(connectionString, transport, x509));
      else this.notice('error', reason, 'device');
      return;
    }
    if (generation !== this.deviceGeneration || this.closed) {
      await device.close().catch(() => undefined);
      return;
    }
    this.device = device;
    this.retryAttempts.device = 0;
    this.deviceUnsubscribe.push(
      device.onState((link) => this.store.dispatch({ type: 'device', patch: { link } })),
      device.onMessage((message) => {
        this.store.push({ type: 'received', message, connection: generation, deviceId: device.deviceId });
        this.queueChanged();
      }),
    );
    // Messages carry the generation of the connection that delivered them: only that one can settle them.
    this.store.dispatch({ type: 'device', patch: { link: device.state(), error: undefined, connection: generation } });
    this.store.dispatch({ type: 'connected', side: 'device' });
    if (!this.starting) void this.pollQueue();
  }

  private async closeDevice(): Promise<void> {
    for (const off of this.deviceUnsubscribe.splice(0)) off();
    const device = this.device;
    this.device = undefined;
    if (device) {
      this.store.dispatch({ type: 'device', patch: { connection: undefined } });
      await closeWithin(() => device.close());
    }
  }

  /** Reconnects the device over `transport` when there is a device string; else remembers it for the next one. */
  switchTransport(transport: DeviceTransport): void {
    if (!this.deviceCs) {
      this.store.dispatch({ type: 'device', patch: { transport } });
      this.notice('info', `Transport ${transport}: paste a device connection string (p) to connect.`, 'device');
      return;
    }
    // The header says it is connecting; the notice goes once it did (connectDevice clears it).
    this.store.dispatch({ type: 'notice', notice: undefined });
    void this.connectDevice(this.deviceCs, transport, this.deviceX509);
  }

  /** Empties `deviceId`'s C2D queue; the header's depth follows from the result. */
  async purge(deviceId: string): Promise<number> {
    const registry = this.registry;
    if (!registry) throw new Error('No service connection: the queue is purged through the hub\'s registry.');
    const purged = await registry.purge(deviceId);
    if (this.store.getState().device.id === deviceId) this.store.dispatch({ type: 'device', patch: { queueDepth: 0 } });
    void this.pollQueue();
    return purged;
  }

  /** The ids of the hub's devices. */
  async deviceIds(): Promise<string[]> {
    if (!this.registry) throw new Error('No service connection: p on the Send pane pastes one.');
    return (await this.registry.list()).map((d) => d.deviceId).sort();
  }

  /** A device connection string for `deviceId` from the registry's key; `create` makes the device first. */
  async deviceConnectionString(deviceId: string, create: boolean): Promise<string> {
    const registry = this.registry;
    if (!registry) throw new Error('No service connection: p on the Send pane pastes one.');
    const info = create ? await registry.create(deviceId) : await registry.get(deviceId);
    return registry.deviceConnectionString(info);
  }

  /** Disconnects the device (or stops its retries), or connects it again. */
  toggleDevice(): void {
    if (this.device || this.retryTimers.has('device')) {
      this.deviceGeneration++;
      this.clearRetry('device');
      void this.closeDevice().then(() => this.store.dispatch({ type: 'device', patch: { link: { status: 'disconnected', reason: 'disconnected by you (x connects)' } } }));
    } else if (this.deviceCs) {
      void this.connectDevice(this.deviceCs, this.store.getState().device.transport, this.deviceX509);
    } else {
      this.notice('info', 'No device connection string yet: press p to paste one.', 'device');
    }
  }

  /**
   * The device's queue changed (a message arrived, was sent or refused): read its depth again soon, at most
   * every QUEUE_SETTLE_MS, so the header follows the event rather than the next regular poll.
   */
  queueChanged(): void {
    if (this.queueSoon || this.closed) return;
    this.queueSoon = setTimeout(() => {
      this.queueSoon = undefined;
      void this.pollQueue();
    }, QUEUE_SETTLE_MS);
    this.queueSoon.unref?.();
  }

  private async pollQueue(): Promise<void> {
    const id = this.store.getState().device.id;
    const registry = this.registry;
    if (!id || !registry || this.closed) return;
    try {
      const info = await registry.get(id);
      if (this.store.getState().device.id === id && !this.closed) this.store.dispatch({ type: 'device', patch: { queueDepth: info.cloudToDeviceMessageCount } });
    } catch {
      // The depth is a hint; the header keeps the last value it had.
    }
  }

  // ---------------------------------------------------------------- retries

  private retry(side: Side, again: () => Promise<void>): void {
    const attempt = (this.retryAttempts[side] += 1);
    const delay = RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)] as number;
    const timer = setTimeout(() => {
      this.retryTimers.delete(side);
      void again();
    }, delay);
    timer.unref?.();
    this.retryTimers.set(side, timer);
  }

  private clearRetry(side: Side): void {
    clearTimeout(this.retryTimers.get(side));
    this.retryTimers.delete(side);
  }

  // ---------------------------------------------------------------- exit

  /** Stops polling and retries and closes both sides; an open still under way is closed when it lands. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.queueTimer);
    clearTimeout(this.queueSoon);
    for (const side of ['service', 'device'] as const) this.clearRetry(side);
    await Promise.all([this.closeDevice(), this.closeService()]);
  }

  /** Stops what the connector started (the embedded hub); after `close`. */
  shutdown(): Promise<void> {
    return closeWithin(() => this.connector.shutdown(), 5000);
  }
}
