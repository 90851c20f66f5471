/**
 * `iot-c2d tui` (also `iot-c2d` with no command): the terminal UI. This file wires the TUI to the world:
 * with no connection strings it starts the embedded hub (or joins the `iot-c2d hub` already running on the
 * state directory) and makes sure `demo-device` exists; with --hub / --device it connects to that hub.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { CommandModule } from 'yargs';
import { DeviceClient } from '../../clients/device-client.js';
import { RegistryClient } from '../../clients/registry-client.js';
import { ServiceClient } from '../../clients/service-client.js';
import type { DeviceInfo } from '../../clients/types.js';
import { parseDeviceConnectionString, parseServiceConnectionString } from '../../core/connection-string.js';
import { DEVICE_TRANSPORTS } from '../../core/types.js';
import type { DeviceTransport } from '../../core/types.js';
import { DEFAULT_PORT, defaultStateDir, readHubInstance, startHub } from '../../hub/index.js';
import type { TuiConnector } from '../../tui/connector.js';
import { UsageError } from '../usage.js';

export const DEMO_DEVICE = 'demo-device';

interface TuiArgs {
  hub?: string;
  device?: string;
  ca?: string;
  transport: DeviceTransport;
  'state-dir': string;
  port: number;
  feedback: boolean;
}

export const NOT_A_TERMINAL =
  'iot-c2d tui needs a terminal (stdin and stdout must be a TTY). For scripts and pipes use the commands: hub, send, receive, feedback, device, purge (iot-c2d --help).';

function readCa(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the CA file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}): give the path iot-c2d hub prints as "CA:".`);
  }
}

function hostOf(serviceCs: string | undefined, deviceCs: string | undefined): string {
  for (const [cs, parse] of [
    [serviceCs, parseServiceConnectionString],
    [deviceCs, parseDeviceConnectionString],
  ] as const) {
    if (!cs) continue;
    try {
      return parse(cs).hostName;
    } catch {
      // Shown in its pane; the header names the other string's host, if any.
    }
  }
  return '(not given)';
}

type Opener = Pick<TuiConnector, 'openService' | 'openDevice'>;

/** Opening each side, with the CA (and, for device strings, the gateway) of the hub in use. */
function opener(ca: string | undefined, deviceGateway?: string): Opener {
  return {
    openService: async (connectionString) => {
      const service = await ServiceClient.open({ connectionString, ...(ca ? { ca } : {}) });
      const registry = new RegistryClient({ connectionString, ...(ca ? { ca } : {}), ...(deviceGateway ? { deviceGateway } : {}) });
      return { service, registry };
    },
    openDevice: (connectionString, transport, autoComplete) => DeviceClient.open({ connectionString, transport, autoComplete, ...(ca ? { ca } : {}) }),
  };
}

/**
 * Starts opening the initial connections at once, while the UI code (Ink, React) is still loading; the
 * TUI's first request for the same string gets the connection already under way. Later requests open anew.
 */
function headStart(open: Opener, serviceCs: string, deviceCs: string, transport: DeviceTransport): Opener {
  let service: ReturnType<Opener['openService']> | undefined = open.openService(serviceCs);
  let device: ReturnType<Opener['openDevice']> | undefined = open.openDevice(deviceCs, transport, true);
  // Failures are reported when the TUI asks for the connection; none is left unhandled meanwhile.
  service.catch(() => undefined);
  device.catch(() => undefined);
  return {
    openService: (cs) => {
      const early = cs === serviceCs ? service : undefined;
      service = undefined;
      return early ?? open.openService(cs);
    },
    openDevice: (cs, t, autoComplete) => {
      const early = cs === deviceCs && t === transport && autoComplete ? device : undefined;
      device = undefined;
      return early ?? open.openDevice(cs, t, autoComplete);
    },
  };
}

async function embeddedConnector(args: TuiArgs): Promise<TuiConnector> {
  const stateDir = args['state-dir'];
  const common = { transport: args.transport, feedback: args.feedback, exportDir: process.cwd(), secretsDir: stateDir, local: true };
  const running = readHubInstance(stateDir);
  if (running) {
    // An `iot-c2d hub` already runs on this state: use it rather than start a second one.
    const ca = readCa(running.caPath);
    const gateway = `localhost:${running.port}`;
    const registry = new RegistryClient({ connectionString: running.serviceConnectionString, ...(ca ? { ca } : {}), deviceGateway: gateway });
    let info: DeviceInfo;
    try {
      info = await registry.get(DEMO_DEVICE);
    } catch (err) {
      if ((err as { kind?: string }).kind !== 'device-not-found') throw err;
      info = await registry.create(DEMO_DEVICE);
    }
    return {
      ...common,
      hubLabel: `local ${gateway} (iot-c2d hub, pid ${running.pid})`,
      serviceConnectionString: running.serviceConnectionString,
      deviceConnectionString: registry.deviceConnectionString(info),
      caPath: running.caPath,
      ...headStart(opener(ca, gateway), running.serviceConnectionString, registry.deviceConnectionString(info), args.transport),
      shutdown: async () => undefined,
    };
  }
  const log = createWriteStream(`${stateDir}/tui-hub.log`, { flags: 'a', mode: 0o600 });
  const options = { stateDir, devices: [DEMO_DEVICE], log: (line: string) => log.write(`${new Date().toISOString()} ${line}\n`) };
  let hub;
  try {
    hub = await startHub({ ...options, port: args.port });
  } catch (err) {
    // The fixed default port is taken by something else: any free port will do.
    if (args.port === 0 || !/is in use/.test((err as Error).message)) throw err;
    hub = await startHub({ ...options, port: 0 });
  }
  const started = hub;
  return {
    ...common,
    hubLabel: `local localhost:${started.port}`,
    serviceConnectionString: started.serviceConnectionString(),
    deviceConnectionString: started.deviceConnectionString(DEMO_DEVICE),
    caPath: started.caPath,
    ...headStart(opener(started.caPem, `localhost:${started.port}`), started.serviceConnectionString(), started.deviceConnectionString(DEMO_DEVICE), args.transport),
    shutdown: async () => {
      await started.stop();
      log.end();
    },
  };
}

export const tuiCommand: CommandModule<object, TuiArgs> = {
  command: ['tui', '$0'],
  describe: 'The terminal UI: device, sender and feedback in one screen (the default command)',
  builder: (y) =>
    y
      .option('hub', { type: 'string', describe: 'Service connection string of the hub to use (default: $IOTHUB_CONNECTION_STRING, else the embedded hub)' })
      .option('device', { type: 'string', describe: 'Device connection string (default: $IOTHUB_DEVICE_CONNECTION_STRING)' })
      .option('ca', { type: 'string', describe: "A CA certificate (PEM file) to trust besides the system's, e.g. a standalone iot-c2d hub's" })
      .option('transport', { choices: DEVICE_TRANSPORTS as DeviceTransport[], default: 'mqtt' as DeviceTransport, describe: 'Device transport' })
      .option('state-dir', { type: 'string', default: defaultStateDir(), defaultDescription: '$XDG_STATE_HOME/iot-c2d/hub', describe: 'State directory of the embedded hub' })
      .option('port', { type: 'number', default: DEFAULT_PORT, describe: 'Port of the embedded hub (a free one if taken; 0 picks a free one)' })
      .option('feedback', { type: 'boolean', default: true, describe: 'Read the hub feedback queue (--no-feedback leaves it to another reader)' })
      .example('$0', 'Start the embedded hub, connect demo-device and the service side')
      .example('$0 --hub "$IOTHUB_CONNECTION_STRING" --device "$DEVICE_CS"', 'Use an Azure IoT hub')
      .check((args) => {
        if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error(`--port ${args.port} is not a port: give 0-65535.`);
        return true;
      }),
  handler: async (args) => {
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError(NOT_A_TERMINAL);
    // A small young generation keeps the heap, and RSS, from ballooning under a flood of messages
    // (bench/tui-flood.ts); it has to be set before the heap grows to have an effect.
    setFlagsFromString('--max-semi-space-size=2');
    // React's development build is several times slower and larger: the TUI is not a development build.
    process.env.NODE_ENV ??= 'production';
    // Ink and React take a while to load: let that overlap with starting the hub and connecting.
    const tui = import('../../tui/start.js');
    tui.catch(() => undefined);
    const serviceCs = args.hub ?? (process.env.IOTHUB_CONNECTION_STRING || undefined);
    const deviceCs = args.device ?? (process.env.IOTHUB_DEVICE_CONNECTION_STRING || undefined);
    let connector: TuiConnector;
    if (serviceCs === undefined && deviceCs === undefined) {
      connector = await embeddedConnector(args);
    } else {
      const ca = readCa(args.ca);
      connector = {
        hubLabel: hostOf(serviceCs, deviceCs),
        local: false,
        transport: args.transport,
        feedback: args.feedback,
        exportDir: process.cwd(),
        secretsDir: process.cwd(),
        ...(serviceCs !== undefined ? { serviceConnectionString: serviceCs } : {}),
        ...(deviceCs !== undefined ? { deviceConnectionString: deviceCs } : {}),
        ...(args.ca ? { caPath: args.ca } : {}),
        ...opener(ca),
        shutdown: async () => undefined,
      };
    }
    const { runTui } = await tui;
    const code = await runTui(connector);
    // Everything is closed and the terminal restored; exit now rather than wait on whatever an SDK left
    // referenced (seen: the stdio handles kept the loop alive after a clean shutdown).
    process.stdout.write('', () => process.exit(code));
  },
};
