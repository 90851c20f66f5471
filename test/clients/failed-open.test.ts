/** A service client whose open fails leaves nothing behind: the SDK client is closed and its listeners gone. */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ServiceClient } from '../../src/clients/service-client.js';
import { parseServiceConnectionString } from '../../src/core/connection-string.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

const iothub = createRequire(import.meta.url)('azure-iothub') as typeof import('azure-iothub');
const WRONG_KEY = Buffer.alloc(32, 1).toString('base64');

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.dispose();
});

it('a refused open closes the SDK client and removes its listeners', async () => {
  const close = vi.spyOn(iothub.Client.prototype, 'close');
  const cs = parseServiceConnectionString(hub.serviceConnectionString());
  await expect(ServiceClient.open({ connectionString: `HostName=${cs.hostName};SharedAccessKeyName=${cs.keyName};SharedAccessKey=${WRONG_KEY}`, ca: hub.caPem })).rejects.toThrow(/refused the key/);
  expect(close).toHaveBeenCalledTimes(1);
  const sdkClient = close.mock.contexts[0] as import('node:events').EventEmitter;
  expect(sdkClient.listenerCount('disconnect')).toBe(0);
  close.mockRestore();
});
