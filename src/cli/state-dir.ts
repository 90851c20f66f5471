/**
 * A directory the command is about to write to (the state directory, its `devices/`), made now if it must
 * be: one that cannot be made or written is a usage error in one line, before anything else happens (as
 * `iot-c2d hub --state-dir` says it).
 */
import { accessSync, constants } from 'node:fs';
import { makeDirectory } from '../core/make-directory.js';
import { UsageError } from './usage.js';

export function usableDirectory(dir: string, label = 'The state directory'): void {
  try {
    makeDirectory(dir, 0o700);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const cannot = code === 'ENOENT' || code === 'ENOTDIR' ? `be created (${code}): check the path` : `be written (${code}): make it writable`;
    throw new UsageError(`${label} ${dir} cannot ${cannot}, or give another --state-dir.`);
  }
}
