/**
 * The back end of the hub benchmark's protocol-level case, without the Azure SDK: one rhea connection over
 * verified TLS (the hub's CA added to Node's roots), no SASL, a CBS put-token with the service SAS (as
 * azure-iothub does: /work/shared/reference/iothub-protocol.md §2.4), then a sender on
 * `/messages/devicebound` (unsettled transfers; accepted = enqueued) and a receiver on
 * `/messages/serviceBound/feedback` (autoaccept; each message a JSON array of feedback records).
 */
import { randomUUID } from 'node:crypto';
import type { Connection, Delivery, EventContext, Receiver, Sender } from 'rhea';
import rhea from 'rhea';
import { parseServiceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { caBundle } from '../../src/clients/trust.js';

export interface ProtocolMessage {
  messageId: string;
  payload: Buffer;
  properties: Array<[string, string]>;
}

/** What `pick` takes from the next `event` of a rhea endpoint. */
function once<T>(emitter: { once(event: string, listener: (context: EventContext) => void): unknown }, event: string, pick: (context: EventContext) => T): Promise<T> {
  return new Promise((resolve) => emitter.once(event, (context) => resolve(pick(context))));
}

export class ProtocolService {
  private readonly pending = new Map<Delivery, { resolve: () => void; reject: (err: Error) => void }>();

  private constructor(
    private readonly connection: Connection,
    private readonly sender: Sender,
    private readonly feedback: Receiver,
  ) {
    const settle = (context: EventContext, err?: Error): void => {
      const waiter = context.delivery ? this.pending.get(context.delivery) : undefined;
      if (!waiter || !context.delivery) return;
      this.pending.delete(context.delivery);
      if (err) waiter.reject(err);
      else waiter.resolve();
    };
    sender.on('accepted', (context) => settle(context));
    sender.on('rejected', (context) => settle(context, new Error(`send rejected: ${JSON.stringify(context.delivery?.remote_state)}`)));
    sender.on('released', (context) => settle(context, new Error('send released')));
    sender.on('modified', (context) => settle(context, new Error('send modified')));
  }

  /** Connects, puts the service token on `$cbs`, attaches the send and feedback links. */
  static async open(connectionString: string, caPem: string): Promise<ProtocolService> {
    const cs = parseServiceConnectionString(connectionString);
    const [host, port] = cs.hostName.split(':') as [string, string | undefined];
    const container = rhea.create_container({ id: `bench-protocol-${randomUUID()}` });
    const connection = container.connect({ transport: 'tls', host, hostname: cs.hostName, port: Number(port ?? 5671), servername: host, ca: caBundle(caPem), reconnect: false });
    const failed = new Promise<never>((_, reject) => {
      connection.once('connection_error', (context) => reject(new Error(`AMQP connection error: ${String(context.connection.error)}`)));
      connection.once('disconnected', (context) => reject(new Error(`AMQP disconnected: ${String(context.error)}`)));
    });
    failed.catch(() => undefined);
    const opened = once(connection, 'connection_open', () => undefined);
    await Promise.race([opened, failed]);
    connection.get_tls_socket()?.setNoDelay(true);

    // CBS: the reply comes on the `$cbs` receiver, correlated by the request's message id.
    const cbsReceiver = connection.open_receiver({ source: { address: '$cbs' } });
    const cbsSender = connection.open_sender({ target: { address: '$cbs' } });
    await Promise.race([Promise.all([once(cbsReceiver, 'receiver_open', () => undefined), once(cbsSender, 'sendable', () => undefined)]), failed]);
    const requestId = randomUUID();
    const reply = once(cbsReceiver, 'message', (context) => context.message);
    const expiry = Math.floor(Date.now() / 1000) + 3600;
    cbsSender.send({
      message_id: requestId,
      to: '$cbs',
      reply_to: 'cbs',
      application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: cs.hostName },
      body: createSasToken(cs.hostName, cs.key, expiry, cs.keyName),
    });
    const answer = await Promise.race([reply, failed]);
    const status = answer?.application_properties?.['status-code'] as unknown;
    if (answer?.correlation_id !== requestId || status !== 200) throw new Error(`CBS put-token refused: ${String(status)} ${String(answer?.application_properties?.['status-description'])}`);

    const sender = connection.open_sender({ target: { address: '/messages/devicebound' } });
    const feedback = connection.open_receiver({ source: { address: '/messages/serviceBound/feedback' }, autoaccept: true, credit_window: 1000 });
    await Promise.race([Promise.all([once(sender, 'sendable', () => undefined), once(feedback, 'receiver_open', () => undefined)]), failed]);
    return new ProtocolService(connection, sender, feedback);
  }

  /** Sends one C2D message with ack full; resolves when the hub accepted (enqueued) it. */
  send(deviceId: string, message: ProtocolMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const delivery = this.sender.send({
        to: `/devices/${encodeURIComponent(deviceId)}/messages/devicebound`,
        message_id: message.messageId,
        application_properties: { 'iothub-ack': 'full', ...Object.fromEntries(message.properties) },
        body: rhea.message.data_section(message.payload),
      });
      this.pending.set(delivery, { resolve, reject });
    });
  }

  /** Every feedback record's original message id, as the records arrive (one call per feedback message). */
  onFeedback(listener: (originalMessageIds: string[]) => void): void {
    this.feedback.on('message', (context) => {
      const body = context.message?.body as { content?: Buffer } | undefined;
      const records = JSON.parse(body?.content?.toString('utf8') ?? '[]') as Array<{ originalMessageId: string }>;
      listener(records.map((r) => r.originalMessageId));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.connection.once('connection_close', () => resolve());
      this.connection.once('disconnected', () => resolve());
      this.connection.close();
    });
  }
}
