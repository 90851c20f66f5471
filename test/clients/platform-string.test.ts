/**
 * The device SDK's user agent names the platform (azure-iot-common's getAgentPlatformString, which on Linux runs
 * `lsb_release`): device-client.ts shares one answer, kept between runs while what it depends on is unchanged
 * (platform-cache.ts). It must be the SDK's own.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { platformCache, platformFacts } from '../../src/clients/platform-cache.js';

const require = createRequire(import.meta.url);
type PlatformString = (done: (platform: string) => void) => void;
const ask = (fn: PlatformString): Promise<string> => new Promise((resolve) => fn(resolve));
const sdkOwn = (require('azure-iot-common/dist/utils.js') as { getAgentPlatformString: PlatformString }).getAgentPlatformString;

const home = mkdtempSync(join(tmpdir(), 'iot-c2d-platform-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const releaseFiles = [join(home, 'release-a'), join(home, 'release-b')];
const cacheFile = join(home, 'cache', 'platform.json');

it('every device transport gets the platform string the SDK itself works out, from one lookup, and it is kept', async () => {
  process.env.XDG_CACHE_HOME = home;
  await import('../../src/clients/device-client.js');
  const common = require('azure-iot-common') as { getAgentPlatformString: PlatformString };
  expect(common.getAgentPlatformString).not.toBe(sdkOwn);
  const [shared1, shared2, own] = await Promise.all([ask(common.getAgentPlatformString), ask(common.getAgentPlatformString), ask(sdkOwn)]);
  expect(shared1).toBe(own);
  expect(shared2).toBe(own);
  expect(own).toMatch(/^node v\d+/);
  const { getUserAgentString } = require('azure-iot-device') as { getUserAgentString(done: (agent: string) => void): void };
  expect(await new Promise<string>((resolve) => getUserAgentString(resolve))).toContain(`(${own})`);
  expect(JSON.parse(readFileSync(join(home, 'iot-c2d', 'platform.json'), 'utf8'))).toMatchObject({ platform: own });
});

it('a kept answer is used while the files it was worked out from are unchanged, and only then', () => {
  writeFileSync(releaseFiles[0]!, 'Debian 12\n');
  expect(platformCache(releaseFiles, cacheFile).known).toBeUndefined();
  platformCache(releaseFiles, cacheFile).keep('node v20; Debian 12; x64');
  expect(platformCache(releaseFiles, cacheFile).known).toBe('node v20; Debian 12; x64');
  // The distribution upgraded: the release file changed size.
  writeFileSync(releaseFiles[0]!, 'Debian 13.1\n');
  expect(platformCache(releaseFiles, cacheFile).known).toBeUndefined();
  platformCache(releaseFiles, cacheFile).keep('node v20; Debian 13; x64');
  expect(platformCache(releaseFiles, cacheFile).known).toBe('node v20; Debian 13; x64');
  // Another distribution's release file appeared.
  writeFileSync(releaseFiles[1]!, 'Fedora\n');
  expect(platformCache(releaseFiles, cacheFile).known).toBeUndefined();
});

it('the facts name the lsb_release the PATH leads to, not the PATH itself', () => {
  const path = process.env.PATH;
  const dir = (name: string, program?: string): string => {
    mkdirSync(join(home, name));
    if (program !== undefined) writeFileSync(join(home, name, 'lsb_release'), program);
    return join(home, name);
  };
  const [empty, debian, other] = [dir('empty'), dir('debian', '#!/bin/sh\n'), dir('other', '#!/bin/sh\necho other\n')];
  try {
    process.env.PATH = debian;
    const facts = platformFacts(releaseFiles);
    process.env.PATH = `${empty}:${debian}:${other}`;
    expect(platformFacts(releaseFiles)).toBe(facts);
    process.env.PATH = `${other}:${debian}`;
    expect(platformFacts(releaseFiles)).not.toBe(facts);
    process.env.PATH = empty;
    expect(platformFacts(releaseFiles)).not.toBe(facts);
  } finally {
    process.env.PATH = path;
  }
});

it('a damaged or unwritable cache only means asking the SDK', () => {
  writeFileSync(cacheFile, '{"facts": [');
  expect(platformCache(releaseFiles, cacheFile).known).toBeUndefined();
  const blocked = join(home, 'a-file');
  writeFileSync(blocked, '');
  const unwritable = platformCache(releaseFiles, join(blocked, 'platform.json'));
  expect(() => unwritable.keep('node v20; Debian 12; x64')).not.toThrow();
  expect(platformCache(releaseFiles, join(blocked, 'platform.json')).known).toBeUndefined();
});
