/**
 * Issue: the embedded hub: feedback records are batched; by default a batch leaves within milliseconds of
 * its first record, and `feedbackDelayMs` (`--feedback-delay`) holds it longer, as Azure does.
 */
import { expect, it } from 'vitest';
import { ServiceClient } from '../../src/clients/service-client.js';
import type { FeedbackBatch } from '../../src/clients/types.js';
import { message, openDevice } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import { Collector } from '../helpers/wait.js';

it('with a feedback delay, records of messages completed within the delay arrive in one batch', async () => {
  const hub = await startTestHub({ feedbackDelayMs: 500, devices: ['batched'] });
  const service = await ServiceClient.open({ connectionString: hub.serviceConnectionString(), ca: hub.caPem });
  const batches = new Collector<FeedbackBatch>();
  await service.startFeedback(batches.push);
  const { device, received } = await openDevice(hub, 'batched');
  for (const id of ['b-1', 'b-2', 'b-3']) await service.send('batched', message({ messageId: id, ack: 'full' }));
  await received.waitForCount(3);
  const [batch] = await batches.waitForCount(1);
  expect(batch?.records.map((r) => r.originalMessageId)).toEqual(['b-1', 'b-2', 'b-3']);
  await device.close();
  await service.close();
  await hub.dispose();
});
