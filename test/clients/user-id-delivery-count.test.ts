/**
 * What the SDKs leave out, filled in at the clients layer: a C2D message's `userId` from the service (the
 * AMQP user_id property), and on the device its `userId` and the hub's delivery count (AMQP header
 * delivery-count, HTTP iothub-deliverycount). The real SDK clients against the real hub.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceTransport } from '../../src/core/types.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
let close: Array<() => Promise<void>> = [];
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  for (const c of close) await c();
  close = [];
  await hub?.dispose();
});

describe('userId and delivery count', () => {
  for (const transport of ['amqp', 'http'] as DeviceTransport[]) {
    it(`${transport}: the userId the service set arrives; an abandoned message comes back with delivery count 1`, async () => {
      const { service, feedback } = await openService(hub);
      const { device, received } = await openDevice(hub, `uid-${transport}`, { transport, autoComplete: false });
      close.push(() => device.close(), () => service.close());
      await service.send(`uid-${transport}`, message({ messageId: `m-${transport}`, userId: 'ops-team' }));
      const first = await received.waitForMatch((m) => m.messageId === `m-${transport}`, 15_000);
      expect(first.userId).toBe('ops-team');
      expect(first.deliveryCount).toBe(0);
      await device.settle(first.id, 'abandon');
      const again = await received.waitForMatch((m) => m.messageId === `m-${transport}` && m.id !== first.id, 15_000);
      expect(again.deliveryCount).toBe(1);
      expect(again.userId).toBe('ops-team');
      await device.settle(again.id, 'complete');
      expect((await feedback.waitForMatch((r) => r.originalMessageId === `m-${transport}`, 15_000)).statusCode).toBe('Success');
    });
  }

  it('mqtt: the userId arrives ($.uid); MQTT has no delivery count', async () => {
    const { service } = await openService(hub);
    const { device, received } = await openDevice(hub, 'uid-mqtt', { transport: 'mqtt' });
    close.push(() => device.close(), () => service.close());
    await service.send('uid-mqtt', message({ messageId: 'm-mqtt', userId: 'ops-team' }));
    const got = await received.waitForMatch((m) => m.messageId === 'm-mqtt', 15_000);
    expect(got.userId).toBe('ops-team');
    expect(got.deliveryCount).toBeUndefined();
  });

  it('a message sent without a userId arrives without one', async () => {
    const { service } = await openService(hub);
    const { device, received } = await openDevice(hub, 'uid-none', { transport: 'amqp' });
    close.push(() => device.close(), () => service.close());
    await service.send('uid-none', message({ messageId: 'm-none' }));
    const got = await received.waitForMatch((m) => m.messageId === 'm-none', 15_000);
    expect(got.userId).toBeUndefined();
    expect(got.deliveryCount).toBe(0);
  });
});
