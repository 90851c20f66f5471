/**
 * Issue: every device transport, acceptance 4: a device whose token is renewed on its live AMQP connection
 * keeps receiving; a device whose token expires without renewal is disconnected, over AMQP and MQTT.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client as SdkDeviceClient, Message } from 'azure-iot-device';
import { caBundle } from '../../src/clients/trust.js';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { message, openRegistry, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { Collector, waitFor } from '../helpers/wait.js';

const require = createRequire(import.meta.url);
const deviceSdk = require('azure-iot-device') as typeof import('azure-iot-device');
const { Amqp } = require('azure-iot-device-amqp') as typeof import('azure-iot-device-amqp');
const { Mqtt } = require('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt');

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['renewed', 'lapsed-amqp', 'lapsed-mqtt'] });
});
afterAll(async () => hub?.dispose());

function token(deviceId: string, seconds: number): string {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(deviceId)).key as string;
  return createSasToken(`localhost/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + seconds);
}

/** An SDK device client on a bare token (never renewed by the SDK), pointed at the test port. */
async function tokenClient(deviceId: string, seconds: number, transport: unknown): Promise<{ client: SdkDeviceClient; received: Collector<Message>; disconnected: Promise<void> }> {
  const client = deviceSdk.Client.fromSharedAccessSignature(token(deviceId, seconds), transport);
  const internals = client as unknown as { _transport: { _authenticationProvider: { _credentials: { gatewayHostName?: string } } } };
  internals._transport._authenticationProvider._credentials.gatewayHostName = `localhost:${hub.port}`;
  await client.setOptions({ ca: caBundle(hub.caPem) } as never);
  // No retries; the SDK asks the policy whether to retry when the connection drops (see docs/sdk-notes.md).
  let dropped: () => void = () => undefined;
  const disconnected = new Promise<void>((resolve) => (dropped = resolve));
  client.setRetryPolicy({
    shouldRetry: (err: Error) => {
      if (err.name === 'NotConnectedError') dropped();
      return false;
    },
    nextRetryTimeout: () => 0,
  } as never);
  await client.open();
  const received = new Collector<Message>();
  client.on('message', received.push);
  client.on('error', () => undefined);
  return { client, received, disconnected };
}

it('a token renewed on the live AMQP connection keeps the device receiving past the first token’s expiry', async () => {
  const { service } = await openService(hub);
  const { client, received, disconnected } = await tokenClient('renewed', 2, Amqp);
  let gone = false;
  void disconnected.then(() => (gone = true));
  await client.updateSharedAccessSignature(token('renewed', 600));
  // Let the first token's expiry pass.
  await new Promise((r) => setTimeout(r, 3000));
  await service.send('renewed', message({ messageId: 'after-renewal', ack: 'none' }));
  const got = await received.waitForMatch((m) => m.messageId === 'after-renewal');
  expect(got.messageId).toBe('after-renewal');
  expect(gone).toBe(false);
  await client.close();
  await service.close();
});

it('a token that expires without renewal ends the connection, over AMQP and over MQTT', async () => {
  const registry = openRegistry(hub);
  const amqp = await tokenClient('lapsed-amqp', 2, Amqp);
  // Checked before the MQTT client opens: on a loaded machine that can take up the 2 s the token lives.
  expect((await registry.get('lapsed-amqp')).connectionState).toBe('Connected');
  const mqtt = await tokenClient('lapsed-mqtt', 2, Mqtt);
  // Both connections end: the clients see it, and so does the hub's registry.
  await Promise.all([mqtt.disconnected, amqp.disconnected]);
  await waitFor(async () => (await registry.get('lapsed-amqp')).connectionState === 'Disconnected' || undefined, 10_000, 'lapsed-amqp disconnected');
  expect(hub.logs.some((l) => /amqp#\d+: token expired and was not renewed/.test(l))).toBe(true);
  expect(hub.logs.some((l) => l.includes('the token of "lapsed-mqtt" expired'))).toBe(true);
  await amqp.client.close().catch(() => undefined);
  await mqtt.client.close().catch(() => undefined);
});
