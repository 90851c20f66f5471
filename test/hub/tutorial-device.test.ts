/**
 * The tutorial's simulated device (Microsoft's "Send cloud-to-device messages" with Node.js): one SDK Client
 * that sends telemetry with `sendEvent` every so often and receives C2D messages, on MQTT, AMQP and HTTP (over WebSockets the same frames go the same way). The hub
 * serves C2D and takes telemetry without keeping it (README), but a device's `sendEvent` must succeed, or the
 * tutorial's device stops at its first event. Over HTTP it failed (404: no /devices/{id}/messages/events).
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client as SdkDeviceClient, Message as SdkMessage } from 'azure-iot-device';
import { HubAgent, caBundle } from '../../src/clients/trust.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { Collector } from '../helpers/wait.js';

const require = createRequire(import.meta.url);
const deviceSdk = require('azure-iot-device') as typeof import('azure-iot-device');
const transports = {
  mqtt: (require('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt')).Mqtt,
  amqp: (require('azure-iot-device-amqp') as typeof import('azure-iot-device-amqp')).Amqp,
  http: (require('azure-iot-device-http') as typeof import('azure-iot-device-http')).Http,
};

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: Object.keys(transports).map((t) => `sim-${t}`) });
});
afterAll(async () => hub?.dispose());

describe.each(Object.keys(transports) as Array<keyof typeof transports>)('the tutorial device over %s', (transport) => {
  it('sends telemetry (sendEvent and sendEventBatch succeed) and receives a C2D message on the same client', async () => {
    const deviceId = `sim-${transport}`;
    const client: SdkDeviceClient = deviceSdk.Client.fromConnectionString(hub.deviceConnectionString(deviceId), transports[transport]);
    const ca = caBundle(hub.caPem) as string;
    // The SDK's HTTP transport goes to HostName (localhost:443); the agent takes it to the test port.
    const http = { agent: new HubAgent({ ca, gateway: `localhost:${hub.port}` }), receivePolicy: { interval: 1 } };
    await client.setOptions({ ca, ...(transport === 'http' ? { http } : {}) } as never);
    const received = new Collector<SdkMessage>();
    client.on('message', (m: SdkMessage) => {
      received.push(m);
      client.complete(m, () => undefined);
    });
    client.on('error', () => undefined);
    await client.open();

    const event = new deviceSdk.Message(JSON.stringify({ deviceId, windSpeed: 10.5, temperature: 21 }));
    event.properties.add('temperatureAlert', 'false');
    await expect(client.sendEvent(event)).resolves.toBeDefined();
    if (transport === 'http') {
      // Only the SDK's HTTP transport sends batches (MQTT and AMQP throw NotImplementedError).
      await expect(client.sendEventBatch([new deviceSdk.Message('a'), new deviceSdk.Message('b')])).resolves.toBeDefined();
    }

    const { service } = await openService(hub);
    await service.send(deviceId, message({ messageId: `${deviceId}-c2d`, payload: Buffer.from('Cloud to device message.') }));
    const got = await received.waitForMatch((m) => m.messageId === `${deviceId}-c2d`);
    expect(got.getData().toString()).toBe('Cloud to device message.');
    // Telemetry again, after the C2D message: the client is still usable both ways.
    await expect(client.sendEvent(new deviceSdk.Message('after'))).resolves.toBeDefined();
    await service.close();
    await client.close();
  });
});
