/** Where the embedded hub listens and keeps its state by default. Light to import (no protocol stacks). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_PORT = 8883;
/** With `standardPorts`, the hub also listens where unmodified clients look: AMQPS and HTTPS. */
export const STANDARD_EXTRA_PORTS = [5671, 443];

/** `$XDG_STATE_HOME/iot-c2d/hub`, else `~/.local/state/iot-c2d/hub`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'iot-c2d', 'hub');
}
