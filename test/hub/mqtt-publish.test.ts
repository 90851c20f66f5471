/**
 * The hub writes each C2D PUBLISH itself (src/hub/mqtt/publish-packet.ts), with packet ids of its own. A plain
 * MQTT client (mqtt.js parses every byte) checks what goes out: the payload intact at every length the
 * remaining-length field spells differently (1, 2 and 3 bytes), the topic with its property bag, a packet id
 * per message in flight, QoS 1 completed by the PUBACK (Success feedback) and QoS 0 completed once written.
 */
import { connect } from 'mqtt';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { caBundle } from '../../src/clients/trust.js';
import type { ServiceClient } from '../../src/clients/service-client.js';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import { createSasToken } from '../../src/core/sas.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';
import { waitFor } from '../helpers/wait.js';

let hub: TestHub;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['pub-qos1', 'pub-qos0'] });
  ({ service, feedback } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

async function plainDevice(deviceId: string, qos: 0 | 1): Promise<{ client: MqttClient; received: IPublishPacket[] }> {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(deviceId)).key as string;
  const client = connect(`mqtts://localhost:${hub.port}`, {
    clientId: deviceId,
    username: `localhost/${deviceId}/?api-version=2021-04-12`,
    password: createSasToken(`localhost/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 3600),
    clean: true,
    ca: caBundle(hub.caPem),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const received: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => received.push(packet));
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  await client.subscribeAsync(`devices/${deviceId}/messages/devicebound/#`, { qos });
  return { client, received };
}

/** Payload lengths around the remaining length's 1-, 2- and 3-byte forms (the topic adds its own bytes). */
const SIZES = [0, 1, 60, 127, 200, 16_300, 16_400, 60_000];
const payloadOf = (size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) % 256));

it('QoS 1: every payload arrives byte for byte with its property bag and a packet id of its own, and the PUBACK completes it', async () => {
  const { client, received } = await plainDevice('pub-qos1', 1);
  await Promise.all(
    SIZES.map((size) => service.send('pub-qos1', message({ messageId: `size-${size}`, payload: payloadOf(size), properties: [['n', String(size)]], ack: 'full' }))),
  );
  await waitFor(() => received.length === SIZES.length, undefined, 'every message at the plain client');
  for (const size of SIZES) {
    const packet = received.find((p) => p.topic.includes(`%24.mid=size-${size}&`));
    expect(packet, `size ${size}`).toBeDefined();
    expect(packet?.qos).toBe(1);
    expect(packet?.topic).toMatch(new RegExp(`^devices/pub-qos1/messages/devicebound/.*&n=${size}$`));
    expect(Buffer.compare(packet?.payload as Buffer, payloadOf(size))).toBe(0);
  }
  expect(new Set(received.map((p) => p.messageId)).size).toBe(SIZES.length);
  await waitFor(() => SIZES.every((size) => feedback.items.some((f) => f.originalMessageId === `size-${size}` && f.statusCode === 'Success')), undefined, 'Success feedback for each');
  expect(hub.queueDepth('pub-qos1')).toBe(0);
  await client.endAsync();
});

it('QoS 0: the message arrives and leaves the queue once written', async () => {
  const { client, received } = await plainDevice('pub-qos0', 0);
  await service.send('pub-qos0', message({ messageId: 'at-most-once', payload: payloadOf(300), ack: 'full' }));
  await waitFor(() => received.length === 1, undefined, 'the message at the plain client');
  expect(received[0]?.qos).toBe(0);
  expect(Buffer.compare(received[0]?.payload as Buffer, payloadOf(300))).toBe(0);
  await waitFor(() => feedback.items.some((f) => f.originalMessageId === 'at-most-once' && f.statusCode === 'Success'), undefined, 'Success feedback');
  expect(hub.queueDepth('pub-qos0')).toBe(0);
  await client.endAsync();
});
