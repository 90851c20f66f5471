/**
 * Several service clients reading feedback from one hub: each record goes to the reader that sent its
 * message while that reader is connected; records whose sender reads no feedback go to any reader.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServiceClient } from '../../src/clients/service-client.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['shared'] });
});
afterAll(async () => {
  await hub?.dispose();
});

it('each reader gets the records of its own messages; a non-reader’s records go to a reader', async () => {
  const { device } = await openDevice(hub, 'shared');
  const a = await openService(hub);
  const b = await openService(hub);
  const quiet = await ServiceClient.open({ connectionString: hub.serviceConnectionString(), ca: hub.caPem });
  const ids = (who: string): string[] => Array.from({ length: 12 }, (_, i) => `${who}-${i}`);
  for (let i = 0; i < 12; i++) {
    // Interleaved, so that any batch of records mixes the senders.
    await a.service.send('shared', message({ messageId: `a-${i}`, ack: 'full' }));
    await b.service.send('shared', message({ messageId: `b-${i}`, ack: 'full' }));
    await quiet.send('shared', message({ messageId: `q-${i}`, ack: 'full' }));
  }
  for (const id of ids('a')) await a.feedback.waitForMatch((r) => r.originalMessageId === id);
  for (const id of ids('b')) await b.feedback.waitForMatch((r) => r.originalMessageId === id);
  const elsewhere = (items: Array<{ originalMessageId: string }>, other: string): string[] => items.map((r) => r.originalMessageId).filter((id) => id.startsWith(other));
  // Nobody reads for "quiet": its records went to a or b, each exactly once.
  for (const id of ids('q')) {
    await expect.poll(() => [...a.feedback.items, ...b.feedback.items].filter((r) => r.originalMessageId === id).length).toBe(1);
  }
  expect(elsewhere(a.feedback.items, 'b-')).toEqual([]);
  expect(elsewhere(b.feedback.items, 'a-')).toEqual([]);
  await quiet.close();
  await a.service.close();
  await b.service.close();
  await device.close();
});
