/**
 * `mkdir -p` that fails instead of spinning. Node 20's `mkdirSync(path, { recursive: true })` loops forever,
 * at full CPU, when a parent exists but refuses the child with ENOENT (`/proc/nope/x`: /proc exists, and
 * mkdir /proc/nope says ENOENT): it takes ENOENT to mean "make the parent first", finds the parent there, and
 * tries again. This makes each missing directory in turn, from the top, and throws the first refusal.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function makeDirectory(path: string, mode?: number): void {
  const missing: string[] = [];
  for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, mode === undefined ? {} : { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
