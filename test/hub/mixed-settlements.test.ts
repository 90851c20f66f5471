/**
 * Outcomes settled in the same tick stay distinct. rhea (3.0.5, and 1.0.24 inside the SDKs) merged
 * consecutive dispositions with different outcomes into one range when the range held a single delivery,
 * so "complete A, reject B" reached the other side as "complete A and B". scripts/patch-rhea.mjs applies
 * the upstream fix at install time; this test fails without it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServiceClient } from '../../src/clients/service-client.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';

let hub: TestHub;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['mixed'] });
  ({ service, feedback } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

it('a device that completes one message and rejects the next in the same tick gives Success and Rejected', async () => {
  const { device, received } = await openDevice(hub, 'mixed', { transport: 'amqp', autoComplete: false });
  for (let pair = 0; pair < 5; pair++) {
    await service.send('mixed', message({ messageId: `ok-${pair}`, ack: 'full' }));
    await service.send('mixed', message({ messageId: `no-${pair}`, ack: 'full' }));
  }
  const all = await received.waitForCount(10);
  // Settle every pair without yielding in between: the dispositions leave in one batch.
  const settles = all.map((m) => device.settle(m.id, m.messageId?.startsWith('ok-') ? 'complete' : 'reject'));
  await Promise.all(settles);
  for (let pair = 0; pair < 5; pair++) {
    expect((await feedback.waitForMatch((r) => r.originalMessageId === `ok-${pair}`)).statusCode).toBe('Success');
    expect((await feedback.waitForMatch((r) => r.originalMessageId === `no-${pair}`)).statusCode).toBe('Rejected');
  }
  await device.close();
});
