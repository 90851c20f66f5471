/**
 * `iot-c2d device create|list|show|delete`: the hub's identity registry. `create` prints the new device's
 * connection string on stdout (alone, so `$(iot-c2d device create x)` captures it); keys are masked on a
 * terminal unless --show-keys, and printed in full when stdout is not a terminal.
 */
import type { Argv, CommandModule } from 'yargs';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceInfo, RegistrySide } from '../../clients/types.js';
import { checkId } from '../../core/iothub-names.js';
import { hubOptions, resolveHub } from '../connection.js';
import type { CommonArgs } from '../connection.js';
import { explainFailure } from '../failures.js';
import { displayText } from '../../core/display-text.js';
import { Output, connectionStringForDisplay, fullKeys, note } from '../output.js';
import { EXIT, UsageError } from '../usage.js';
import { usableDirectory } from '../state-dir.js';

interface DeviceArgs extends CommonArgs {
  deviceId: string;
  'show-keys': boolean;
  x509?: 'self-signed' | 'ca';
  'ca-cert'?: string;
  'ca-key'?: string;
}

/** A device as `--json` prints it. */
export interface DeviceLine {
  type: 'device';
  deviceId: string;
  status: string;
  connectionState: string;
  cloudToDeviceMessageCount: number;
  generationId: string;
  /** create and show only; the key masked unless printed in full (see fullKeys). */
  connectionString?: string;
  /** create --x509 only: where the device's certificate and key were written, and the certificate's SHA-1 thumbprint. */
  certPath?: string;
  keyPath?: string;
  thumbprint?: string;
}

export interface DeletedLine {
  type: 'deleted';
  deviceId: string;
}

function deviceLine(info: DeviceInfo, connectionString?: string): DeviceLine {
  const line: DeviceLine = {
    type: 'device',
    deviceId: info.deviceId,
    status: info.status,
    connectionState: info.connectionState,
    cloudToDeviceMessageCount: info.cloudToDeviceMessageCount,
    generationId: info.generationId,
  };
  if (connectionString !== undefined) line.connectionString = connectionString;
  return line;
}

async function openRegistry(args: CommonArgs): Promise<RegistrySide> {
  const hub = await resolveHub(args);
  const { RegistryClient } = await import('../../clients/registry-client.js');
  return new RegistryClient({ connectionString: hub.connectionString, ...(hub.ca ? { ca: hub.ca } : {}) });
}

function checkDeviceId(deviceId: string): void {
  const problem = checkId('device id', deviceId);
  if (problem) throw new UsageError(problem);
}

const KEYS_HELP = 'Print the key in full (default: masked on a terminal, in full when stdout is not a terminal)';

function idCommand(
  command: string,
  describe: string,
  examples: Array<[string, string]>,
  run: (registry: RegistrySide, args: DeviceArgs, out: Output) => Promise<void>,
  withKeys = false,
  more: (b: Argv<DeviceArgs>) => Argv<DeviceArgs> = (b) => b,
): CommandModule<object, DeviceArgs> {
  return {
    command: `${command} <deviceId>`,
    describe,
    builder: (y: Argv) => {
      // Built step by step (--show-keys only where keys are printed), so typed as the result it makes.
      let b = hubOptions(y.positional('deviceId', { type: 'string', demandOption: true, describe: 'The device id' })) as unknown as Argv<DeviceArgs>;
      if (withKeys) b = b.option('show-keys', { type: 'boolean', default: false, describe: KEYS_HELP });
      for (const [example, what] of examples) b = b.example(example, what);
      return more(b);
    },
    handler: async (args) => {
      checkDeviceId(args.deviceId);
      const registry = await openRegistry(args);
      try {
        await run(registry, args, new Output(args.json));
      } catch (err) {
        throw explainFailure(err, args.deviceId);
      }
      process.exitCode = EXIT.ok;
    },
  };
}

function showDevice(info: DeviceInfo, connectionString: string): string {
  const rows: Array<[string, string]> = [
    ['Device id', info.deviceId],
    ['Status', info.status],
    ['Connection state', info.connectionState],
    ['C2D messages queued', String(info.cloudToDeviceMessageCount)],
    ['Generation id', info.generationId],
    ['Connection string', connectionString],
  ];
  return rows.map(([label, value]) => `${`${label}:`.padEnd(21)}${displayText(value)}`).join('\n');
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the path of a PEM file.`);
  }
}

/**
 * `create --x509`: a fresh certificate and key for the device, self-signed or signed by a CA (given, or the
 * state directory's test CA that the local hub trusts), written to <state-dir>/devices/ with mode 0600.
 */
async function createX509(registry: RegistrySide, args: DeviceArgs, out: Output): Promise<void> {
  const hub = await import('../../hub/index.js');
  const stateDir = args['state-dir'] ?? hub.defaultStateDir();
  const dir = join(stateDir, 'devices');
  const paths = { cert: join(dir, `${args.deviceId}-cert.pem`), key: join(dir, `${args.deviceId}-key.pem`) };
  if (existsSync(paths.cert) || existsSync(paths.key)) {
    throw new UsageError(`${paths.cert} already exists: delete the old certificate and key first, or pick another device id.`);
  }
  // Before anything is made or registered: the files must have somewhere to go.
  usableDirectory(dir, 'The directory');
  let ca: { certPem: string; keyPem: string } | undefined;
  let caNote = '';
  if (args.x509 === 'ca') {
    if (args['ca-cert'] !== undefined && args['ca-key'] !== undefined) {
      ca = { certPem: readPem(args['ca-cert'], '--ca-cert'), keyPem: readPem(args['ca-key'], '--ca-key') };
      // A key that is not the CA's would sign certificates no hub trusting that CA accepts.
      const { keyPairProblem } = await import('../../core/device-certificate.js');
      const problem = keyPairProblem({ pem: ca.certPem, name: `--ca-cert ${args['ca-cert']}` }, { pem: ca.keyPem, name: `--ca-key ${args['ca-key']}` });
      if (problem) throw new UsageError(problem);
      caNote = `signed by ${args['ca-cert']}: the hub must trust it (iot-c2d hub --device-ca ${args['ca-cert']})`;
    } else {
      const testCa = await hub.ensureDeviceTestCa(stateDir);
      ca = testCa;
      caNote = `signed by the test CA ${testCa.certPath}, which the local hub on ${stateDir} trusts`;
    }
  }
  let issued: Awaited<ReturnType<typeof hub.makeDeviceCertificate>>;
  try {
    issued = await hub.makeDeviceCertificate(args.deviceId, ca);
  } catch (err) {
    throw new UsageError(`Cannot sign a certificate with --ca-cert/--ca-key (${(err as Error).message}): give the CA's PEM certificate and its matching private key.`);
  }
  const info = await registry.create(args.deviceId, args.x509 === 'ca' ? { type: 'certificateAuthority' } : { type: 'selfSigned', primaryThumbprint: issued.thumbprint });
  writeFileSync(paths.key, issued.keyPem, { mode: 0o600 });
  writeFileSync(paths.cert, issued.certPem, { mode: 0o600 });
  chmodSync(paths.key, 0o600);
  chmodSync(paths.cert, 0o600);
  const cs = registry.deviceConnectionString(info);
  out.record({ ...deviceLine(info, cs), certPath: paths.cert, keyPath: paths.key, thumbprint: issued.thumbprint }, () => cs);
  note(
    `created X.509 device '${info.deviceId}' (${args.x509 === 'ca' ? `certificateAuthority, ${caNote}` : `selfSigned, SHA-1 thumbprint ${issued.thumbprint}`}); ` +
      `certificate ${paths.cert}, key ${paths.key} (mode 0600). Connect with: iot-c2d receive --device '${cs}' --cert ${paths.cert} --key ${paths.key}`,
  );
}

const createCommand = idCommand(
  'create',
  "Register a device and print its connection string (key masked on a terminal unless --show-keys)",
  [
    ['$0 device create sensor-1', 'Create a device on the local hub'],
    ['export IOTHUB_DEVICE_CONNECTION_STRING=$($0 device create sensor-1)', 'Keep its connection string (in full: stdout is not a terminal)'],
    ['$0 device create cam-1 --x509 self-signed', 'An X.509 device: a fresh certificate and key in <state-dir>/devices/, its thumbprint registered'],
    ['$0 device create cam-2 --x509 ca', "An X.509 device whose certificate the hub's test CA signs"],
  ],
  async (registry, args, out) => {
    if (args.x509 !== undefined) return createX509(registry, args, out);
    const info = await registry.create(args.deviceId);
    const cs = connectionStringForDisplay(registry.deviceConnectionString(info), args['show-keys']);
    out.record(deviceLine(info, cs), () => cs);
    note(`created device '${info.deviceId}'${fullKeys(args['show-keys']) ? '' : ' (key masked: --show-keys prints it)'}.`);
  },
  true,
  (b) =>
    b
      .option('x509', {
        choices: ['self-signed', 'ca'] as const,
        describe: 'Authenticate with an X.509 certificate instead of keys: self-signed (thumbprint registered) or ca (CA-signed, CN = device id)',
      })
      .option('ca-cert', { type: 'string', describe: "With --x509 ca: the signing CA's PEM certificate (default: the hub's test CA, made on first use)" })
      .option('ca-key', { type: 'string', describe: "With --x509 ca: the signing CA's PEM private key" })
      .check((a) => {
        if ((a['ca-cert'] === undefined) !== (a['ca-key'] === undefined)) throw new UsageError('Give --ca-cert and --ca-key together (the CA certificate and its private key).');
        if (a['ca-cert'] !== undefined && a.x509 !== 'ca') throw new UsageError('--ca-cert/--ca-key sign a CA-signed device: add --x509 ca.');
        return true;
      }) as unknown as Argv<DeviceArgs>,
);

const showCommand = idCommand(
  'show',
  "Print a device's registry entry and connection string (key masked on a terminal unless --show-keys)",
  [['$0 device show sensor-1', 'Status, connection state, queued C2D messages and connection string']],
  async (registry, args, out) => {
    const info = await registry.get(args.deviceId);
    const cs = connectionStringForDisplay(registry.deviceConnectionString(info), args['show-keys']);
    out.record(deviceLine(info, cs), () => showDevice(info, cs));
  },
  true,
);

const deleteCommand = idCommand(
  'delete',
  'Delete a device (its queued C2D messages and pending feedback go with it)',
  [['$0 device delete sensor-1', 'Delete the device']],
  async (registry, args, out) => {
    await registry.delete(args.deviceId);
    const line: DeletedLine = { type: 'deleted', deviceId: args.deviceId };
    out.record(line, () => `Deleted device ${args.deviceId}.`);
  },
);

const listCommand: CommandModule<object, CommonArgs> = {
  command: 'list',
  describe: 'List the devices: id, status, connection state, queued C2D messages',
  builder: (y) => hubOptions(y).example('$0 device list --json', 'One JSON object per device'),
  handler: async (args) => {
    const registry = await openRegistry(args);
    const out = new Output(args.json);
    const devices = await registry.list().catch((err: unknown) => {
      throw explainFailure(err);
    });
    const width = Math.max(9, ...devices.map((d) => d.deviceId.length)) + 2;
    if (!args.json && devices.length > 0) process.stdout.write(`${'DEVICE'.padEnd(width)}${'STATUS'.padEnd(10)}${'CONNECTION'.padEnd(14)}QUEUED\n`);
    for (const info of devices) {
      out.record(deviceLine(info), () => `${displayText(info.deviceId).padEnd(width)}${info.status.padEnd(10)}${info.connectionState.padEnd(14)}${info.cloudToDeviceMessageCount}`);
    }
    if (devices.length === 0) note('no devices yet: iot-c2d device create <id> registers one.');
    process.exitCode = EXIT.ok;
  },
};

/** The device subcommands, for the error on any other word (usage.ts unknownSubcommand). */
export const DEVICE_SUBCOMMANDS = ['create', 'list', 'show', 'delete'] as const;

export const deviceCommand: CommandModule = {
  command: 'device <command>',
  describe: "Manage the hub's devices: create, list, show, delete",
  builder: (y) =>
    y
      .command(createCommand)
      .command(listCommand)
      .command(showCommand)
      .command(deleteCommand)
      .demandCommand(1, 'Give a device command: create, list, show or delete.')
      .example('$0 device create sensor-1', 'Register a device and print its connection string'),
  handler: () => undefined,
};
