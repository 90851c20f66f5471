/**
 * Device apps that use a twin or direct methods beside C2D (a `getTwin` at start, a method handler) keep
 * working on the local hub: twin requests are answered as an empty twin, method subscriptions and links are
 * granted, and C2D goes on on the same connection. Before, over MQTT the hub closed the connection of a device
 * that asked for its twin (and the SDK's retries asked again: `getTwin` never returned), and over AMQP the
 * Node SDK's twin GET went unanswered (it came before its receiver's credit) and its method links were refused.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as SdkDeviceClient, Message as SdkMessage } from 'azure-iot-device';
import { caBundle } from '../../src/clients/trust.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { Collector } from '../helpers/wait.js';

const require = createRequire(import.meta.url);
const deviceSdk = require('azure-iot-device') as typeof import('azure-iot-device');
const transports = {
  mqtt: (require('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt')).Mqtt,
  amqp: (require('azure-iot-device-amqp') as typeof import('azure-iot-device-amqp')).Amqp,
};

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['twin-mqtt', 'twin-amqp'] });
});
afterAll(async () => hub?.dispose());

describe.each(Object.keys(transports) as Array<keyof typeof transports>)('a device app over %s', (transport) => {
  it('gets an empty twin, reports properties, registers a method handler, and still receives C2D on the same connection', async () => {
    const deviceId = `twin-${transport}`;
    const client: SdkDeviceClient = deviceSdk.Client.fromConnectionString(hub.deviceConnectionString(deviceId), transports[transport]);
    await client.setOptions({ ca: caBundle(hub.caPem) } as never);
    let disconnects = 0;
    client.on('disconnect', () => (disconnects += 1));
    client.on('error', () => undefined);
    const received = new Collector<SdkMessage>();
    client.on('message', (m: SdkMessage) => {
      received.push(m);
      client.complete(m, () => undefined);
    });
    await client.open();

    const twin = await client.getTwin();
    expect(twin.properties.desired.$version).toBe(1);
    expect(twin.properties.reported.$version).toBe(1);
    await new Promise<void>((resolve, reject) => twin.properties.reported.update({ firmware: '1.0.0' }, (err?: Error) => (err ? reject(err) : resolve())));
    client.onDeviceMethod('reboot', () => undefined);

    const { service } = await openService(hub);
    await service.send(deviceId, message({ messageId: `${deviceId}-after-twin` }));
    expect((await received.waitForMatch((m) => m.messageId === `${deviceId}-after-twin`)).messageId).toBe(`${deviceId}-after-twin`);
    // One more round trip on the connection, after the method subscription or links went out.
    expect((await client.getTwin()).properties.desired.$version).toBe(1);
    expect(disconnects).toBe(0);
    expect(hub.logs.filter((line) => line.includes(deviceId) && /may not|closing|refused|not answered/.test(line))).toEqual([]);
    await service.close();
    await client.close();
  });
});
