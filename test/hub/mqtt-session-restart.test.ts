/**
 * An MQTT session with CleanSession 0 keeps its C2D subscription across the hub's restarts, as IoT Hub keeps
 * it: paho (under Microsoft's Python SDK) subscribes once and, after a reconnect whose CONNACK says the
 * session is present, never again. Found with the Python SDK: after `iot-c2d hub` was killed and started
 * again, its device reconnected and got nothing. A plain MQTT client (mqtt.js, test/helpers/mqtt-device.ts) plays paho here.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { message, openService } from '../helpers/clients.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { plainMqttDevice } from '../helpers/mqtt-device.js';
import { waitFor } from '../helpers/wait.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Sends `messageId` to `paho` on `hub` (no feedback asked). */
async function send(hub: TestHub, messageId: string): Promise<void> {
  const { service } = await openService(hub);
  await service.send('paho', message({ messageId, ack: 'none' }));
  await service.close();
}

it('a CleanSession 0 subscription survives hub restarts: the device reconnects without subscribing and gets what was queued; a clean session ends it', async () => {
  const first = await startTestHub({ stateDir, devices: ['paho'] });
  const subscriber = await plainMqttDevice(first, 'paho', false);
  await subscriber.client.subscribeAsync('devices/paho/messages/devicebound/#', { qos: 1 });
  await subscriber.client.endAsync();
  await send(first, 'while-away');
  await first.stop();

  // A new hub process on the same state: the session is there, with its subscription.
  const second = await startTestHub({ stateDir });
  const back = await plainMqttDevice(second, 'paho', false);
  expect(back.sessionPresent).toBe(true);
  await waitFor(() => back.received.length > 0, 10_000, 'the message queued before the restart');
  expect(back.received[0]).toMatch(/%24\.mid=while-away/);
  await send(second, 'after-restart');
  await waitFor(() => back.received.length > 1, 10_000, 'a message sent after the restart');
  expect(back.received[1]).toMatch(/%24\.mid=after-restart/);
  await back.client.endAsync();

  // A clean session drops the old one, for good: after another restart nothing is subscribed.
  const clean = await plainMqttDevice(second, 'paho', true);
  await clean.client.endAsync();
  await second.stop();
  const third = await startTestHub({ stateDir });
  await send(third, 'not-subscribed');
  const fresh = await plainMqttDevice(third, 'paho', false);
  expect(fresh.sessionPresent).toBe(false);
  // A round trip to the hub, after which any push would have arrived.
  await fresh.client.publishAsync('devices/paho/messages/events/', 'telemetry', { qos: 1 });
  expect(fresh.received).toEqual([]);
  expect(third.queueDepth('paho')).toBe(1);
  await fresh.client.endAsync();
  await third.stop();
});
