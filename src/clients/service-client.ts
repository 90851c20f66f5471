/**
 * The back-end side, on the official `azure-iothub` Client over AMQP: send C2D messages, read feedback.
 *
 * The SDK has no `setOptions`, so the hub's CA and TCP_NODELAY go in through a transport subclass whose AMQP
 * base adds them to every connection (this touches `azure-iothub/dist/common-amqp`, hence the exact version
 * pin). The SDK's own retries (up to 4 minutes, silent) are off: a refusal is reported at once, and this
 * wrapper reconnects by itself after a lost connection, showing "retrying" with the reason meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Client as SdkClient } from 'azure-iothub';
import type { Amqp as AmqpBase } from 'azure-iothub/dist/common-amqp/amqp.js';
import { parseServiceConnectionString } from '../core/connection-string.js';
import type { ServiceConnectionString } from '../core/connection-string.js';
import type { FeedbackRecord } from '../core/types.js';
import { ClientError, explain } from './errors.js';
import { checkOutgoing } from './outgoing.js';
import { LinkStateCell } from './link-state.js';
import { Reconnector } from './reconnect.js';
import { sdk } from './sdk.js';
import { caBundle, probeTls, rheaServerNameFor } from './trust.js';
import type { FeedbackBatch, LinkState, OutgoingMessage, SendResult, ServiceSide } from './types.js';

// The SDK's modules we use, not its index: that also loads the digital twin client (@azure/ms-rest-js,
// node-fetch, xml2js, mime-db: some 140 modules no command here runs), a third of a command's start-up.
const { Client: SdkClientClass } = sdk('azure-iothub/dist/client.js') as typeof import('azure-iothub/dist/client.js');
const { Amqp: ServiceAmqpClass } = sdk('azure-iothub/dist/amqp.js') as typeof import('azure-iothub/dist/amqp.js');
const { Amqp: CommonAmqp } = sdk('azure-iothub/dist/common-amqp/amqp.js') as typeof import('azure-iothub/dist/common-amqp/amqp.js');
const { Message } = sdk('azure-iothub/dist/common-core/message.js') as typeof import('azure-iothub/dist/common-core/message.js');

/**
 * azure-iothub 1.16.6 bug: when the connection drops with sends in flight, its service error translation
 * returns the SDK's own NotConnectedError with `amqpError` set to that same error, and the debug-name helper
 * (evaluated even with debugging off) recurses on the cycle until the stack overflows; the RangeError escapes
 * the transport's state machine, and that client never sends again (docs/sdk-notes.md). Break the cycle where
 * it is made. The SDK's modules read `translateError` off this exports object at each call.
 */
type TranslateError = (message: string, amqpError: unknown) => Error & { amqpError?: unknown };
const serviceErrors = sdk('azure-iothub/dist/amqp_service_errors.js') as { translateError: TranslateError; cycleBroken?: true };
if (!serviceErrors.cycleBroken) {
  const translate = serviceErrors.translateError;
  serviceErrors.translateError = (message, amqpError) => {
    const error = translate(message, amqpError);
    if (error.amqpError === error) error.amqpError = undefined;
    return error;
  };
  serviceErrors.cycleBroken = true;
}

/**
 * azure-iothub 1.16.6's `AmqpMessage.fromMessage` copies every system property of a C2D message into the
 * AMQP message except `userId` (docs/sdk-notes.md): put it where AMQP carries it, the binary `user_id`
 * property. The SDK's transport reads `fromMessage` off this class at each send.
 */
interface FromMessage {
  fromMessage(message: { userId?: string }): { user_id?: Buffer };
  userIdCarried?: true;
}
const { AmqpMessage: ServiceAmqpMessage } = sdk('azure-iothub/dist/common-amqp/amqp_message.js') as { AmqpMessage: FromMessage };
if (!ServiceAmqpMessage.userIdCarried) {
  const fromMessage = ServiceAmqpMessage.fromMessage.bind(ServiceAmqpMessage);
  ServiceAmqpMessage.fromMessage = (message) => {
    const amqp = fromMessage(message);
    if (message.userId) amqp.user_id = Buffer.from(message.userId, 'utf8');
    return amqp;
  };
  ServiceAmqpMessage.userIdCarried = true;
}

const AMQPS_PORT = 5671;
const NO_RETRY = { shouldRetry: () => false, nextRetryTimeout: () => 0 };

export interface ServiceClientOptions {
  connectionString: string;
  /** PEM of an extra CA to trust (the embedded hub's), in addition to the system roots. */
  ca?: string;
  /**
   * False: the first open skips the TLS probe (trust.ts), for a hub this process has just started, whose
   * answer is known; reconnections still probe. Default true.
   */
  probe?: boolean;
}

/** The SDK's AMQP transport with the CA and TCP_NODELAY added to each connection. */
function trustedTransport(ca: string | undefined): new (config: unknown) => unknown {
  class TrustedAmqpBase extends CommonAmqp {
    override connect(config: Parameters<AmqpBase['connect']>[0], done: Parameters<AmqpBase['connect']>[1]): void {
      super.connect(
        {
          ...config,
          ...(ca ? { sslOptions: { ...config.sslOptions, ca } } : {}),
          policyOverride: { ...config.policyOverride, tcp_no_delay: true, ...rheaServerNameFor(new URL(config.uri).hostname) },
        } as Parameters<AmqpBase['connect']>[0],
        done,
      );
    }
  }
  const ServiceAmqp = ServiceAmqpClass as unknown as new (config: unknown, base: unknown) => object;
  return class TrustedServiceAmqp extends ServiceAmqp {
    constructor(config: unknown) {
      super(config, new TrustedAmqpBase(true));
    }
  };
}

/** An AMQP error (rhea's `{ condition, description }`) that refuses access. */
function isUnauthorized(error: unknown): boolean {
  return (error as { condition?: unknown } | undefined)?.condition === 'amqp:unauthorized-access';
}

export class ServiceClient implements ServiceSide {
  readonly hostName: string;
  private readonly cs: ServiceConnectionString;
  private readonly ca: string | undefined;
  private readonly client: SdkClient;
  private readonly link = new LinkStateCell();
  private readonly feedbackLink = new LinkStateCell({ status: 'disconnected', reason: 'not started' });
  private feedbackListener: ((batch: FeedbackBatch) => void) | undefined;
  /** Set when the hub refused this client for good (see `lost`): sends fail with it at once. */
  private refusedWith: ClientError | undefined;
  private refuse: (error: ClientError) => void = () => undefined;
  private readonly refusal = new Promise<never>((_resolve, reject) => (this.refuse = reject));
  /** The send that attaches the SDK's C2D link, while it runs (see sdkSend). */
  private attaching: Promise<void> | undefined;
  private readonly reconnector = new Reconnector(this.link, () => this.connect().then(() => this.attachFeedback()));

  private constructor(options: ServiceClientOptions) {
    this.cs = parseServiceConnectionString(options.connectionString);
    this.hostName = this.cs.hostName;
    this.ca = caBundle(options.ca);
    this.client = SdkClientClass.fromConnectionString(options.connectionString, trustedTransport(this.ca) as never);
    this.client.setRetryPolicy(NO_RETRY as never);
    this.client.on('disconnect', (event?: unknown) => this.lost(event));
    this.refusal.catch(() => undefined);
    // A link the hub refuses (the feedback link of a policy without ServiceConnect) reaches the SDK's
    // transport at once, as this event on its rhea container; the 'disconnect' it leads to can come ~45 s
    // later when a send is attaching its link meanwhile (the transport waits in 'disconnecting').
    const container = (this.client as unknown as { _transport?: { _amqp?: { _rheaContainer?: NodeJS.EventEmitter } } })._transport?._amqp?._rheaContainer;
    container?.on('azure-iot-amqp-base:error-indicated', (reason: unknown) => {
      if (isUnauthorized(reason)) this.lost({ reason });
    });
  }

  /** `event` is the SDK's `Disconnected` result: its `reason` is the AMQP error (condition, description), if any. */
  private lost(event: unknown): void {
    const cause = (event as { reason?: unknown } | undefined)?.reason;
    if (this.refusedWith) return;
    if (isUnauthorized(cause)) {
      const error = this.explain(Object.assign(new Error('Disconnected'), { amqpError: cause }));
      // Refused (a policy without the right to read feedback, a key revoked): every retry would be refused too,
      // and a send under way would wait ~45 s for the SDK's disconnecting connection before failing.
      this.refusedWith = error;
      this.refuse(error);
      this.reconnector.stop();
      this.link.set({ status: 'disconnected', reason: error.message });
      if (this.feedbackListener) this.feedbackLink.set({ status: 'disconnected', reason: error.message });
      return;
    }
    const reason = 'the hub closed the connection';
    this.reconnector.lost(reason);
    if (this.feedbackListener) this.feedbackLink.set({ status: 'retrying', reason });
  }

  /** Connects; rejects with a ClientError (one sentence) when the hub cannot be reached or refuses. */
  static async open(options: ServiceClientOptions): Promise<ServiceClient> {
    const client = new ServiceClient(options);
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

  feedbackState(): LinkState {
    return this.feedbackLink.get();
  }

  onFeedbackState(listener: (state: LinkState) => void): () => void {
    return this.feedbackLink.subscribe(listener);
  }

  async send(deviceId: string, message: OutgoingMessage): Promise<SendResult> {
    const problem = checkOutgoing(message);
    if (problem) throw new ClientError('invalid', problem);
    const messageId = message.messageId || randomUUID();
    const sdkMessage = new Message(message.payload);
    sdkMessage.messageId = messageId;
    if (message.correlationId) sdkMessage.correlationId = message.correlationId;
    if (message.userId) sdkMessage.userId = message.userId;
    if (message.ack !== 'none') sdkMessage.ack = message.ack;
    if (message.expiryMs !== undefined) sdkMessage.expiryTimeUtc = message.expiryMs;
    if (message.contentType) sdkMessage.contentType = message.contentType as never;
    if (message.contentEncoding) sdkMessage.contentEncoding = message.contentEncoding as never;
    for (const [key, value] of message.properties) sdkMessage.properties.add(key, value);
    try {
      if (this.refusedWith) throw this.refusedWith;
      await Promise.race([this.sdkSend(deviceId, sdkMessage), this.refusal]);
    } catch (err) {
      throw this.explain(err, deviceId);
    }
    return { messageId, enqueuedMs: Date.now() };
  }

  /**
   * The SDK attaches its C2D sender link on the first send of a connection, and every send that starts
   * before the attach has finished is handed the same link and adds the same 'error' listener to it again
   * (azure-iothub `amqp.js`, `send`): eleven sends in flight at once made Node warn of a leak
   * (MaxListenersExceededWarning on SenderLink). So while no link is attached, one send goes alone and the
   * others wait for it; once attached, sends go out together.
   */
  private async sdkSend(deviceId: string, message: InstanceType<typeof Message>): Promise<void> {
    const transport = (this.client as unknown as { _transport: { _c2dLink?: unknown } })._transport;
    while (this.attaching) await this.attaching;
    if (transport._c2dLink) {
      await this.client.send(deviceId, message);
      return;
    }
    const first = this.client.send(deviceId, message);
    const settled = first.then(
      () => undefined,
      () => undefined,
    );
    this.attaching = settled;
    void settled.then(() => {
      if (this.attaching === settled) this.attaching = undefined;
    });
    await first;
  }

  async startFeedback(listener: (batch: FeedbackBatch) => void): Promise<void> {
    this.feedbackListener = listener;
    await this.attachFeedback();
  }

  async close(): Promise<void> {
    this.reconnector.stop();
    this.client.removeAllListeners('disconnect');
    try {
      // After a refusal the SDK's transport waits ~45 s in 'disconnecting' before a close can finish.
      if (this.refusedWith) void this.client.close().catch(() => undefined);
      else await this.client.close();
    } catch {
      // Closing a connection that is already gone is not an error worth showing.
    }
    this.link.set({ status: 'disconnected', reason: 'closed' });
    this.feedbackLink.set({ status: 'disconnected', reason: 'closed' });
  }

  private explain(err: unknown, deviceId?: string): ClientError {
    return explain(err, { what: 'service connection string', keyName: this.cs.keyName, ...(deviceId ? { deviceId } : {}) });
  }

  /** Connects, or rejects with a ClientError; the callers set the state. */
  private async connect(probe = true): Promise<void> {
    try {
      if (probe) await probeTls(this.cs.hostName, AMQPS_PORT, this.ca, 'service connection string');
      await this.client.open();
    } catch (err) {
      throw this.explain(err);
    }
  }

  private async attachFeedback(): Promise<void> {
    const listener = this.feedbackListener;
    if (!listener) return;
    this.feedbackLink.set({ status: 'connecting' });
    try {
      const { result: receiver } = (await this.client.getFeedbackReceiver()) as unknown as { result: import('azure-iothub/dist/common-core/receiver.js').Receiver };
      receiver.removeAllListeners('message');
      receiver.on('message', (msg: { getData(): Buffer | string }) => {
        const receivedMs = Date.now();
        try {
          const records = JSON.parse(msg.getData().toString()) as FeedbackRecord[];
          listener({ records: Array.isArray(records) ? records : [records], receivedMs });
        } catch {
          // A feedback message that is not JSON is not ours to show.
        }
      });
      // A feedback link the hub ends with an error ends the SDK's whole connection (azure-iot-amqp-base), which the
      // client's 'disconnect' reports: the receiver itself only emits 'error' to the SDK (docs/sdk-notes.md).
      this.feedbackLink.set({ status: 'connected' });
    } catch (err) {
      const error = this.explain(err);
      this.feedbackLink.set({ status: 'disconnected', reason: error.message });
      throw error;
    }
  }
}
