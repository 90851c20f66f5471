/**
 * The device SDK's mqtt-packet writes numbers without its 65,536-buffer cache (device-client.ts): a device over
 * MQTT still gets messages with their ids and properties, and settles them, the cache never filled.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

const require = createRequire(import.meta.url);
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.dispose();
});

it('an MQTT device receives messages in order, with the SDK writing its numbers uncached', async () => {
  const { service, feedback } = await openService(hub);
  const { device, received } = await openDevice(hub, 'numbers', { transport: 'mqtt' });
  try {
    for (let i = 0; i < 5; i++) await service.send('numbers', message({ messageId: `n-${i}`, ack: 'full', properties: [['i', String(i)]] }));
    for (let i = 0; i < 5; i++) expect((await received.waitForMatch((m) => m.messageId === `n-${i}`, 15_000)).properties).toContainEqual(['i', String(i)]);
    // Completed over MQTT (the PUBACK, written with its packet id): the hub's feedback says so.
    expect((await feedback.waitForMatch((r) => r.originalMessageId === 'n-4', 15_000)).statusCode).toBe('Success');
    const mqttJs = createRequire(require.resolve('azure-iot-mqtt-base')).resolve('mqtt');
    const packet = createRequire(mqttJs)('mqtt-packet') as { writeToStream: { cacheNumbers: boolean } };
    const numbers = createRequire(createRequire(mqttJs).resolve('mqtt-packet'))('./numbers.js') as { cache: Record<number, Buffer> };
    expect(packet.writeToStream.cacheNumbers).toBe(false);
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  } finally {
    await device.close();
    await service.close();
  }
});
