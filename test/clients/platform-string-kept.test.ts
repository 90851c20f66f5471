/**
 * A platform string kept by an earlier run (platform-cache.ts) is what the device transports get, at once,
 * without the SDK's lookup, when the files it was worked out from are unchanged. (The marker below stands in
 * for the SDK's answer so that the test can tell where the answer came from.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { platformCache } from '../../src/clients/platform-cache.js';

const require = createRequire(import.meta.url);
type PlatformString = (done: (platform: string) => void) => void;

const home = mkdtempSync(join(tmpdir(), 'iot-c2d-platform-kept-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('a kept answer reaches the user agent at once, without asking the SDK', async () => {
  const releaseFiles = Object.keys(require(createRequire(require.resolve('azure-iot-common')).resolve('getos/os.json')) as object);
  platformCache(releaseFiles, join(home, 'iot-c2d', 'platform.json')).keep('node v0-kept; Kept 1; x64');
  process.env.XDG_CACHE_HOME = home;
  await import('../../src/clients/device-client.js');
  const common = require('azure-iot-common') as { getAgentPlatformString: PlatformString };
  let answer: string | undefined;
  common.getAgentPlatformString((platform) => (answer = platform));
  expect(answer).toBe('node v0-kept; Kept 1; x64');
  const { getUserAgentString } = require('azure-iot-device') as { getUserAgentString(done: (agent: string) => void): void };
  expect(await new Promise<string>((resolve) => getUserAgentString(resolve))).toContain('(node v0-kept; Kept 1; x64)');
});
