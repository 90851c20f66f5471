/**
 * Issue: every device transport, acceptance 1-3: MQTT, MQTT over WebSockets, AMQP, AMQP over WebSockets and
 * HTTP each receive C2D messages intact; AMQP and HTTP settle them (complete, reject, abandon) with IoT Hub's
 * feedback; purge empties a queue with Purged feedback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClient } from '../../src/clients/service-client.js';
import type { DeviceTransport, FeedbackRecord } from '../../src/core/types.js';
import { message, openDevice, openRegistry, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';

const MAX_DELIVERY_COUNT = 3;
let hub: TestHub;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;

beforeAll(async () => {
  hub = await startTestHub({ maxDeliveryCount: MAX_DELIVERY_COUNT });
  ({ service, feedback } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

const statusOf = (id: string): Promise<string> => feedback.waitForMatch((r) => r.originalMessageId === id).then((r) => r.statusCode);

describe.each<DeviceTransport>(['mqtt', 'mqtt-ws', 'amqp', 'amqp-ws', 'http'])('a device over %s', (transport) => {
  it('receives the message with payload, ids and properties intact, and completing it gives Success', async () => {
    const deviceId = `t-${transport}`;
    const { device, received } = await openDevice(hub, deviceId, { transport });
    const id = `${transport}-1`;
    await service.send(
      deviceId,
      message({ messageId: id, correlationId: `c-${transport}`, payload: Buffer.from('{"n":1}'), ack: 'full', properties: [['k1', 'v1'], ["sp!#$%&'*+-.^_`|~", 'x']] }),
    );
    const got = await received.waitForMatch((m) => m.messageId === id);
    expect(got.payload.toString()).toBe('{"n":1}');
    expect(got.correlationId).toBe(`c-${transport}`);
    // HTTP headers are case-insensitive: IoT Hub's HTTP transport reports property names in lower case.
    expect(got.properties).toContainEqual(['k1', 'v1']);
    expect(got.properties.map(([k]) => k)).toContain("sp!#$%&'*+-.^_`|~");
    expect(await statusOf(id)).toBe('Success');
    await device.close();
  });
});

describe.each<DeviceTransport>(['amqp', 'http'])('settling by hand over %s', (transport) => {
  it('abandon then complete: the same message comes back, then Success', async () => {
    const deviceId = `s1-${transport}`;
    const { device, received } = await openDevice(hub, deviceId, { transport, autoComplete: false });
    await service.send(deviceId, message({ messageId: `${deviceId}-m`, ack: 'full' }));
    const first = await received.waitForMatch((m) => m.messageId === `${deviceId}-m`);
    await device.settle(first.id, 'abandon');
    const again = await received.waitForMatch((m) => m.messageId === `${deviceId}-m` && m.id !== first.id);
    await device.settle(again.id, 'complete');
    expect(await statusOf(`${deviceId}-m`)).toBe('Success');
    await device.close();
  });

  it('abandon then reject gives Rejected', async () => {
    const deviceId = `s2-${transport}`;
    const { device, received } = await openDevice(hub, deviceId, { transport, autoComplete: false });
    await service.send(deviceId, message({ messageId: `${deviceId}-m`, ack: 'negative' }));
    const first = await received.waitForMatch((m) => m.messageId === `${deviceId}-m`);
    await device.settle(first.id, 'abandon');
    const again = await received.waitForMatch((m) => m.messageId === `${deviceId}-m` && m.id !== first.id);
    await device.settle(again.id, 'reject');
    expect(await statusOf(`${deviceId}-m`)).toBe('Rejected');
    expect(hub.queueDepth(deviceId)).toBe(0);
    await device.close();
  });

  it(`abandoning ${MAX_DELIVERY_COUNT} times dead-letters with DeliveryCountExceeded`, async () => {
    const deviceId = `s3-${transport}`;
    const { device, received } = await openDevice(hub, deviceId, { transport, autoComplete: false });
    const id = `${deviceId}-m`;
    await service.send(deviceId, message({ messageId: id, ack: 'full' }));
    for (let n = 1; n <= MAX_DELIVERY_COUNT; n++) {
      const copy = await received.waitForCount(n);
      await device.settle((copy[n - 1] as { id: number }).id, 'abandon');
    }
    expect(await statusOf(id)).toBe('DeliveryCountExceeded');
    expect(received.items.filter((m) => m.messageId === id)).toHaveLength(MAX_DELIVERY_COUNT);
    await device.close();
  });
});

it('purges a queue of 10 messages: 10 Purged records, an empty queue, and the REST call reports 10', async () => {
  const registry = openRegistry(hub);
  await registry.create('purge-me');
  const ids = Array.from({ length: 10 }, (_, i) => `purge-${i}`);
  for (const id of ids) await service.send('purge-me', message({ messageId: id, ack: 'full' }));
  expect((await registry.get('purge-me')).cloudToDeviceMessageCount).toBe(10);
  expect(await registry.purge('purge-me')).toBe(10);
  for (const id of ids) expect(await statusOf(id)).toBe('Purged');
  expect((await registry.get('purge-me')).cloudToDeviceMessageCount).toBe(0);
});

it('a lock that times out requeues the message without counting a delivery', async () => {
  const quick = await startTestHub({ lockTimeoutMs: 300, maxDeliveryCount: 2 });
  const { service: svc, feedback: fb } = await openService(quick);
  const { device, received } = await openDevice(quick, 'locked', { transport: 'amqp', autoComplete: false });
  await svc.send('locked', message({ messageId: 'lock-1', ack: 'full' }));
  await received.waitForCount(1);
  // Not settled: the lock expires and the hub delivers it again, without counting.
  const second = (await received.waitForCount(2))[1] as { id: number; messageId?: string };
  expect(second.messageId).toBe('lock-1');
  // One abandon now: with max delivery count 2 it comes back (a counted lock timeout would dead-letter it).
  await device.settle(second.id, 'abandon');
  const third = (await received.waitForCount(3))[2] as { id: number };
  await device.settle(third.id, 'complete');
  expect((await fb.waitForMatch((r) => r.originalMessageId === 'lock-1')).statusCode).toBe('Success');
  await device.close();
  await svc.close();
  await quick.dispose();
});
