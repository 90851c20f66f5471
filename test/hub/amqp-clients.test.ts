/**
 * Issue 8: AMQP clients other than the Node SDKs. A raw rhea client behaves as uAMQP and the C SDK do
 * (SASL MSSBCBS, absolute addresses, an int status-code, termini and a max-message-size in every ATTACH
 * reply), as Qpid Proton does (one name for a sender and a receiver), and logs in with SASL PLAIN as IoT Hub
 * documents it.
 */
import type { Connection, EventContext, Message, Receiver, Sender } from 'rhea';
import rhea from 'rhea';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { caBundle } from '../../src/clients/trust.js';
import { parseDeviceConnectionString, parseServiceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { openDevice } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { Collector, waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['uamqp-dev', 'plain-dev'] });
});
afterAll(async () => hub?.dispose());

const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;
const serviceToken = (): string => createSasToken('localhost', parseServiceConnectionString(hub.serviceConnectionString()).key, inAnHour(), 'iothubowner');
const deviceToken = (id: string): string => createSasToken(`localhost/devices/${id}`, parseDeviceConnectionString(hub.deviceConnectionString(id)).key as string, inAnHour());

/** A client mechanism as rhea drives it: `start` hands over the initial response. */
const mechanism = (response: Buffer) => () => ({ start: (done: (err: unknown, response: Buffer) => void) => done(undefined, response) });
const plain = (user: string, password: string): Buffer => Buffer.from(`\0${user}\0${password}`, 'utf8');

/** Connects a bare rhea client over TLS (or WebSocket) with the given SASL mechanisms; resolves on open or rejects with why not. */
async function connect(options: { sasl?: Record<string, unknown>; websocketProtocol?: string } = {}): Promise<Connection> {
  const container = rhea.create_container();
  const tls = { ca: caBundle(hub.caPem), servername: 'localhost' };
  const details = options.websocketProtocol
    ? {
        connection_details: container.websocket_connect(WebSocket as never)(`wss://localhost:${hub.port}/$iothub/websocket`, [options.websocketProtocol], tls as never),
      }
    : { host: 'localhost', port: hub.port, transport: 'tls', ...tls };
  const connection = container.connect({ ...details, hostname: 'localhost', reconnect: false, ...(options.sasl ? { sasl_mechanisms: options.sasl } : {}) } as never);
  await new Promise<void>((resolve, reject) => {
    connection.once('connection_open', () => resolve());
    connection.once('connection_error', (ctx: EventContext) => reject(ctx.connection.error ?? new Error('connection error')));
    connection.once('disconnected', (ctx: EventContext) => reject(ctx.error ?? new Error('disconnected')));
  });
  return connection;
}

/**
 * Resolves with the link once the hub has attached it and kept it, or rejects with the condition it is refused
 * with. A refusal is an attach then a detach; frames arrive in order, so once a later attach (a throwaway
 * `$cbs` link) is answered, a refusal would have arrived.
 */
function attached<L extends Sender | Receiver>(link: L): Promise<L> {
  return new Promise((resolve, reject) => {
    let refused = false;
    link.once(link.is_sender() ? 'sender_open' : 'receiver_open', () => {
      const barrier = link.connection.open_receiver({ source: { address: '$cbs' } });
      barrier.once('receiver_open', () => {
        barrier.close();
        if (!refused) resolve(link);
      });
    });
    link.once(link.is_sender() ? 'sender_error' : 'receiver_error', () => {
      refused = true;
      reject(new Error((link.error as { condition?: string } | undefined)?.condition ?? 'error'));
    });
  });
}

/** The raw AMQP type code of an application property in an encoded message (rhea's decode drops it). */
function applicationPropertyTypecode(encoded: Buffer, name: string): number | undefined {
  const Reader = (rhea.types as unknown as { Reader: new (buffer: Buffer) => { remaining(): number; read(): unknown } }).Reader;
  const reader = new Reader(encoded);
  while (reader.remaining()) {
    const section = reader.read() as unknown as { descriptor?: { value: unknown }; value: Array<{ type: { typecode: number }; value: unknown }> };
    if (Number(section.descriptor?.value) !== 0x74) continue;
    const elements = section.value;
    for (let i = 0; i + 1 < elements.length; i += 2) if (elements[i]?.value === name) return elements[i + 1]?.type.typecode;
  }
  return undefined;
}

it('serves a client that behaves like uAMQP: SASL MSSBCBS, absolute addresses, an int status-code, C2D with properties and its feedback', async () => {
  // rhea decodes both ends in this process: keep the encoded messages to read the status-code's own type.
  const decode = rhea.message.decode;
  const encoded: Buffer[] = [];
  rhea.message.decode = (buffer: Buffer) => {
    encoded.push(Buffer.from(buffer));
    return decode(buffer);
  };
  const { received } = await openDevice(hub, 'uamqp-dev');
  const connection = await connect({ sasl: { MSSBCBS: mechanism(Buffer.alloc(0)) } });
  try {
    expect((connection as unknown as { sasl_transport?: { mechanism_name?: string } }).sasl_transport?.mechanism_name).toBe('MSSBCBS');
    const absolute = (path: string): string => `amqps://localhost:${hub.port}${path}`;
    const cbsSender = await attached(connection.open_sender({ target: { address: absolute('/$cbs') } }));
    const cbsReceiver = await attached(connection.open_receiver({ source: { address: absolute('/$cbs') } }));
    // Termini echoed: uAMQP treats an ATTACH reply without source and target as a refusal.
    expect(cbsSender.target?.address).toBe(absolute('/$cbs'));
    expect(cbsReceiver.source?.address).toBe(absolute('/$cbs'));
    // A max-message-size in every ATTACH reply, as IoT Hub's gateway announces it (the C SDK logs an error without one).
    expect([cbsSender.max_message_size, cbsReceiver.max_message_size]).toEqual([1024 * 1024, 1024 * 1024]);

    const replies = new Collector<Message>();
    cbsReceiver.on('message', (ctx: EventContext) => replies.push(ctx.message as Message));
    const requestId = 7; // uAMQP numbers its CBS requests: a ulong
    cbsSender.send({
      message_id: requestId,
      reply_to: 'cbs',
      application_properties: { operation: 'put-token', type: 'servicebus.windows.net:sastoken', name: 'localhost' },
      body: serviceToken(),
    });
    const [reply] = await replies.waitForCount(1);
    expect(reply?.correlation_id).toBe(requestId);
    expect(reply?.application_properties).toEqual({ 'status-code': 200, 'status-description': 'OK' });
    const replyBytes = encoded.find((b) => applicationPropertyTypecode(b, 'status-code') !== undefined) as Buffer;
    // int is 0x71, or 0x54 (smallint) for small values; rhea's default for a positive number would be uint (0x70/0x52).
    expect([0x71, 0x54]).toContain(applicationPropertyTypecode(replyBytes, 'status-code'));

    const sender = await attached(connection.open_sender({ target: { address: absolute('/messages/devicebound') } }));
    expect(sender.target?.address).toBe(absolute('/messages/devicebound'));
    expect(sender.max_message_size).toBe(1024 * 1024);
    const feedback = new Collector<unknown>();
    const feedbackReceiver = await attached(connection.open_receiver({ source: { address: absolute('/messages/serviceBound/feedback') }, autoaccept: true }));
    feedbackReceiver.on('message', (ctx: EventContext) => {
      const body = (ctx.message as Message).body as { content: Buffer };
      for (const record of JSON.parse(body.content.toString('utf8')) as unknown[]) feedback.push(record);
    });
    const outcome = await new Promise<string>((resolve) => {
      const delivery = sender.send({
        message_id: 'uamqp-1',
        to: '/devices/uamqp-dev/messages/devicebound',
        application_properties: { 'iothub-ack': 'full', colour: 'blue' },
        body: rhea.message.data_section(Buffer.from('from uAMQP')),
      });
      sender.on('accepted', (ctx: EventContext) => ctx.delivery === delivery && resolve('accepted'));
      sender.on('rejected', (ctx: EventContext) => ctx.delivery === delivery && resolve('rejected'));
    });
    expect(outcome).toBe('accepted');
    const [message] = await received.waitForCount(1);
    expect(message).toMatchObject({ messageId: 'uamqp-1', properties: [['colour', 'blue']] });
    const record = await feedback.waitForMatch((r) => (r as { originalMessageId?: string }).originalMessageId === 'uamqp-1');
    expect(record).toMatchObject({ description: 'Success', deviceId: 'uamqp-dev' });
  } finally {
    rhea.message.decode = decode;
    connection.close();
  }
});

it('SASL PLAIN: a service token authorises the service links, a device token the device links, without CBS', async () => {
  const service = await connect({ sasl: { PLAIN: mechanism(plain('iothubowner@sas.root.localhost', serviceToken())) } });
  const device = await connect({ sasl: { PLAIN: mechanism(plain('plain-dev@sas.localhost', deviceToken('plain-dev'))) } });
  try {
    await expect(attached(service.open_sender({ target: { address: '/messages/devicebound' } }))).resolves.toBeTruthy();
    await expect(attached(device.open_receiver({ source: { address: '/devices/plain-dev/messages/devicebound' } }))).resolves.toBeTruthy();
    // The device's token does not reach another device, nor the service side.
    await expect(attached(device.open_receiver({ source: { address: '/devices/uamqp-dev/messages/devicebound' } }))).rejects.toThrow('amqp:unauthorized-access');
    await expect(attached(device.open_sender({ target: { address: '/messages/devicebound' } }))).rejects.toThrow('amqp:unauthorized-access');
  } finally {
    service.close();
    device.close();
  }
});

it('SASL PLAIN with a wrong password is refused, with one log line naming the client and the reason', async () => {
  const before = hub.logs.length;
  const wrong = createSasToken('localhost', Buffer.alloc(32, 1).toString('base64'), inAnHour(), 'iothubowner');
  await expect(connect({ sasl: { PLAIN: mechanism(plain('iothubowner@sas.root.localhost', wrong)) } })).rejects.toBeTruthy();
  await waitFor(() => hub.logs.length > before, 5000, 'a log line');
  const lines = hub.logs.slice(before);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^amqp#\d+ \(127\.0\.0\.1:\d+\): SASL PLAIN refused: .*not signed with a key of policy "iothubowner"/);
  expect(lines[0]).not.toContain(wrong.split('sig=')[1]?.split('&')[0]);
});

it('MSSBCBS over AMQP-over-WebSockets, with the subprotocol in another case', async () => {
  const connection = await connect({ sasl: { MSSBCBS: mechanism(Buffer.alloc(0)) }, websocketProtocol: 'amqpwsb10' });
  try {
    await expect(attached(connection.open_sender({ target: { address: '$cbs' } }))).resolves.toBeTruthy();
  } finally {
    connection.close();
  }
});

it('the Event Hub-compatible endpoint (az iot hub monitor-events) is refused with a description that says the hub keeps no telemetry', async () => {
  const connection = await connect();
  try {
    // uAMQP under az iot hub monitor-events first reads /messages/events/$management to learn the Event Hub.
    const receiver = connection.open_receiver({ source: { address: `amqps://localhost:${hub.port}/messages/events/$management` } });
    await expect(attached(receiver)).rejects.toThrow('amqp:not-found');
    expect((receiver.error as { description?: string }).description).toMatch(/^The local hub keeps no device-to-cloud messages/);
  } finally {
    connection.close();
  }
});

it('a refused link gets an ATTACH with a null terminus on the hub side, then a detach with the error', async () => {
  const connection = await connect();
  try {
    const receiver = connection.open_receiver({ source: { address: '/nowhere' }, target: { address: 'mine' } });
    const opened = new Promise<void>((resolve) => receiver.once('receiver_open', () => resolve()));
    await expect(attached(receiver)).rejects.toThrow('amqp:not-found');
    await opened;
    // rhea hands a null terminus over as a typed null.
    const source = receiver.source as unknown as { value?: unknown } | undefined;
    expect(source?.value ?? null).toBeNull();
    expect(receiver.target?.address).toBe('mine');
  } finally {
    connection.close();
  }
});

it('a sender and a receiver with the same name on one session both work (Qpid Proton’s default $cbs link names)', async () => {
  const connection = await connect();
  try {
    const session = connection.create_session();
    session.begin();
    const sender = session.open_sender({ name: 'cbs-link', target: { address: '$cbs' } });
    const receiver = session.open_receiver({ name: 'cbs-link', source: { address: '$cbs' } });
    sameNameBothRoles(session as never, 'cbs-link', sender, receiver);
    await Promise.all([attached(sender), attached(receiver)]);
    const replies = new Collector<Message>();
    receiver.on('message', (ctx: EventContext) => replies.push(ctx.message as Message));
    sender.send({ message_id: 'one', reply_to: 'cbs', application_properties: { operation: 'put-token', name: 'localhost' }, body: serviceToken() });
    const [reply] = await replies.waitForCount(1);
    expect(reply?.application_properties?.['status-code']).toBe(200);
    expect(connection.is_open()).toBe(true);
  } finally {
    connection.close();
  }
});

/**
 * rhea's client has the same limit the hub had: one link per name in a session. Proton's does not; teach this
 * client's session to route the hub's two ATTACH replies by role, as Proton would.
 */
function sameNameBothRoles(
  session: { links: Record<string, unknown>; remote: { handles: Record<number, unknown> }; on_attach(frame: unknown): void },
  name: string,
  sender: Sender,
  receiver: Receiver,
): void {
  // Both links in the session's table, so that both attaches go out.
  session.links[`${name}\u0000sender`] = sender;
  const original = session.on_attach.bind(session);
  session.on_attach = (frame: unknown) => {
    const performative = (frame as { performative: { name: string; role: boolean; handle: number } }).performative;
    if (performative.name !== name) return original(frame);
    // The hub's reply has the opposite role: role true (receiver) answers our sender.
    session.links[name] = performative.role ? sender : receiver;
    original(frame);
  };
}

it('what the C SDK needs: twin links answered (a GET with an empty twin), an empty skn read as a device token, MQTT as a WebSocket subprotocol', async () => {
  // The C SDK signs device tokens with "skn=" and nothing after it.
  const emptySkn = `${deviceToken('plain-dev')}&skn=`;
  const connection = await connect({ sasl: { PLAIN: mechanism(plain('plain-dev@sas.localhost', emptySkn)) } });
  try {
    const address = `amqps://localhost/devices/plain-dev/twin`;
    const requests = await attached(connection.open_sender({ target: { address } }));
    const responses = await attached(connection.open_receiver({ source: { address } }));
    const replies = new Collector<Message>();
    responses.on('message', (ctx: EventContext) => replies.push(ctx.message as Message));
    requests.send({ correlation_id: 'twin-get-1', message_annotations: { operation: 'GET' }, body: rhea.message.data_section(Buffer.from(' ')) });
    const [reply] = await replies.waitForCount(1);
    expect(reply?.correlation_id).toBe('twin-get-1');
    expect(reply?.message_annotations?.status).toBe(200);
    expect(JSON.parse((reply?.body as { content: Buffer }).content.toString('utf8'))).toEqual({ desired: { $version: 1 }, reported: { $version: 1 } });
  } finally {
    connection.close();
  }

  const protocol = await new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(`wss://localhost:${hub.port}/$iothub/websocket`, ['MQTT'], { ca: caBundle(hub.caPem) });
    ws.once('open', () => {
      resolve(ws.protocol);
      ws.terminate();
    });
    ws.once('error', reject);
  });
  expect(protocol).toBe('MQTT');
});

it('a second connection of one device takes its C2D receiver: the older is detached with amqp:link:stolen, saying why, and one log line', async () => {
  const sasl = { PLAIN: mechanism(plain('plain-dev@sas.localhost', deviceToken('plain-dev'))) };
  const older = await connect({ sasl });
  const newer = await connect({ sasl });
  try {
    const first = await attached(older.open_receiver({ source: { address: '/devices/plain-dev/messages/devicebound' } }));
    const detached = new Promise<{ condition?: string; description?: string }>((resolve) => first.once('receiver_error', () => resolve(first.error as never)));
    const before = hub.logs.length;
    await attached(newer.open_receiver({ source: { address: '/devices/plain-dev/messages/devicebound' } }));
    const error = await detached;
    expect(error.condition).toBe('amqp:link:stolen');
    expect(error.description).toMatch(/^Another client connected as device 'plain-dev' and now receives its cloud-to-device messages/);
    expect(hub.logs.slice(before).filter((l) => l.includes('older receiver is detached'))).toHaveLength(1);
  } finally {
    older.close();
    newer.close();
  }
});
