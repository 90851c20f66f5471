/**
 * The device SDK's user agent names the platform (azure-iot-common's getAgentPlatformString, which on Linux runs
 * `lsb_release`): device-client.ts asks once when loaded and shares that answer. It must be the SDK's own.
 */
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import '../../src/clients/device-client.js';

const require = createRequire(import.meta.url);
type PlatformString = (done: (platform: string) => void) => void;
const ask = (fn: PlatformString): Promise<string> => new Promise((resolve) => fn(resolve));

it('every device transport gets the platform string the SDK itself works out, from one lookup', async () => {
  const common = require('azure-iot-common') as { getAgentPlatformString: PlatformString };
  const sdkOwn = (require('azure-iot-common/dist/utils.js') as { getAgentPlatformString: PlatformString }).getAgentPlatformString;
  expect(common.getAgentPlatformString).not.toBe(sdkOwn);
  const [shared1, shared2, own] = await Promise.all([ask(common.getAgentPlatformString), ask(common.getAgentPlatformString), ask(sdkOwn)]);
  expect(shared1).toBe(own);
  expect(shared2).toBe(own);
  expect(own).toMatch(/^node v\d+/);
  const { getUserAgentString } = require('azure-iot-device') as { getUserAgentString(done: (agent: string) => void): void };
  expect(await new Promise<string>((resolve) => getUserAgentString(resolve))).toContain(`(${own})`);
});
