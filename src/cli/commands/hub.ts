/**
 * `iot-c2d hub`: runs the embedded IoT Hub until Ctrl+C, and prints what a client needs to connect to it.
 */
import type { CommandModule } from 'yargs';
import { readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { redactConnectionString } from '../../core/connection-string.js';
import { envFileText } from '../../core/env-file.js';
import { DEFAULT_PORT, defaultStateDir } from '../../hub/defaults.js';
import type { Hub } from '../../hub/index.js';
import { EXIT, UsageError } from '../usage.js';

interface HubArgs {
  port: number;
  'state-dir': string;
  device: string[];
  'device-ca': string[];
  'standard-ports': boolean;
  'host-name': string;
  'feedback-delay': number;
  'max-delivery-count': number;
  'show-keys': boolean;
  json: boolean;
  quiet: boolean;
}

/** Writes `connection.env` (mode 0600) so scripts can `source` the hub's connection strings. */
function writeEnvFile(hub: Hub, devices: string[]): string {
  const path = join(hub.stateDir, 'connection.env');
  const text = envFileText({
    IOTHUB_CONNECTION_STRING: hub.serviceConnectionString(),
    IOTHUB_DEVICE_CONNECTION_STRING: devices[0] === undefined ? undefined : hub.deviceConnectionString(devices[0]),
    NODE_EXTRA_CA_CERTS: hub.caPath,
  });
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function describe(hub: Hub, devices: string[], showKeys: boolean, envFile: string): string {
  const show = (cs: string): string => (showKeys ? cs : redactConnectionString(cs));
  const lines = [
    `iot-c2d local IoT Hub on ${hub.ports.map((p) => `${hub.hostName}:${p}`).join(', ')} (MQTT, AMQP, HTTPS and WebSockets on each port)`,
    `State:   ${hub.stateDir}`,
    `CA:      ${hub.caPath}`,
    `Trust:   give your client this CA, e.g. NODE_EXTRA_CA_CERTS=${hub.caPath} node app.js`,
    ...hub.deviceCas().map((ca) => `Device CA (X.509 devices): ${ca.subject}, SHA-1 ${ca.thumbprint}`),
    '',
    'Service connection string (iothubowner):',
    `  ${show(hub.serviceConnectionString())}`,
    ...devices.flatMap((id) => [`Device ${id}:`, `  ${show(hub.deviceConnectionString(id))}`]),
    '',
    showKeys ? `Also in ${envFile} (source it).` : `Keys are masked: --show-keys prints them, and ${envFile} holds them (source it).`,
    'Press Ctrl+C to stop.',
  ];
  return `${lines.join('\n')}\n`;
}

export const hubCommand: CommandModule<object, HubArgs> = {
  command: 'hub',
  describe: 'Run the embedded IoT Hub (no Azure account needed) and print its connection strings',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'TLS port for every protocol (0 picks a free one)' })
      .option('state-dir', { type: 'string', default: defaultStateDir(), defaultDescription: '$XDG_STATE_HOME/iot-c2d/hub', describe: 'Where devices, keys, the CA and queued messages are kept' })
      .option('device', { type: 'string', array: true, default: [] as string[], describe: 'Create this device if missing and print its connection string (repeatable)' })
      .option('device-ca', {
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'PEM file of a CA that signs device certificates: certificateAuthority devices chaining to it, with CN = device id, are let in (repeatable)',
      })
      .option('standard-ports', { type: 'boolean', default: false, describe: 'Also listen on 5671 (AMQPS) and 443 (HTTPS), so HostName=localhost works unmodified' })
      .option('host-name', {
        type: 'string',
        default: 'localhost',
        describe: 'Host name in the connection strings, tokens and certificate (Microsoft\'s C SDK needs one with a dot: 127.0.0.1)',
      })
      .option('feedback-delay', { type: 'number', default: 0, describe: 'Seconds to hold feedback before sending a batch (Azure: up to 15)' })
      .option('max-delivery-count', { type: 'number', default: 10, describe: 'Abandons before a message is dead-lettered (1-100)' })
      .option('show-keys', { type: 'boolean', default: false, describe: 'Print keys in full (otherwise masked, except in --json piped to a script; connection.env always holds them)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the connection details as one JSON object' })
      .option('quiet', { type: 'boolean', default: false, describe: 'Do not log refused connections and bad frames' })
      .example('$0 hub --device demo-device', 'Start the hub with one device and print both connection strings')
      .example('$0 hub --port 0 --json', 'Start on a free port and print the details for a script')
      .example('$0 hub --device-ca fleet-ca.pem', 'Also let in X.509 devices whose certificates fleet-ca.pem signed')
      .check((args) => {
        if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port ${args.port} is not a port: give 0-65535.`);
        if (!/^[A-Za-z0-9.-]+$/.test(args['host-name']) && isIP(args['host-name']) === 0) {
          throw new UsageError(`--host-name "${args['host-name']}" is not a host name: give one that resolves to this machine, e.g. localhost or 127.0.0.1.`);
        }
        if (!(args['max-delivery-count'] >= 1 && args['max-delivery-count'] <= 100)) throw new UsageError('--max-delivery-count must be 1 to 100.');
        if (!(args['feedback-delay'] >= 0 && args['feedback-delay'] <= 60)) throw new UsageError('--feedback-delay must be 0 to 60 seconds.');
        return true;
      }),
  handler: async (args) => {
    const devices = [...new Set(args.device)];
    const { HubStartError, readCertificates, startHub } = await import('../../hub/index.js');
    const deviceCas = args['device-ca'].map((path) => {
      let pem: string;
      try {
        pem = readFileSync(path, 'utf8');
      } catch (err) {
        throw new UsageError(`--device-ca ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give the path of a PEM certificate file.`);
      }
      try {
        readCertificates(pem, `--device-ca ${path}`);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      return pem;
    });
    const hub = await startHub({
      deviceCas,
      stateDir: args['state-dir'],
      port: args.port,
      standardPorts: args['standard-ports'],
      hostName: args['host-name'],
      feedbackDelayMs: args['feedback-delay'] * 1000,
      maxDeliveryCount: args['max-delivery-count'],
      devices,
      log: args.quiet ? undefined : (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    }).catch((err: unknown) => {
      // A state directory that cannot be used is the user's to fix, as a bad flag is: exit 2.
      throw err instanceof HubStartError && err.code === 'state-unusable' ? new UsageError(err.message) : err;
    });
    // Ctrl+C and SIGTERM stop the hub from now on: before anything is printed, as whoever reads the output
    // may signal as soon as it appears (writes to a pipe complete at once, before the next line here runs).
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        hub.stop().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    const envFile = writeEnvFile(hub, devices);
    // The text is read by people, on a terminal or in a log (`iot-c2d hub > hub.log &`): keys masked unless
    // asked, the full strings being in connection.env. --json is read by scripts, which need the keys when
    // it is piped to them.
    const showKeys = args['show-keys'] || (args.json && !process.stdout.isTTY);
    if (args.json) {
      process.stdout.write(
        `${JSON.stringify({
          port: hub.port,
          ports: hub.ports,
          stateDir: hub.stateDir,
          caPath: hub.caPath,
          deviceCas: hub.deviceCas(),
          serviceConnectionString: showKeys ? hub.serviceConnectionString() : redactConnectionString(hub.serviceConnectionString()),
          devices: Object.fromEntries(devices.map((id) => [id, showKeys ? hub.deviceConnectionString(id) : redactConnectionString(hub.deviceConnectionString(id))])),
        })}\n`,
      );
    } else {
      process.stdout.write(describe(hub, devices, showKeys, envFile));
    }
    await stopped;
    process.exitCode = EXIT.ok;
  },
};
