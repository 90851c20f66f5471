/** The SDK's own `Registry` (azure-iothub), unwrapped, pointed at a test hub: for tests of the REST API as the SDK uses it. */
import { createRequire } from 'node:module';
import type { Registry } from 'azure-iothub';
import { HubAgent, caBundle } from '../../src/clients/trust.js';
import type { Hub } from '../../src/hub/index.js';

const require = createRequire(import.meta.url);

export function sdkRegistry(hub: Hub): Registry {
  const iothub = require('azure-iothub') as typeof import('azure-iothub');
  const registry = iothub.Registry.fromConnectionString(hub.serviceConnectionString());
  const agent = new HubAgent({ ca: caBundle(hub.caPem) as string });
  (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent } });
  return registry;
}
