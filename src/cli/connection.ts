/**
 * The options every command that talks to a hub shares, and how they become connection details:
 *
 * * `--hub` / `IOTHUB_CONNECTION_STRING`: the service connection string. Without either, the `iot-c2d hub`
 *   running on `--state-dir` (default `$XDG_STATE_HOME/iot-c2d/hub`) is used, found through its `hub.json`,
 *   and stderr says so in one line; when none runs, a usage error (exit 2) says how to start one.
 * * `--device` / `IOTHUB_DEVICE_CONNECTION_STRING`: the device connection string (`receive`).
 * * `--ca <file>`: a PEM CA to trust besides the system roots. Default: the local hub's CA, when the
 *   connection string points at the local hub. TLS verification is never switched off.
 * * `--json`: one JSON object per line on stdout.
 *
 * Connection strings are checked before any connection is tried: a malformed one is a usage error naming
 * the field at fault and where it came from.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { parseDeviceConnectionString, parseServiceConnectionString, splitHostPort } from '../core/connection-string.js';
import type { DeviceConnectionString, ServiceConnectionString } from '../core/connection-string.js';
import type { HubInstance } from '../hub/instance-file.js';
import { note } from './output.js';
import { UsageError } from './usage.js';

export const SERVICE_ENV = 'IOTHUB_CONNECTION_STRING';
export const DEVICE_ENV = 'IOTHUB_DEVICE_CONNECTION_STRING';

const GROUP = 'Connection and output:';

export interface CommonArgs {
  hub?: string;
  ca?: string;
  'state-dir'?: string;
  json: boolean;
}

/** `--hub`, `--ca`, `--state-dir`, `--json`. */
export function hubOptions<T>(y: Argv<T>) {
  return y
    .option('hub', {
      type: 'string',
      group: GROUP,
      describe: `Service connection string (default: $${SERVICE_ENV}, else the local iot-c2d hub)`,
    })
    .option('ca', {
      type: 'string',
      group: GROUP,
      describe: "PEM file of a CA to trust besides the system's (default: the local hub's CA when talking to it)",
    })
    .option('state-dir', {
      type: 'string',
      group: GROUP,
      defaultDescription: '$XDG_STATE_HOME/iot-c2d/hub',
      describe: 'State directory of the local iot-c2d hub to use when no --hub is given',
    })
    .option('json', { type: 'boolean', default: false, group: GROUP, describe: 'One JSON object per line on stdout (README: "JSON output")' });
}

/** `--device`, the device connection string. */
export function deviceOption<T>(y: Argv<T>) {
  return y.option('device', {
    type: 'string',
    group: GROUP,
    describe: `Device connection string (default: $${DEVICE_ENV})`,
  });
}

export interface HubTarget {
  connectionString: string;
  parsed: ServiceConnectionString;
  /** PEM of the extra CA to trust, when there is one. */
  ca?: string;
}

export interface DeviceTarget {
  connectionString: string;
  parsed: DeviceConnectionString;
  ca?: string;
}

/** The hub running on a state directory, as its `hub.json` describes it. */
type LocalHub = HubInstance & { stateDir: string };

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function localHub(stateDirArg: string | undefined): Promise<LocalHub | undefined> {
  const [{ defaultStateDir }, { readHubInstance }] = await Promise.all([import('../hub/defaults.js'), import('../hub/instance-file.js')]);
  const stateDir = stateDirArg ?? defaultStateDir();
  const instance = await readHubInstance(stateDir);
  return instance ? { stateDir, ...instance } : undefined;
}

async function localHubOrExplain(stateDirArg: string | undefined): Promise<LocalHub> {
  const hub = await localHub(stateDirArg);
  if (hub) return hub;
  const { defaultStateDir } = await import('../hub/defaults.js');
  const where = stateDirArg ?? defaultStateDir();
  throw new UsageError(
    `No hub given (--hub or $${SERVICE_ENV}) and no iot-c2d hub is running on ${where}: start one in another terminal (iot-c2d hub --device <id>${stateDirArg ? ` --state-dir ${stateDirArg}` : ''}) or pass --hub <service connection string>.`,
  );
}

/** Reads a PEM CA file; a missing or wrong file is a usage error. */
export function readCa(path: string, whose = 'The CA file'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`${whose} "${path}" cannot be read (${code}): give the PEM file iot-c2d hub prints as "CA:".`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${whose} "${path}" is not a PEM certificate (no "-----BEGIN CERTIFICATE-----"): give the CA file iot-c2d hub prints as "CA:".`);
  }
  return text;
}

/** Is `hostPort` (a connection string's HostName or GatewayHostName) the local hub? */
function pointsAt(hub: LocalHub, hostPort: string): boolean {
  const { host, port } = splitHostPort(hostPort, 0);
  if (!['localhost', '127.0.0.1', '::1', hub.hostName].includes(host)) return false;
  return port === 0 ? hub.ports.includes(8883) || hub.ports.includes(443) || hub.ports.includes(5671) : hub.ports.includes(port);
}

/** The CA to trust for `hostPort`: --ca, else the local hub's when the string points at it. */
async function caFor(args: CommonArgs, hostPorts: string[]): Promise<string | undefined> {
  if (args.ca !== undefined) return readCa(args.ca);
  const hub = await localHub(args['state-dir']);
  if (hub && hostPorts.some((hp) => pointsAt(hub, hp))) return readCa(hub.caPath, "The local hub's CA file");
  return undefined;
}

/** The service side to talk to: --hub, $IOTHUB_CONNECTION_STRING, or the local hub. */
export async function resolveHub(args: CommonArgs, env: NodeJS.ProcessEnv = process.env): Promise<HubTarget> {
  const fromFlag = args.hub !== undefined;
  const given = fromFlag ? args.hub : nonEmpty(env[SERVICE_ENV]);
  if (given !== undefined) {
    const parsed = parseServiceConnectionString(given, `service connection string (${fromFlag ? '--hub' : `$${SERVICE_ENV}`})`);
    const ca = await caFor(args, [parsed.hostName]);
    return { connectionString: given, parsed, ...(ca ? { ca } : {}) };
  }
  const hub = await localHubOrExplain(args['state-dir']);
  note(`no --hub given: using the local hub on localhost:${hub.port} (${hub.stateDir}).`);
  const ca = args.ca !== undefined ? readCa(args.ca) : readCa(hub.caPath, "The local hub's CA file");
  const parsed = parseServiceConnectionString(hub.serviceConnectionString, `service connection string in ${hub.stateDir}/hub.json`);
  return { connectionString: hub.serviceConnectionString, parsed, ca };
}

/** The device connection string from --device or $IOTHUB_DEVICE_CONNECTION_STRING, or undefined. */
export async function resolveDevice(args: CommonArgs & { device?: string }, env: NodeJS.ProcessEnv = process.env): Promise<DeviceTarget | undefined> {
  const fromFlag = args.device !== undefined;
  const given = fromFlag ? args.device : nonEmpty(env[DEVICE_ENV]);
  if (given === undefined) return undefined;
  const parsed = parseDeviceConnectionString(given, `device connection string (${fromFlag ? '--device' : `$${DEVICE_ENV}`})`);
  const ca = await caFor(args, [parsed.gatewayHostName ?? parsed.hostName]);
  return { connectionString: given, parsed, ...(ca ? { ca } : {}) };
}
