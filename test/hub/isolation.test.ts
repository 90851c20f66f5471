/**
 * Issue: the embedded hub, acceptance 5: a device cannot subscribe to, or read, another device's messages,
 * and cannot publish where the hub sends C2D messages.
 */
import mqtt from 'mqtt';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['dev1', 'dev2'] });
});
afterAll(async () => hub?.dispose());

function connectAs(deviceId: string): Promise<mqtt.MqttClient> {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(deviceId)).key as string;
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: 'localhost',
    port: hub.port,
    ca: [...rootCertificates, hub.caPem],
    clientId: deviceId,
    username: `localhost/${deviceId}/?api-version=2021-04-12`,
    password: createSasToken(`localhost/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 600),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

it('refuses a subscription to another device’s C2D topic (SUBACK 0x80) and never delivers its messages', async () => {
  const intruder = await connectAs('dev1');
  const refused = await intruder.subscribeAsync('devices/dev2/messages/devicebound/#', { qos: 1 }).then(
    () => undefined,
    (err: Error & { packet?: { granted?: number[] } }) => err,
  );
  expect(refused?.packet?.granted).toEqual([128]);
  const own = await intruder.subscribeAsync('devices/dev1/messages/devicebound/#', { qos: 1 });
  expect(own[0]?.qos).toBe(1);
  const topics: string[] = [];
  intruder.on('message', (topic) => topics.push(topic));

  const { service } = await openService(hub);
  const { device: dev2, received } = await openDevice(hub, 'dev2');
  await service.send('dev2', message({ messageId: 'for-dev2', ack: 'none' }));
  await service.send('dev1', message({ messageId: 'for-dev1', ack: 'none' }));
  await received.waitForMatch((m) => m.messageId === 'for-dev2');
  await waitFor(() => topics.length >= 1, 5000, 'dev1’s own message');
  expect(topics).toHaveLength(1);
  expect(topics[0]).toMatch(/^devices\/dev1\/messages\/devicebound\/.*for-dev1/);
  await intruder.endAsync();
  await dev2.close();
  await service.close();
});

it('closes the connection of a device that publishes to a C2D topic', async () => {
  const client = await connectAs('dev1');
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.publish('devices/dev2/messages/devicebound/x=1', 'spoof', { qos: 1 });
  await closed;
  expect(hub.logs.some((l) => l.includes('"dev1" may not publish to devices/dev2/messages/devicebound/x=1'))).toBe(true);
  expect(hub.queueDepth('dev2')).toBe(0);
  client.end(true);
});

it('refuses a client id that differs from the device in the username (CONNACK 2)', async () => {
  const key = parseDeviceConnectionString(hub.deviceConnectionString('dev1')).key as string;
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: 'localhost',
    port: hub.port,
    ca: [...rootCertificates, hub.caPem],
    clientId: 'dev2',
    username: 'localhost/dev1/?api-version=2021-04-12',
    password: createSasToken('localhost/devices/dev1', key, Math.floor(Date.now() / 1000) + 600),
    reconnectPeriod: 0,
  });
  const err = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve));
  expect(err.code).toBe(2);
  client.end(true);
});
