/**
 * An MQTT session with CleanSession 0 keeps its C2D subscription across the hub's restarts, as IoT Hub keeps
 * it: paho (under Microsoft's Python SDK) subscribes once and, after a reconnect whose CONNACK says the
 * session is present, never again. Found with the Python SDK: after `iot-c2d hub` was killed and started
 * again, its device reconnected and got nothing. A plain MQTT client (mqtt.js) plays paho here.
 */
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { caBundle } from '../../src/clients/trust.js';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Connects as device `paho` the way paho does (a SAS token as the password); subscribes only if told to. */
async function pahoDevice(hub: TestHub, clean: boolean): Promise<{ client: MqttClient; received: string[]; sessionPresent: boolean }> {
  const key = parseDeviceConnectionString(hub.deviceConnectionString('paho')).key as string;
  const client = connect(`mqtts://localhost:${hub.port}`, {
    clientId: 'paho',
    username: 'localhost/paho/?api-version=2021-04-12',
    password: createSasToken('localhost/devices/paho', key, Math.floor(Date.now() / 1000) + 3600),
    clean,
    ca: caBundle(hub.caPem),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const received: string[] = [];
  client.on('message', (topic) => received.push(topic));
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, received, sessionPresent: connack.sessionPresent };
}

/** Sends `messageId` to `paho` on `hub` (no feedback asked). */
async function send(hub: TestHub, messageId: string): Promise<void> {
  const { service } = await openService(hub);
  await service.send('paho', message({ messageId, ack: 'none' }));
  await service.close();
}

it('a CleanSession 0 subscription survives hub restarts: the device reconnects without subscribing and gets what was queued; a clean session ends it', async () => {
  const first = await startTestHub({ stateDir, devices: ['paho'] });
  const subscriber = await pahoDevice(first, false);
  await subscriber.client.subscribeAsync('devices/paho/messages/devicebound/#', { qos: 1 });
  await subscriber.client.endAsync();
  await send(first, 'while-away');
  await first.stop();

  // A new hub process on the same state: the session is there, with its subscription.
  const second = await startTestHub({ stateDir });
  const back = await pahoDevice(second, false);
  expect(back.sessionPresent).toBe(true);
  await waitFor(() => back.received.length > 0, 10_000, 'the message queued before the restart');
  expect(back.received[0]).toMatch(/%24\.mid=while-away/);
  await send(second, 'after-restart');
  await waitFor(() => back.received.length > 1, 10_000, 'a message sent after the restart');
  expect(back.received[1]).toMatch(/%24\.mid=after-restart/);
  await back.client.endAsync();

  // A clean session drops the old one, for good: after another restart nothing is subscribed.
  const clean = await pahoDevice(second, true);
  await clean.client.endAsync();
  await second.stop();
  const third = await startTestHub({ stateDir });
  await send(third, 'not-subscribed');
  const fresh = await pahoDevice(third, false);
  expect(fresh.sessionPresent).toBe(false);
  // A round trip to the hub, after which any push would have arrived.
  await fresh.client.publishAsync('devices/paho/messages/events/', 'telemetry', { qos: 1 });
  expect(fresh.received).toEqual([]);
  expect(third.queueDepth('paho')).toBe(1);
  await fresh.client.endAsync();
  await third.stop();
});
