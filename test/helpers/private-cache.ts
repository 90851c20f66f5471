/**
 * The test run's cache directory (XDG_CACHE_HOME), never the user's: the clients keep the device SDK's
 * platform string there (clients/platform-cache.ts). Set up once by vitest (globalSetup), before the test
 * processes start, which inherit it; removed at the end. Tests that start the built command line give it a
 * cache directory of their own too (helpers/cli.ts, pty.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function privateCache(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-test-cache-'));
  process.env.XDG_CACHE_HOME = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
