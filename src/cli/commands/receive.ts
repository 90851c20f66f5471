/**
 * `iot-c2d receive [deviceId]`: the device side of the C2D tutorial (its SimulatedDevice): connects as the
 * device and prints each C2D message as it arrives, with its ids and its system and custom properties, then
 * settles it (`--settle`). Runs until `--count` messages, `--timeout` seconds, or Ctrl+C.
 *
 * The device is `--device <connection string>` (or $IOTHUB_DEVICE_CONNECTION_STRING), or a device id whose
 * key is read from the hub's registry (the local hub by default).
 */
import type { CommandModule } from 'yargs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYSTEM_PROPERTIES, receivedLine } from '../../clients/records.js';
import type { SystemProperty } from '../../clients/records.js';
import type { DeviceSide, ReceivedMessage, Settlement } from '../../clients/types.js';
import type { DeviceTransport } from '../../core/types.js';
import { DEVICE_TRANSPORTS } from '../../core/types.js';
import { DEVICE_ENV, deviceOption, hubOptions, resolveDevice, resolveHub } from '../connection.js';
import type { CommonArgs, DeviceTarget } from '../connection.js';
import { explainFailure } from '../failures.js';
import { closeWithin, exitCodeFor, latch, timer, watchInterrupt } from '../interrupt.js';
import { displayText } from '../../core/display-text.js';
import { Output, note, payloadText } from '../output.js';
import { EXIT, UsageError, fail } from '../usage.js';

interface ReceiveArgs extends CommonArgs {
  deviceId?: string;
  device?: string;
  transport: DeviceTransport;
  settle: Settlement;
  count?: number;
  timeout?: number;
  cert?: string;
  key?: string;
}

const SETTLEMENTS: readonly Settlement[] = ['complete', 'reject', 'abandon'];
const PAST: Record<Settlement, string> = { complete: 'completed', reject: 'rejected', abandon: 'abandoned' };
const isMqtt = (transport: DeviceTransport): boolean => transport === 'mqtt' || transport === 'mqtt-ws';

/** The device's connection string: --device / $IOTHUB_DEVICE_CONNECTION_STRING, or the registry's key for the id. */
async function deviceTarget(args: ReceiveArgs): Promise<DeviceTarget> {
  const given = await resolveDevice(args);
  if (given) {
    if (args.deviceId !== undefined && args.deviceId !== given.parsed.deviceId) {
      throw new UsageError(`The device connection string is for device '${given.parsed.deviceId}', not '${args.deviceId}': drop one of the two.`);
    }
    return given;
  }
  if (args.deviceId === undefined) {
    throw new UsageError(`Which device? Give its id (iot-c2d receive demo), --device <device connection string>, or $${DEVICE_ENV}.`);
  }
  const hub = await resolveHub(args);
  const { RegistryClient } = await import('../../clients/registry-client.js');
  const registry = new RegistryClient({ connectionString: hub.connectionString, ...(hub.ca ? { ca: hub.ca } : {}) });
  let connectionString: string;
  try {
    connectionString = registry.deviceConnectionString(await registry.get(args.deviceId));
  } catch (err) {
    throw explainFailure(err, args.deviceId);
  }
  const { parseDeviceConnectionString } = await import('../../core/connection-string.js');
  return { connectionString, parsed: parseDeviceConnectionString(connectionString), ...(hub.ca ? { ca: hub.ca } : {}) };
}

/**
 * An X.509 device's certificate and key (`x509=true`): --cert/--key, else the files `iot-c2d device create
 * --x509` wrote for it in the state directory. Never printed.
 */
async function x509Files(args: ReceiveArgs, target: DeviceTarget): Promise<{ cert: string; key: string } | undefined> {
  if (!target.parsed.x509) {
    if (args.cert !== undefined || args.key !== undefined) {
      throw new UsageError('--cert/--key are for a device that authenticates with a certificate (x509=true in its connection string); this one has a key.');
    }
    return undefined;
  }
  let { cert, key } = args;
  if (cert === undefined && key === undefined) {
    const { defaultStateDir } = await import('../../hub/defaults.js');
    const dir = join(args['state-dir'] ?? defaultStateDir(), 'devices');
    const made = { cert: join(dir, `${target.parsed.deviceId}-cert.pem`), key: join(dir, `${target.parsed.deviceId}-key.pem`) };
    if (existsSync(made.cert) && existsSync(made.key)) ({ cert, key } = made);
  }
  if (cert === undefined || key === undefined) {
    throw new UsageError(`Device '${target.parsed.deviceId}' authenticates with a certificate (x509=true): give --cert <pem> and --key <pem>.`);
  }
  const read = (path: string, flag: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the path of a PEM file.`);
    }
  };
  const files = { cert: read(cert, '--cert'), key: read(key, '--key') };
  const { keyPairProblem } = await import('../../core/device-certificate.js');
  const problem = keyPairProblem({ pem: files.cert, name: `--cert ${cert}` }, { pem: files.key, name: `--key ${key}` });
  if (problem) throw new UsageError(problem);
  return files;
}

const LABELS: Record<SystemProperty, string> = {
  messageId: 'Message id',
  correlationId: 'Correlation id',
  to: 'To',
  expiryTimeUtc: 'Expiry (UTC)',
  contentType: 'Content type',
  contentEncoding: 'Content encoding',
  userId: 'User id',
  ack: 'Ack',
  lockToken: 'Lock token',
};

/** Where each value starts: a payload's later lines start there too, under its first. */
const VALUE_COLUMN = 20;

function describeMessage(message: ReceivedMessage, n: number, settled: string): string {
  const rows: Array<[string, string | undefined]> = [
    ['Data', payloadText(message.payload, VALUE_COLUMN)],
    ...SYSTEM_PROPERTIES.map((key): [string, string | undefined] => [LABELS[key], message[key]]),
    ['Delivery count', message.deliveryCount?.toString()],
    ...message.properties.map(([key, value]): [string, string] => ['Property', `${key}=${value}`]),
    ['Settled', settled],
  ];
  const lines = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([label, value]) => `  ${`${label}:`.padEnd(VALUE_COLUMN - 2)}${label === 'Data' ? value : displayText(value)}`);
  return [`Message ${n} received at ${new Date(message.receivedMs).toISOString()} over ${message.transport}:`, ...lines].join('\n');
}

export const receiveCommand: CommandModule<object, ReceiveArgs> = {
  command: 'receive [deviceId]',
  describe: 'Connect as a device and print each C2D message it receives (the device of the tutorial)',
  builder: (y) =>
    deviceOption(hubOptions(y.positional('deviceId', { type: 'string', describe: "The device's id: its key is read from the hub's registry (instead of --device)" })))
      .option('transport', { choices: DEVICE_TRANSPORTS, default: 'mqtt' as DeviceTransport, describe: 'Device protocol' })
      .option('settle', {
        choices: SETTLEMENTS,
        default: 'complete' as Settlement,
        describe: 'What to do with each message (reject and abandon need amqp, amqp-ws or http: MQTT completes on arrival)',
      })
      .option('count', { type: 'number', describe: 'Stop after this many messages' })
      .option('timeout', { type: 'number', describe: 'Stop after this many seconds (exit 1 if --count was not reached)' })
      .option('cert', { type: 'string', describe: "X.509 device (x509=true): its PEM certificate (default: the one iot-c2d device create --x509 wrote)" })
      .option('key', { type: 'string', describe: "X.509 device (x509=true): its PEM private key" })
      .example('$0 receive demo', 'The tutorial: receive as device "demo" of the local hub until Ctrl+C')
      .example("$0 receive --device 'HostName=...;DeviceId=cam-1;x509=true' --cert cam-1-cert.pem --key cam-1-key.pem", 'An X.509 device')
      .example('$0 receive --device "$IOTHUB_DEVICE_CONNECTION_STRING" --transport amqp --settle reject', 'Reject every message over AMQP')
      .example('$0 receive demo --count 1 --timeout 30 --json', 'Wait up to 30 s for one message and print it as JSON')
      .check((args) => {
        if (args.count !== undefined && !(Number.isInteger(args.count) && args.count >= 1)) throw new Error(`--count ${args.count} is not a positive whole number.`);
        if (args.timeout !== undefined && !(args.timeout > 0)) throw new Error(`--timeout ${args.timeout} is not a positive number of seconds.`);
        return true;
      }),
  handler: async (args) => {
    const settle = args.settle;
    if (settle !== 'complete' && isMqtt(args.transport)) {
      throw new UsageError(
        `--settle ${settle} is not available over ${args.transport}: the device SDK acknowledges (completes) each MQTT message as it arrives. Use --transport amqp, amqp-ws or http.`,
      );
    }
    const target = await deviceTarget(args);
    const x509 = await x509Files(args, target);
    const out = new Output(args.json);
    const { DeviceClient } = await import('../../clients/device-client.js');
    const interrupt = watchInterrupt();
    const opening = DeviceClient.open({
      connectionString: target.connectionString,
      transport: args.transport,
      autoComplete: false,
      ...(args.count !== undefined ? { maxMessages: args.count } : {}),
      ...(target.ca ? { ca: target.ca } : {}),
      ...(x509 ? { x509 } : {}),
    });
    let device: DeviceSide;
    try {
      const first = await Promise.race([opening, interrupt.signal]);
      if (typeof first === 'string') {
        // Ctrl+C while connecting: close the connection if it still comes, but do not wait for it.
        interrupt.dispose();
        opening.then((late) => closeWithin(late), () => undefined);
        note('stopped before the device was connected.');
        process.exitCode = exitCodeFor(first);
        return;
      }
      device = first;
    } catch (err) {
      interrupt.dispose();
      throw explainFailure(err, target.parsed.deviceId);
    }
    const deadline = timer(args.timeout === undefined ? undefined : args.timeout * 1000);
    const enough = latch();
    let received = 0;
    let printed = 0;
    let settleFailures = 0;
    let wasRetrying = false;
    device.onState((state) => {
      if (state.status === 'retrying') {
        wasRetrying = true;
        note(`connection lost, retrying: ${state.reason ?? 'no reason given'}`);
      } else if (state.status === 'connected' && wasRetrying) {
        wasRetrying = false;
        note('connected again.');
      }
    });
    // Past --count the client takes no more: the hub keeps them for the next receiver (DeviceClient.stopReceiving).
    device.onMessage((message) => {
      received += 1;
      const n = received;
      device.settle(message.id, settle).then(
        () => isMqtt(args.transport) ? `${PAST.complete} (MQTT acknowledges on arrival)` : PAST[settle],
        (err: unknown) => {
          settleFailures += 1;
          const reason = explainFailure(err).message;
          note(`could not ${settle} message ${message.messageId ?? n}: ${reason}`);
          return `failed (${reason})`;
        },
      ).then((settled) => {
        out.record(receivedLine(device.deviceId, message), () => describeMessage(message, n, settled));
        printed += 1;
        if (args.count !== undefined && printed >= args.count) enough.resolve();
      });
    });
    const transport = args.transport;
    const limits = [args.count !== undefined ? `${args.count} message(s)` : '', args.timeout !== undefined ? `${args.timeout} s` : ''].filter(Boolean).join(' or ');
    note(`receiving as device '${device.deviceId}' over ${transport}${limits ? `, until ${limits}` : ''} (Ctrl+C to stop).`);
    try {
      const ended = await Promise.race([enough.promise.then(() => 'count' as const), deadline.done.then(() => 'timeout' as const), interrupt.signal]);
      if (ended === 'SIGINT' || ended === 'SIGTERM') {
        note(`stopped: ${received} message(s) received.`);
        process.exitCode = exitCodeFor(ended);
      } else if (ended === 'timeout' && args.count !== undefined) {
        fail(`Received ${received} of ${args.count} message(s) within ${args.timeout} s (--timeout).`, EXIT.failure);
      } else if (settleFailures > 0) {
        fail(`${settleFailures} message(s) could not be settled (see above).`, EXIT.failure);
      } else {
        if (ended === 'timeout') note(`stopped after ${args.timeout} s (--timeout): ${received} message(s) received.`);
        process.exitCode = EXIT.ok;
      }
    } finally {
      deadline.cancel();
      interrupt.dispose();
      await closeWithin(device);
    }
  },
};
