/**
 * Many sends at once on a fresh connection (`send` from a script, the TUI's repeat with up to 256 in flight):
 * all arrive, and the SDK's C2D sender link gets its 'error' listener once, not once per send that raced its
 * attach (Node warned: MaxListenersExceededWarning, 11 error listeners added to [SenderLink]).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServiceClient } from '../../src/clients/service-client.js';
import { message } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);

beforeAll(async () => {
  hub = await startTestHub({ devices: ['many'] });
  process.on('warning', onWarning);
});
afterAll(async () => {
  process.off('warning', onWarning);
  await hub?.dispose();
});

const errorListenersOfLink = (service: ServiceClient): number =>
  (service as unknown as { client: { _transport: { _c2dLink: NodeJS.EventEmitter } } }).client._transport._c2dLink.listenerCount('error');

it('40 sends started together on a new connection: all enqueued, as many error listeners on the C2D link as after one send, no leak warning', async () => {
  const single = await ServiceClient.open({ connectionString: hub.serviceConnectionString(), ca: hub.caPem });
  await single.send('many', message({ messageId: 'one', ack: 'none' }));
  const afterOne = errorListenersOfLink(single);
  await single.close();
  const service = await ServiceClient.open({ connectionString: hub.serviceConnectionString(), ca: hub.caPem });
  try {
    const ids = Array.from({ length: 40 }, (_, i) => `many-${i}`);
    const results = await Promise.all(ids.map((id) => service.send('many', message({ messageId: id, ack: 'none' }))));
    expect(results.map((r) => r.messageId)).toEqual(ids);
    expect(hub.queueDepth('many')).toBe(41);
    expect(errorListenersOfLink(service)).toBe(afterOne);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  } finally {
    await service.close();
  }
});
