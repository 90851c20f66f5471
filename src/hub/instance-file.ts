/**
 * `hub.json` in the state directory: how to reach the hub that runs on it (pid, port, CA, service connection
 * string). Written at start (mode 0600, as it holds a key), removed at stop. It lets a second `iot-c2d` find
 * the running hub instead of starting another on the same state, and lets scripts use it without flags.
 *
 * The file is information only: whether that hub still runs is asked of the hub itself (liveness.ts), as a
 * hub killed with SIGKILL leaves its hub.json behind, naming a pid that may belong to anything by now.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { askPresence } from './liveness.js';

export interface HubInstance {
  pid: number;
  /** Which program runs it (`iot-c2d hub`, `iot-c2d tui`); absent in files of older versions. */
  owner?: string;
  port: number;
  ports: number[];
  hostName: string;
  caPath: string;
  serviceConnectionString: string;
  startedAt: string;
}

const FILE = 'hub.json';

/** What `hub.json` says, whether or not that hub still runs. */
export function readHubFile(stateDir: string): HubInstance | undefined {
  try {
    return JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as HubInstance;
  } catch {
    return undefined;
  }
}

/** The hub running on `stateDir`: the one that answers on its socket, as its `hub.json` describes it. */
export async function readHubInstance(stateDir: string): Promise<HubInstance | undefined> {
  const presence = await askPresence(stateDir);
  if (!presence) return undefined;
  const instance = readHubFile(stateDir);
  // A hub that has just claimed the directory writes its file a moment later.
  return instance && instance.pid === presence.pid ? instance : undefined;
}

export function writeHubInstance(stateDir: string, instance: HubInstance): void {
  writeFileSync(join(stateDir, FILE), `${JSON.stringify(instance, null, 2)}\n`, { mode: 0o600 });
}

export function removeHubInstance(stateDir: string): void {
  rmSync(join(stateDir, FILE), { force: true });
}
