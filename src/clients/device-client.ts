/**
 * The device side, on the official `azure-iot-device` Client with any of its five transports: receive C2D
 * messages and settle them (complete / reject / abandon where the transport allows).
 *
 * The hub's CA goes in through `setOptions({ ca })` (one PEM string, system roots included). For HTTP the
 * REST client is given an agent that sends the socket to GatewayHostName. The SDK's silent retries are off;
 * this wrapper reports refusals at once and reconnects by itself after a lost connection.
 */
import { isIP } from 'node:net';
import type { Client as SdkDeviceClient, Message as SdkMessage } from 'azure-iot-device';
import { ConnectionStringError, parseDeviceConnectionString, splitHostPort } from '../core/connection-string.js';
import type { DeviceConnectionString } from '../core/connection-string.js';
import type { DeviceTransport } from '../core/types.js';
import { mqttNumbersUncached, sharePlatformString } from './device-sdk-start.js';
import { ClientError, explain } from './errors.js';
import { LinkStateCell } from './link-state.js';
import { sdk } from './sdk.js';
import { Reconnector, STABLE_MS } from './reconnect.js';
import { HubAgent, caBundle, probeTls, rheaServerNameFor } from './trust.js';
import { settleUnavailable } from '../core/c2d-rules.js';
import type { DeviceSide, LinkState, ReceivedMessage, Settlement } from './types.js';

const device = sdk('azure-iot-device') as typeof import('azure-iot-device');
sharePlatformString();

/** `wss://{gateway}/$iothub/websocket`, keeping a port the gateway names (the SDK always writes :443). */
function websocketUri(credentials: { gatewayHostName?: string; host: string }): string {
  const host = credentials.gatewayHostName || credentials.host;
  return `wss://${/:\d+$/.test(host) ? host : `${host}:443`}/$iothub/websocket`;
}

type Ctor = new (...args: never[]) => object;

type HttpBase = NonNullable<SdkTransport['_http']>;

/**
 * azure-iot-http-base's `toMessage` (the HTTP transport's C2D receive) keeps only messageId, to, expiry,
 * correlationId, iothub-app-* and the ETag (docs/sdk-notes.md): this one also keeps `iothub-userid` as
 * `userId`, and `iothub-deliverycount` where the AMQP transport leaves the raw message, `transportObj`.
 */
function keepHttpSystemHeaders(http: HttpBase): void {
  const toMessage = http.toMessage.bind(http);
  http.toMessage = (response, body) => {
    const msg = toMessage(response, body);
    const header = (name: string): string | undefined => {
      const value = response.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const userId = header('iothub-userid');
    if (userId !== undefined && !msg.userId) msg.userId = userId;
    const count = Number(header('iothub-deliverycount'));
    if (Number.isInteger(count) && count >= 0) (msg as { transportObj?: unknown }).transportObj = { delivery_count: count };
    return msg;
  };
}

/**
 * The SDK's `setOptions` first takes `ca` for a file name and tries to read it (`internal_client.js`): here
 * `ca` is always the PEM text itself (~200 KB with Node's roots), so that is a failed `open` in the thread
 * pool and a turn of the event loop before the options reach the transport, during which the TUI draws a
 * frame while the device's CONNECT waits. The text goes straight to the step `setOptions` takes next with a
 * PEM that is no file (`_invokeSetOptions`, docs/sdk-notes.md).
 */
function setOptionsNow(client: SdkDeviceClient, options: Record<string, unknown>): Promise<void> {
  const internal = client as unknown as { _invokeSetOptions(options: unknown, done: (err?: Error) => void): void };
  return new Promise((resolve, reject) => internal._invokeSetOptions(options, (err) => (err ? reject(err) : resolve())));
}

/** Transport constructors, loaded on demand (each pulls in its protocol stack). */
function transportCtor(transport: DeviceTransport): unknown {
  if (transport === 'mqtt' || transport === 'mqtt-ws') mqttNumbersUncached();
  switch (transport) {
    case 'mqtt':
      return (sdk('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt')).Mqtt;
    case 'mqtt-ws': {
      const MqttWs = (sdk('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt')).MqttWs as unknown as Ctor;
      return class extends MqttWs {
        _getBaseTransportConfig(credentials: { gatewayHostName?: string; host: string }): { uri: string } {
          const base = (MqttWs.prototype as unknown as { _getBaseTransportConfig(c: unknown): { uri: string } })._getBaseTransportConfig.call(this, credentials);
          return { ...base, uri: websocketUri(credentials) };
        }
      };
    }
    case 'amqp':
      return (sdk('azure-iot-device-amqp') as typeof import('azure-iot-device-amqp')).Amqp;
    case 'amqp-ws': {
      const AmqpWs = (sdk('azure-iot-device-amqp') as typeof import('azure-iot-device-amqp')).AmqpWs as unknown as Ctor;
      return class extends AmqpWs {
        _getConnectionUri(credentials: { gatewayHostName?: string; host: string }): string {
          return websocketUri(credentials);
        }
      };
    }
    case 'http':
      return (sdk('azure-iot-device-http') as { Http: unknown }).Http;
  }
}

/** The port each transport uses when the host name carries none. */
const DEFAULT_PORTS: Record<DeviceTransport, number> = { mqtt: 8883, 'mqtt-ws': 443, amqp: 5671, 'amqp-ws': 443, http: 443 };

export interface DeviceClientOptions {
  connectionString: string;
  transport?: DeviceTransport;
  /** PEM of an extra CA to trust (the embedded hub's), in addition to the system roots. */
  ca?: string;
  /** Complete each message as soon as it arrives (default), or leave settling to `settle()`. */
  autoComplete?: boolean;
  /** HTTP only: seconds between polls of the device-bound queue. Default 1. */
  httpPollSeconds?: number;
  /** The device's certificate and private key (PEM), for a connection string with `x509=true`. */
  x509?: { cert: string; key: string };
  /**
   * Take at most this many messages (`receive --count`); the hub keeps any further one for the next receiver
   * (see `stopReceiving`). Default: no limit.
   */
  maxMessages?: number;
  /**
   * False: the first open skips the TLS probe (trust.ts), for a hub this process has just started, whose
   * answer is known; reconnections still probe. Default true.
   */
  probe?: boolean;
}

/** The SDK objects this wrapper reaches into (docs/sdk-notes.md), loosely typed. */
interface SdkTransport {
  on(event: 'message', fn: (msg: SdkMessage) => void): void;
  on(event: 'disconnect', fn: (err?: unknown) => void): void;
  removeListener(event: 'disconnect', fn: (err?: unknown) => void): void;
  enableC2D(done: (err?: Error) => void): void;
  disableC2D(done: (err?: Error) => void): void;
  /** MQTT: the MqttBase, whose provider makes each mqtt.js client. */
  _mqtt?: { mqttProvider: { connect(uri: string, options: unknown): MqttJsClient } };
  /** HTTP: the REST client and the receive policy. */
  _http?: {
    buildRequest(method: string, path: string, ...rest: unknown[]): unknown;
    toMessage(response: { headers: Record<string, string | string[] | undefined> }, body: unknown): SdkMessage;
  };
  _opts?: { drain?: boolean };
  /** AMQP: the connection, whose `connect` takes rhea's options in `policyOverride`. */
  _amqp?: { connect(config: { policyOverride?: Record<string, unknown> }, done: unknown): void };
}

/** mqtt.js calls `handleMessage` for each QoS 1 PUBLISH and sends the PUBACK when it calls back. */
interface MqttJsClient {
  handleMessage(packet: { topic: string }, callback: (err?: Error) => void): void;
}

const C2D_TOPIC = /^devices\/[^/]+\/messages\/devicebound\//;

export class DeviceClient implements DeviceSide {
  readonly deviceId: string;
  readonly transport: DeviceTransport;
  private readonly cs: DeviceConnectionString;
  private readonly client: SdkDeviceClient;
  private readonly ca: string | undefined;
  private readonly link = new LinkStateCell();
  private readonly listeners = new Set<(message: ReceivedMessage) => void>();
  /** Received messages not yet settled, by our id. */
  private readonly unsettled = new Map<number, SdkMessage>();
  private nextId = 1;
  private autoComplete: boolean;
  /** Messages that arrived before anyone listened: handed to the first listener. */
  private backlog: Array<{ received: ReceivedMessage; sdk: SdkMessage }> = [];
  /** Messages taken (MQTT: acknowledged), in arrival order, and how many may be: see stopReceiving. */
  private taken = 0;
  private limit: number;
  /** MQTT: C2D messages the SDK handed over, to match each with the acknowledgement decision made before. */
  private handedOver = 0;
  /** HTTP: GETs of the device-bound queue under way, and abandons of messages that came after the stop. */
  private httpReceives = 0;
  private readonly httpWaiters: Array<() => void> = [];
  /** Told of the next HTTP poll's answer (its error, if refused): see reconnect. */
  private httpPolled: ((err: unknown, response: unknown) => void) | undefined;
  private readonly returning = new Set<Promise<unknown>>();
  private readonly reconnector = new Reconnector(this.link, () => this.reconnect());

  private constructor(private readonly options: DeviceClientOptions) {
    this.cs = parseDeviceConnectionString(options.connectionString);
    if (this.cs.x509 && !options.x509) {
      throw new ConnectionStringError(
        `The device connection string has x509=true, but no certificate and key were given: iot-c2d receive takes them (--cert <pem> --key <pem>); in the TUI, paste the string with p on the Device pane and give the files.`,
      );
    }
    if (!this.cs.x509 && options.x509) {
      throw new ConnectionStringError('A certificate and key were given, but the device connection string has a SharedAccessKey: use HostName=…;DeviceId=…;x509=true with a certificate.');
    }
    this.deviceId = this.cs.deviceId;
    this.transport = options.transport ?? 'mqtt';
    this.autoComplete = options.autoComplete ?? true;
    this.limit = options.maxMessages ?? Infinity;
    this.ca = caBundle(options.ca);
    this.client = this.cs.x509
      ? // fromConnectionString drops GatewayHostName for x509=true (docs/sdk-notes.md): build the provider with it.
        device.Client.fromAuthenticationProvider(
          new device.X509AuthenticationProvider({
            host: this.cs.hostName,
            deviceId: this.cs.deviceId,
            ...(this.cs.gatewayHostName ? { gatewayHostName: this.cs.gatewayHostName } : {}),
            x509: options.x509,
          } as never),
          transportCtor(this.transport),
        )
      : device.Client.fromConnectionString(options.connectionString, transportCtor(this.transport));
    // No SDK retries: a refusal is reported at once. With no retry, the SDK also stays silent when the
    // connection drops (it emits 'disconnect' only after retries fail), but it asks the policy first: that
    // question is how this wrapper learns of a lost connection.
    this.client.setRetryPolicy({
      shouldRetry: (err: Error) => {
        if (this.link.get().status === 'connected' && err?.name === 'NotConnectedError') this.lost(this.explain(err));
        return false;
      },
      nextRetryTimeout: () => 0,
    } as never);
    // A dropped MQTT or AMQP connection: the transport says so with its own 'disconnect' event. The Client's
    // listeners for it are added in its constructor and removed by its close(), so after our first reconnect
    // (close, then open) the Client would never hear of a second loss: listen to the transport, which lives
    // as long as this wrapper (docs/sdk-notes.md).
    this.sdkTransport.on('disconnect', (err?: unknown) => {
      if (this.link.get().status === 'connected') this.lost(err ? this.explain(err) : new ClientError('disconnected', 'the hub closed the connection'));
    });
    // The HTTP transport's receive errors (a 401 from polling, say) end at the SDK's Client in a debug line:
    // listen to the transport itself, or a refused device would look connected forever.
    if (this.transport === 'http') {
      (this.client as unknown as { _transport: { on(event: 'error', fn: (err: Error) => void): void } })._transport.on('error', (err: Error) => {
        if (this.link.get().status === 'connected') this.lost(this.explain(err));
      });
    }
    this.client.on('error', (err: Error) => this.lost(this.explain(err)));
    // Messages are taken from the transport, which lives as long as this client: a message the hub sends the
    // moment a connection opens (MQTT resumes the device's session, subscription included) arrives before
    // the Client's 'message' listener is back, and the SDK would hand it to no one after acknowledging it.
    this.sdkTransport.on('message', (msg) => this.received(msg));
    if (this.transport === 'mqtt' || this.transport === 'mqtt-ws') this.decideMqttAcknowledgements();
    if (this.transport === 'http') {
      this.countHttpReceives();
      if (this.sdkTransport._http) keepHttpSystemHeaders(this.sdkTransport._http);
    }
    if (this.transport === 'amqp') this.serverNameForRhea();
  }

  /** Where the sockets go: GatewayHostName (or HostName), without a port. */
  private get gatewayHost(): string {
    return splitHostPort(this.cs.gatewayHostName ?? this.cs.hostName, 0).host;
  }

  /**
   * rhea names the host as the TLS server name, and Node warns (DEP0123, RFC 6066) when it is an IP address
   * (`HostName=127.0.0.1`, for the C SDK's sake): trust.ts's rule gives it none then.
   */
  private serverNameForRhea(): void {
    const amqp = this.sdkTransport._amqp;
    const override = rheaServerNameFor(this.gatewayHost);
    if (!amqp || override.servername === undefined) return;
    const connect = amqp.connect.bind(amqp);
    amqp.connect = (config, done) => connect({ ...config, policyOverride: { ...config.policyOverride, ...override } }, done);
  }

  /**
   * The SDK subscribes when a 'message' listener is added, connecting at once if it must: add it only once
   * open. It only switches receiving on: messages come from the transport (constructor).
   */
  private readonly onSdkMessage = (): void => undefined;

  private get sdkTransport(): SdkTransport {
    return (this.client as unknown as { _transport: SdkTransport })._transport;
  }

  /**
   * mqtt.js acknowledges each QoS 1 PUBLISH as soon as it has emitted it, and over MQTT the acknowledgement
   * completes the message. Each mqtt.js client the SDK makes gets a `handleMessage` that acknowledges a C2D
   * message only while this client takes messages; past the limit the PUBLISH stays unacknowledged, and the
   * hub gives it to the device's next connection when this one closes. (Calling back later instead would
   * hold up everything mqtt.js reads: it handles one packet at a time.)
   */
  private decideMqttAcknowledgements(): void {
    const base = this.sdkTransport._mqtt;
    if (!base) return;
    const provider = base.mqttProvider;
    base.mqttProvider = {
      connect: (uri, options) => {
        const client = provider.connect(uri, options);
        client.handleMessage = (packet, callback) => {
          if (!C2D_TOPIC.test(packet.topic)) return callback();
          // An error makes mqtt.js skip the PUBACK and read on (mqtt/lib/client.js, _handlePublish).
          if (this.taken >= this.limit) return callback(new Error('not taken: left to the hub for the next receiver'));
          this.taken += 1;
          callback();
        };
        return client;
      },
    };
  }

  /** Counts the HTTP transport's GETs of the device-bound queue, so that a stop can wait for their answers. */
  private countHttpReceives(): void {
    const http = this.sdkTransport._http;
    if (!http) return;
    const build = http.buildRequest.bind(http);
    http.buildRequest = (method, path, ...rest) => {
      const done = rest.at(-1);
      if (method !== 'GET' || !path.includes('/messages/devicebound') || typeof done !== 'function') return build(method, path, ...rest);
      this.httpReceives += 1;
      return build(method, path, ...rest.slice(0, -1), (...results: unknown[]) => {
        this.httpReceives -= 1;
        const polled = this.httpPolled;
        this.httpPolled = undefined;
        polled?.(results[0], results[2]);
        try {
          (done as (...r: unknown[]) => void)(...results);
        } finally {
          if (this.httpReceives === 0) for (const wake of this.httpWaiters.splice(0)) wake();
        }
      });
    };
  }

  /** Connects and starts receiving; rejects with a ClientError (one sentence) when that fails. */
  static async open(options: DeviceClientOptions): Promise<DeviceClient> {
    const client = new DeviceClient(options);
    client.link.set({ status: 'connecting' });
    try {
      await client.connect(options.probe ?? true);
    } catch (err) {
      client.reconnector.stop();
      client.client.removeAllListeners();
      await client.client.close().catch(() => undefined);
      client.link.set({ status: 'disconnected', reason: (err as Error).message });
      throw err;
    }
    client.reconnector.connected();
    client.link.set({ status: 'connected' });
    return client;
  }

  state(): LinkState {
    return this.link.get();
  }

  onState(listener: (state: LinkState) => void): () => void {
    return this.link.subscribe(listener);
  }

  onMessage(listener: (message: ReceivedMessage) => void): () => void {
    this.listeners.add(listener);
    if (this.backlog.length > 0) {
      queueMicrotask(() => {
        for (const { received, sdk } of this.backlog.splice(0)) this.dispatch(received, sdk);
      });
    }
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes no more messages, so that the next receiver of the device gets them at once rather than after the
   * hub's 60-second lock: over MQTT a PUBLISH that arrives from now on is not acknowledged (the hub gives it
   * to the next connection when this one closes); over AMQP it stays unsettled (the hub releases it, without
   * counting a delivery, when the link closes); over HTTP polling stops, and a message already on its way
   * is abandoned. Resolves when no message is on its way any more. `close()` stops receiving first.
   */
  async stopReceiving(): Promise<void> {
    this.limit = Math.min(this.limit, this.taken);
    if (this.transport !== 'http') return;
    this.stopPolling();
    while (this.httpReceives > 0) await new Promise<void>((wake) => this.httpWaiters.push(wake));
    await Promise.allSettled([...this.returning]);
  }

  /** HTTP: no further GET (the SDK's drain chain asks again after each message), no further poll. */
  private stopPolling(): void {
    const transport = this.sdkTransport;
    if (transport._opts) transport._opts.drain = false;
    transport.disableC2D(() => undefined);
  }

  setAutoComplete(on: boolean): void {
    this.autoComplete = on;
  }

  cannot(how: Settlement): string | undefined {
    return settleUnavailable(this.transport, how);
  }

  async settle(id: number, how: Settlement): Promise<void> {
    const reason = this.cannot(how);
    if (reason) throw explain(new Error(reason), { what: 'device connection string' });
    const message = this.unsettled.get(id);
    if (!message) return;
    this.unsettled.delete(id);
    try {
      if (how === 'complete') await this.client.complete(message);
      else if (how === 'reject') await this.client.reject(message);
      else await this.client.abandon(message);
    } catch (err) {
      throw this.explain(err);
    }
  }

  async close(): Promise<void> {
    this.reconnector.stop();
    await this.stopReceiving();
    // The SDK's own 'removeListener' hook goes first: on the removal of the last 'message' listener it would
    // unsubscribe from C2D, a round trip to the hub (≈ 50 ms) just before the connection closes anyway.
    this.client.removeAllListeners('removeListener');
    this.client.removeAllListeners();
    try {
      await this.client.close();
    } catch {
      // Already gone.
    }
    this.link.set({ status: 'disconnected', reason: 'closed' });
  }

  private explain(err: unknown): ClientError {
    return explain(err, { what: 'device connection string', deviceId: this.deviceId, ...(this.cs.x509 ? { x509: true } : {}) });
  }

  /** Connects and subscribes, or rejects with a ClientError; the callers set the state. */
  private async connect(probe = true): Promise<void> {
    const gateway = this.cs.gatewayHostName ?? this.cs.hostName;
    try {
      if (probe) await probeTls(gateway, DEFAULT_PORTS[this.transport], this.ca, 'device connection string');
      const options: Record<string, unknown> = this.ca ? { ca: this.ca } : {};
      // X.509: the certificate goes on every TLS connection (for the WebSocket transports, the one upgraded).
      if (this.options.x509) Object.assign(options, { cert: this.options.x509.cert, key: this.options.x509.key });
      // AMQP over WebSockets (ws 6 names the host as the TLS server name): the agent leaves an IP address out.
      if (this.transport === 'amqp-ws' && isIP(this.gatewayHost)) options.amqp = { webSocketAgent: new HubAgent(this.ca ? { ca: this.ca } : {}) };
      if (this.transport === 'http') {
        options.http = {
          agent: new HubAgent({ ...(this.ca ? { ca: this.ca } : {}), gateway }),
          receivePolicy: { interval: this.options.httpPollSeconds ?? 1, drain: true },
        };
      }
      await setOptionsNow(this.client, options);
      await this.client.open();
      this.client.removeListener('message', this.onSdkMessage);
      const subscribed = this.nextEnableC2D();
      this.client.on('message', this.onSdkMessage);
      await this.unlessLost(subscribed);
    } catch (err) {
      throw this.explain(err);
    }
  }

  /**
   * Resolves when the transport's next `enableC2D` (the SDK calls it when the first 'message' listener is
   * added) has finished: the C2D link attached (AMQP), the subscription acknowledged (MQTT). Until then the
   * device is not receiving, and the AMQP transport never finishes a close that starts during the attach.
   */
  private nextEnableC2D(): Promise<void> {
    const transport = (this.client as unknown as { _transport: { enableC2D(done: (err?: Error) => void): void } })._transport;
    const own = Object.prototype.hasOwnProperty.call(transport, 'enableC2D');
    const original = transport.enableC2D;
    return new Promise<void>((resolve, reject) => {
      transport.enableC2D = (done) => {
        if (own) transport.enableC2D = original;
        else delete (transport as { enableC2D?: unknown }).enableC2D;
        original.call(transport, (err?: Error) => {
          if (err) reject(err);
          else resolve();
          done(err);
        });
      };
    });
  }

  /**
   * `step`, or the connection's loss while it is under way: a connection dropped between CONNACK and SUBACK
   * leaves the SDK's subscribe waiting for ever, and an open that never ends would never be retried.
   */
  private unlessLost(step: Promise<void>): Promise<void> {
    // Lost first: the step's own later failure is nobody's to handle.
    step.catch(() => undefined);
    let onLost: ((err?: unknown) => void) | undefined;
    const lost = new Promise<never>((_, reject) => {
      onLost = (err) => reject(err ?? new Error('the hub closed the connection'));
      this.sdkTransport.on('disconnect', onLost);
    });
    return Promise.race([step, lost]).finally(() => this.sdkTransport.removeListener('disconnect', onLost as (err?: unknown) => void));
  }

  /** Is the message the SDK just handed over one this client takes (see stopReceiving)? */
  private takes(): boolean {
    if (this.transport === 'mqtt' || this.transport === 'mqtt-ws') {
      // The acknowledgement was decided before the SDK emitted the message, in the same order.
      this.handedOver += 1;
      return this.handedOver <= this.taken;
    }
    if (this.taken >= this.limit) return false;
    this.taken += 1;
    if (this.taken >= this.limit && this.transport === 'http') this.stopPolling();
    return true;
  }

  private received(msg: SdkMessage): void {
    if (!this.takes()) {
      // MQTT: not acknowledged; AMQP: left unsettled; both go back when the connection closes. HTTP has
      // only the abandon to give a message back before its lock times out.
      if (this.transport === 'http') {
        const abandon = this.client.abandon(msg).catch(() => undefined);
        this.returning.add(abandon);
        void abandon.then(() => this.returning.delete(abandon));
      }
      return;
    }
    const id = this.nextId++;
    const properties: Array<[string, string]> = [];
    const bag = msg.properties as unknown as { count(): number; getItem(i: number): { key: string; value: string } };
    let bagAck: string | undefined;
    for (let i = 0; i < bag.count(); i++) {
      const item = bag.getItem(i);
      // The HTTP transport keeps the header name, `iothub-app-<name>`: show the property's own name.
      const key = this.transport === 'http' ? item.key.replace(/^iothub-app-/, '') : item.key;
      // Over MQTT, iothub-ack arrives in the property bag and the SDK files it with the custom properties;
      // it is a system property (AMQP reports it as one), so it is reported as `ack`.
      if (key === 'iothub-ack' && msg.ack === undefined) bagAck = String(item.value);
      else properties.push([key, String(item.value)]);
    }
    // What the SDK's Message leaves out: AMQP's user_id (binary) and header delivery-count, from the raw
    // message the AMQP transport keeps (`transportObj`; HTTP's headers are put there by keepHttpSystemHeaders).
    const raw = (msg as { transportObj?: { delivery_count?: unknown; user_id?: unknown } }).transportObj;
    const rawUserId = Buffer.isBuffer(raw?.user_id) ? raw.user_id.toString('utf8') : typeof raw?.user_id === 'string' ? raw.user_id : undefined;
    const expiry = msg.expiryTimeUtc as unknown;
    const received: ReceivedMessage = {
      id,
      receivedMs: Date.now(),
      transport: this.transport,
      payload: Buffer.isBuffer(msg.data) ? msg.data : Buffer.from(String(msg.data ?? '')),
      properties,
    };
    const optional: Array<[keyof ReceivedMessage, unknown]> = [
      ['messageId', msg.messageId],
      ['correlationId', msg.correlationId],
      ['to', msg.to],
      ['contentType', msg.contentType],
      ['contentEncoding', msg.contentEncoding],
      ['userId', msg.userId || rawUserId],
      ['ack', msg.ack ?? bagAck],
      ['lockToken', msg.lockToken],
      ['expiryTimeUtc', expiry instanceof Date || typeof expiry === 'number' ? new Date(expiry).toISOString() : expiry],
    ];
    for (const [key, value] of optional) {
      if (value !== undefined && value !== null && value !== '') (received as unknown as Record<string, unknown>)[key] = String(value);
    }
    if (typeof raw?.delivery_count === 'number') received.deliveryCount = raw.delivery_count;
    if (this.listeners.size === 0) this.backlog.push({ received, sdk: msg });
    else this.dispatch(received, msg);
  }

  private dispatch(received: ReceivedMessage, msg: SdkMessage): void {
    const id = received.id;
    // Over MQTT the SDK has already acknowledged the message: nothing is left to settle.
    const settleable = this.cannot('reject') === undefined;
    if (settleable) this.unsettled.set(id, msg);
    for (const listener of [...this.listeners]) listener(received);
    if (settleable && this.autoComplete) {
      this.settle(id, 'complete').catch((err: ClientError) => this.link.set({ status: 'retrying', reason: err.message }));
    }
  }

  /** The connection dropped: show why; the reconnector tries again. */
  private lost(error: ClientError): void {
    this.unsettled.clear();
    this.reconnector.lost(this.withTakeoverHint(error));
  }

  /**
   * A connection dropped soon after it was made is most often another client connecting as the same device
   * (two TUIs, the tutorial's device and ours): IoT Hub keeps one connection per device and drops the older
   * one; over MQTT it says nothing, over AMQP the SDK reports only "disconnected" (the hub's `amqp:link:stolen`
   * is lost on the way). Say so, since the two will keep taking it from each other. HTTP polls: no connection.
   */
  private withTakeoverHint(error: ClientError): string {
    const upForMs = this.reconnector.upForMs();
    if (upForMs === undefined || upForMs >= STABLE_MS || this.transport === 'http' || error.kind !== 'disconnected') return error.message;
    return `Another client may have connected as device '${this.deviceId}': the connection was lost ${(upForMs / 1000).toFixed(1)} s after connecting (IoT Hub keeps one connection per device and drops the older one).`;
  }

  private async reconnect(): Promise<void> {
    this.client.removeListener('message', this.onSdkMessage);
    await this.client.close().catch(() => undefined);
    await this.connect();
    // HTTP has no connection to open: only an answered poll shows that the hub takes the device again (a
    // deleted or disabled device's, or a wrong key's, polls are refused), so wait for the next one.
    if (this.transport !== 'http') return;
    try {
      await this.nextHttpPoll();
    } catch (err) {
      // Refused: stop polling until the next attempt (the SDK would poll on every second meanwhile).
      this.client.removeListener('message', this.onSdkMessage);
      await this.client.close().catch(() => undefined);
      throw err;
    }
  }

  /** Resolves when the HTTP transport's next poll of the device-bound queue is answered; rejects if refused. */
  private nextHttpPoll(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // azure-iot-http-base answers a refusal with an Error named by the status text; the status is on the response.
      this.httpPolled = (err, response) => (err ? reject(this.explain(Object.assign(new Error((err as Error).message), { response }))) : resolve());
    });
  }
}
