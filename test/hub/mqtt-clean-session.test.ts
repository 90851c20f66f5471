/**
 * MQTT CleanSession as IoT Hub honours it. The device SDK connects with CleanSession 0, and the hub keeps its
 * C2D subscription between connections (test/cli/receive-count.test.ts); a client that connects with
 * CleanSession 1 (mosquitto_pub and mosquitto_sub by default, as a device with a SAS password) starts a new
 * session without that subscription: the hub must not push the device's queued messages to a program that
 * never subscribed, which would acknowledge them unseen (mosquitto_pub sending telemetry took them).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServiceClient } from '../../src/clients/service-client.js';
import { message, openRegistry, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import { plainMqttDevice } from '../helpers/mqtt-device.js';
import type { TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

const SDK_RECEIVE_ONE = fileURLToPath(new URL('../fixtures/sdk-receive-one.cjs', import.meta.url));

let hub: TestHub;
let service: ServiceClient;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['clean'] });
  ({ service } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

it('a CleanSession 1 client of a device whose SDK session kept its subscription gets no C2D message, and the message stays queued', async () => {
  // The SDK program subscribes (CleanSession 0), takes one message and exits without unsubscribing.
  const registry = openRegistry(hub);
  const other = promisify(execFile)(process.execPath, [SDK_RECEIVE_ONE], {
    env: { ...process.env, IOTHUB_DEVICE_CONNECTION_STRING: hub.deviceConnectionString('clean'), NODE_EXTRA_CA_CERTS: hub.caPath },
    timeout: 20_000,
  });
  await waitFor(async () => (await registry.get('clean')).connectionState === 'Connected', 10_000, 'the SDK program connected');
  await service.send('clean', message({ messageId: 'for-the-sdk', ack: 'none' }));
  expect((await other).stdout).toContain('for-the-sdk');
  await waitFor(async () => (await registry.get('clean')).connectionState === 'Disconnected', 10_000, 'the SDK program gone');

  await service.send('clean', message({ messageId: 'queued', ack: 'none' }));
  const { client, received, sessionPresent } = await plainMqttDevice(hub, 'clean', true);
  expect(sessionPresent).toBe(false);
  // Telemetry goes through; a round trip to the hub, after which any push would have arrived.
  await client.publishAsync('devices/clean/messages/events/', 'telemetry', { qos: 1 });
  expect(received).toEqual([]);
  expect(hub.queueDepth('clean')).toBe(1);
  await client.endAsync();

  // A client that does subscribe gets it.
  const subscriber = await plainMqttDevice(hub, 'clean', true);
  await subscriber.client.subscribeAsync('devices/clean/messages/devicebound/#', { qos: 1 });
  await waitFor(() => subscriber.received.length > 0, 10_000, 'the queued message at the subscriber');
  expect(subscriber.received[0]).toMatch(/%24\.mid=queued/);
  await subscriber.client.endAsync();
});
