/**
 * Issue 8: the HTTP receive's headers and the MQTT property bag as IoT Hub writes them (system properties under `$.` keys, `iothub-ack` only
 * when the sender asked for feedback, names and values percent-encoded), and the hub refusing a C2D message
 * whose custom properties would pose as system properties.
 */
import mqtt from 'mqtt';
import { request } from 'node:https';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientError } from '../../src/clients/errors.js';
import { caBundle } from '../../src/clients/trust.js';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { rawAmqp } from '../helpers/amqp.js';
import { Collector, rejectionOf } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['bag-dev', 'http-dev'] });
});
afterAll(async () => hub?.dispose());

async function subscribe(deviceId: string): Promise<{ client: mqtt.MqttClient; topics: Collector<string> }> {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(deviceId)).key as string;
  const client = await mqtt.connectAsync({
    protocol: 'mqtts',
    host: 'localhost',
    port: hub.port,
    ca: caBundle(hub.caPem),
    clientId: deviceId,
    username: `localhost/${deviceId}/?api-version=2021-04-12`,
    password: createSasToken(`localhost/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 600),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const topics = new Collector<string>();
  client.on('message', (topic) => topics.push(topic));
  await client.subscribeAsync(`devices/${deviceId}/messages/devicebound/#`, { qos: 1 });
  return { client, topics };
}

/** The bag of a C2D topic as ordered [name, value] pairs, decoded. */
function bag(topic: string): Array<[string, string]> {
  const raw = topic.split('/').slice(4).join('/');
  return raw.split('&').map((pair) => pair.split('=').map(decodeURIComponent) as [string, string]);
}

it('puts iothub-ack in the bag only when the sender asked for feedback; system properties under $. keys, percent-encoded', async () => {
  const { client, topics } = await subscribe('bag-dev');
  const { service } = await openService(hub);
  try {
    await service.send('bag-dev', { payload: Buffer.from('a'), properties: [['k&1', "v&'%~"]], ack: 'none', messageId: 'no-ack', correlationId: 'c=1/2 &3', contentType: 'application/json', contentEncoding: 'utf-8' });
    await service.send('bag-dev', { payload: Buffer.from('b'), properties: [['k', 'v']], ack: 'full', messageId: 'with-ack' });
    const [first, second] = await topics.waitForCount(2);
    const none = bag(first as string);
    expect(none.map(([k]) => k)).not.toContain('iothub-ack');
    expect(none).toEqual(
      expect.arrayContaining([
        ['$.mid', 'no-ack'],
        ['$.to', '/devices/bag-dev/messages/deviceBound'],
        ['$.cid', 'c=1/2 &3'],
        ['$.ct', 'application/json'],
        ['$.ce', 'utf-8'],
        ['k&1', "v&'%~"],
      ]),
    );
    // Every reserved character is encoded, so splitting on "/", "&" and "=" (as the SDKs do) is safe.
    expect((first as string).split('/')).toHaveLength(5);
    expect(first).toContain('%24.mid=no-ack');
    expect(bag(second as string)).toEqual(expect.arrayContaining([['iothub-ack', 'full'], ['$.mid', 'with-ack'], ['k', 'v']]));
  } finally {
    await client.endAsync();
    await service.close();
  }
});

it('a message whose properties need a topic longer than MQTT allows is rejected for an MQTT device, which keeps receiving the next', async () => {
  // 30,000 "#" (a character IoT Hub allows in a value) are 90,000 bytes percent-encoded: past MQTT's 65,535.
  const { client, topics } = await subscribe('bag-dev');
  const { service, feedback } = await openService(hub);
  try {
    await service.send('bag-dev', { payload: Buffer.from('long'), properties: [['k', '#'.repeat(30_000)]], ack: 'full', messageId: 'too-long-for-mqtt' });
    await service.send('bag-dev', { payload: Buffer.from('next'), properties: [['k', 'v']], ack: 'full', messageId: 'after-long' });
    expect(bag((await topics.waitForMatch((t) => t.includes('after-long'))) as string)).toContainEqual(['$.mid', 'after-long']);
    expect((await feedback.waitForMatch((r) => r.originalMessageId === 'too-long-for-mqtt', 15_000)).statusCode).toBe('Rejected');
    expect(topics.items.some((t) => t.includes('too-long-for-mqtt'))).toBe(false);
    expect(hub.logs.join('\n')).toMatch(/"too-long-for-mqtt" for "bag-dev" needs a \d+-byte topic, more than MQTT's 65535: rejected/);
  } finally {
    await client.endAsync();
    await service.close();
  }
});

it('refuses a C2D message with a $.-prefixed custom property, and the sender sees why; the SDK’s own iothub-ack is accepted', async () => {
  // The wrapper refuses the name before sending; a raw AMQP sender shows what the hub itself answers.
  const { service } = await openService(hub);
  const err = await rejectionOf<ClientError>(service.send('bag-dev', { payload: Buffer.from('x'), properties: [['$.mid', 'zzz']], ack: 'none' }));
  expect(err.message).toMatch(/"\$\.mid" is reserved/);
  await service.close();

  const amqp = await rawAmqp(hub);
  try {
    const key = (await import('../../src/core/connection-string.js')).parseServiceConnectionString(hub.serviceConnectionString()).key;
    expect(await amqp.putToken(createSasToken('localhost', key, Math.floor(Date.now() / 1000) + 600, 'iothubowner'), 'localhost')).toBe(200);
    const { link } = await amqp.attach('sender', '/messages/devicebound');
    const send = (properties: Record<string, string>): Promise<{ outcome: string; description?: string }> =>
      new Promise((resolve) => {
        const delivery = (link as import('rhea').Sender).send({ to: '/devices/bag-dev/messages/devicebound', application_properties: properties, body: 'x' });
        link.on('accepted', (ctx) => ctx.delivery === delivery && resolve({ outcome: 'accepted' }));
        link.on('rejected', (ctx) => {
          if (ctx.delivery !== delivery) return;
          const state = ctx.delivery.remote_state as { error?: { description?: string } } | undefined;
          resolve({ outcome: 'rejected', ...(state?.error?.description ? { description: state.error.description } : {}) });
        });
      });
    const impostor = await send({ '$.mid': 'zzz' });
    expect(impostor.outcome).toBe('rejected');
    expect(impostor.description).toMatch(/"\$\.mid" is reserved: names starting with "\$\." are IoT Hub's system properties/);
    expect((await send({ 'iothub-ack': 'full', colour: 'red' })).outcome).toBe('accepted');
  } finally {
    amqp.close();
  }
});

it('a device receiving over HTTP gets ContentType and ContentEncoding headers, as IoT Hub sends them (the C SDK reads these)', async () => {
  const { service } = await openService(hub);
  await service.send('http-dev', { payload: Buffer.from('{}'), properties: [], ack: 'none', messageId: 'http-ct', contentType: 'application/json', contentEncoding: 'utf-8' });
  await service.close();
  const key = parseDeviceConnectionString(hub.deviceConnectionString('http-dev')).key as string;
  const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
    const req = request(
      {
        host: 'localhost',
        port: hub.port,
        path: '/devices/http-dev/messages/devicebound?api-version=2021-04-12',
        ca: caBundle(hub.caPem),
        // The C SDK signs with an empty skn=.
        headers: { Authorization: `${createSasToken('localhost/devices/http-dev', key, Math.floor(Date.now() / 1000) + 600)}&skn=` },
      },
      (res) => {
        res.resume();
        resolve(res.headers);
      },
    );
    req.on('error', reject);
    req.end();
  });
  expect(headers).toMatchObject({ 'iothub-messageid': 'http-ct', contenttype: 'application/json', contentencoding: 'utf-8' });
});
