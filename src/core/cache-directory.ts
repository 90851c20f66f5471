/**
 * Where iot-c2d keeps what only makes it start faster (the V8 code cache, the device SDK's platform string):
 * `$XDG_CACHE_HOME/iot-c2d`, or `~/.cache/iot-c2d` when XDG_CACHE_HOME is unset. Deleting it is harmless.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDirectory(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'iot-c2d');
}
