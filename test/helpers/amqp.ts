/** A bare AMQP 1.0 client (rhea) for tests that go around the SDK: raw CBS, raw link attaches. */
import type { Connection, EventContext, Message, Receiver, Sender } from 'rhea';
import rhea from 'rhea';
import { rootCertificates } from 'node:tls';
import { randomUUID } from 'node:crypto';
import { parseServiceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import type { Hub } from '../../src/hub/index.js';

export interface RawAmqp {
  connection: Connection;
  /** Puts a token on $cbs; resolves with the status code the hub answers. */
  putToken(token: string, audience: string): Promise<number>;
  /** Attaches a link; resolves 'open', or the error condition the hub detaches it with. */
  attach(kind: 'sender' | 'receiver', address: string): Promise<{ outcome: string; link: Sender | Receiver }>;
  close(): void;
}

export async function rawAmqp(hub: Hub): Promise<RawAmqp> {
  const container = rhea.create_container();
  const connection = container.connect({
    host: 'localhost',
    hostname: 'localhost',
    port: hub.port,
    transport: 'tls',
    ca: [...rootCertificates, hub.caPem],
    servername: 'localhost',
    reconnect: false,
  } as never);
  await new Promise<void>((resolve, reject) => {
    connection.once('connection_open', () => resolve());
    connection.once('disconnected', (ctx: EventContext) => reject(ctx.error ?? new Error('disconnected')));
  });
  const cbsSender = connection.open_sender({ target: { address: '$cbs' } });
  const cbsReceiver = connection.open_receiver({ source: { address: '$cbs' } });
  const pending = new Map<string, (status: number) => void>();
  cbsReceiver.on('message', (ctx: EventContext) => {
    const msg = ctx.message as Message;
    pending.get(String(msg.correlation_id))?.(Number(msg.application_properties?.['status-code']));
  });
  await new Promise<void>((resolve) => cbsSender.once('sendable', () => resolve()));
  const putToken = (token: string, audience: string): Promise<number> =>
    new Promise((resolve) => {
      const id = randomUUID();
      pending.set(id, resolve);
      cbsSender.send({
        message_id: id,
        to: '$cbs',
        reply_to: 'cbs',
        application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: audience },
        body: token,
      });
    });
  return {
    connection,
    putToken,
    attach: (kind, address) =>
      new Promise((resolve) => {
        let settled = false;
        const link = kind === 'sender' ? connection.open_sender({ target: { address } }) : connection.open_receiver({ source: { address } });
        link.once(kind === 'sender' ? 'sender_open' : 'receiver_open', () => {
          // The hub attaches, then detaches at once when it refuses. Frames arrive in order, so once a later
          // $cbs round trip completes, a refusal would have arrived.
          void putToken('barrier', 'barrier').then(() => {
            if (!settled) resolve({ outcome: 'open', link });
            settled = true;
          });
        });
        link.once(kind === 'sender' ? 'sender_error' : 'receiver_error', (ctx: EventContext) => {
          const error = (ctx.sender ?? ctx.receiver)?.error as { condition?: string } | undefined;
          settled = true;
          resolve({ outcome: error?.condition ?? 'error', link });
        });
      }),
    close: () => connection.close(),
  };
}

/**
 * Sends one C2D message as a back end that is not ours would (no checks of iot-c2d's own before it goes):
 * a service token on $cbs, a sender on /messages/devicebound, the message as given; resolves once accepted.
 */
export async function sendAsOtherBackEnd(hub: Hub, deviceId: string, fields: Omit<Message, 'to'>): Promise<void> {
  const amqp = await rawAmqp(hub);
  try {
    const cs = parseServiceConnectionString(hub.serviceConnectionString());
    const status = await amqp.putToken(createSasToken('localhost', cs.key, Math.floor(Date.now() / 1000) + 600, cs.keyName), 'localhost');
    if (status !== 200) throw new Error(`put-token answered ${status}`);
    const { outcome, link } = await amqp.attach('sender', '/messages/devicebound');
    if (outcome !== 'open') throw new Error(`the C2D sender link was refused: ${outcome}`);
    await new Promise<void>((resolve, reject) => {
      const delivery = (link as Sender).send({ ...fields, to: `/devices/${deviceId}/messages/devicebound` });
      link.on('accepted', (ctx: EventContext) => ctx.delivery === delivery && resolve());
      link.on('rejected', (ctx: EventContext) => ctx.delivery === delivery && reject(new Error('the hub rejected the message')));
    });
  } finally {
    amqp.close();
  }
}
