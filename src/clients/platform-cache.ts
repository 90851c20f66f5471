/**
 * The device SDK's platform string, kept between runs. On Linux, azure-iot-common's `getAgentPlatformString`
 * (device-sdk-start.ts) stats release files one after another and runs `lsb_release -a` in a shell, before a
 * device's first CONNECT can go out: ~40 ms on a quiet machine, ~100 ms while the TUI starts. Its answer is
 * kept in `$XDG_CACHE_HOME/iot-c2d/platform.json` (`~/.cache` when XDG_CACHE_HOME is unset) with the facts it
 * was worked out from: the Node version, the architecture, the system's name and release (elsewhere than
 * Linux, the whole answer), and the size, time and inode of every file the lookup reads or runs on Linux
 * (getos's release files, os-release, the `lsb_release` the PATH leads to). The kept answer is used only
 * while those facts are the same, so the SDK sends the very string it would have worked out itself.
 * Anything that goes wrong (no cache directory, a damaged file) only means asking the SDK.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { arch, release, type } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { cacheDirectory } from '../core/cache-directory.js';
import { makeDirectory } from '../core/make-directory.js';

export interface PlatformCache {
  /** The kept answer, if it was worked out from the facts as they are now. */
  readonly known: string | undefined;
  /** Keep the SDK's answer for the next run. */
  keep(platform: string): void;
}

/** What the lookup's answer depends on, as one string: any change to it means asking the SDK again. */
export function platformFacts(releaseFiles: readonly string[]): string {
  const stats = (file: string): [number, number, number] | undefined => {
    const stat = statSync(file, { throwIfNoEntry: false });
    return stat?.isFile() ? [stat.mtimeMs, stat.size, stat.ino] : undefined;
  };
  const present = [...new Set([...releaseFiles, '/etc/os-release', '/usr/lib/os-release'])].flatMap((file) => {
    const stat = stats(file);
    return stat ? [[file, ...stat]] : [];
  });
  // The `lsb_release` the shell runs: the first on the PATH, whichever directory (PATHs differ between shells).
  let lsbRelease: [number, number, number] | undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && (lsbRelease = stats(join(dir, 'lsb_release')))) break;
  return JSON.stringify([process.version, arch(), type(), release(), present, lsbRelease ?? 0]);
}

/** The cache for the facts `releaseFiles` give (getos's list of release files). */
export function platformCache(releaseFiles: readonly string[], file = join(cacheDirectory(), 'platform.json')): PlatformCache {
  let facts: string;
  try {
    facts = platformFacts(releaseFiles);
  } catch {
    return { known: undefined, keep: () => {} };
  }
  let known: string | undefined;
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { facts?: unknown; platform?: unknown };
    if (kept.facts === facts && typeof kept.platform === 'string') known = kept.platform;
  } catch {
    // No cache yet, or a damaged one: the SDK is asked.
  }
  return {
    known,
    keep(platform) {
      if (platform === known) return;
      try {
        makeDirectory(dirname(file), 0o700);
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify({ facts, platform }));
        renameSync(temporary, file);
      } catch {
        // Not kept: the next run asks the SDK again.
      }
    },
  };
}
