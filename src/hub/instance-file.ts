/**
 * `hub.json` in the state directory: how to reach the hub that runs on it (pid, port, CA, service connection
 * string). Written at start (mode 0600, as it holds a key), removed at stop. It lets a second `iot-c2d` find
 * the running hub instead of starting another on the same state, and lets scripts use it without flags.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HubInstance {
  pid: number;
  port: number;
  ports: number[];
  hostName: string;
  caPath: string;
  serviceConnectionString: string;
  startedAt: string;
}

const FILE = 'hub.json';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The hub running on `stateDir`, if its process is still alive. */
export function readHubInstance(stateDir: string): HubInstance | undefined {
  try {
    const instance = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as HubInstance;
    return alive(instance.pid) ? instance : undefined;
  } catch {
    return undefined;
  }
}

export function writeHubInstance(stateDir: string, instance: HubInstance): void {
  writeFileSync(join(stateDir, FILE), `${JSON.stringify(instance, null, 2)}\n`, { mode: 0o600 });
}

export function removeHubInstance(stateDir: string): void {
  rmSync(join(stateDir, FILE), { force: true });
}
