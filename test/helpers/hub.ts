/** A real embedded hub on an ephemeral port with a temporary state directory, for one test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub } from '../../src/hub/index.js';
import type { Hub, HubOptions } from '../../src/hub/index.js';

export interface TestHub extends Hub {
  /** Lines the hub logged. */
  logs: string[];
  /** Stops the hub and deletes its state. */
  dispose(): Promise<void>;
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'iot-c2d-test-'));
}

export async function startTestHub(options: HubOptions = {}): Promise<TestHub> {
  const stateDir = options.stateDir ?? tempStateDir();
  const logs: string[] = [];
  const hub = await startHub({ port: 0, ...options, stateDir, log: (line) => logs.push(line) });
  return Object.assign(hub, {
    logs,
    dispose: async () => {
      await hub.stop();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  });
}
