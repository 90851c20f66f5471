/**
 * `iot-c2d tui` (also `iot-c2d` with no command): the terminal UI. This file wires the TUI to the world:
 * with no connection strings it starts the embedded hub (or joins the `iot-c2d hub` already running on the
 * state directory) and makes sure `demo-device` exists; with --hub / --device it connects to that hub.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { DEVICE_TRANSPORTS } from '../../core/types.js';
import type { DeviceTransport } from '../../core/types.js';
import { DEFAULT_PORT, defaultStateDir } from '../../hub/defaults.js';
import type { TuiConnector } from '../../tui/connector.js';
import { embeddedHubOptions, startEmbeddedHub } from '../embedded-hub.js';
import type { EmbeddedHub } from '../embedded-hub.js';
import { lateConnector } from '../late-connector.js';
import { UsageError } from '../usage.js';
import { makeDirectory } from '../../core/make-directory.js';
import { usableDirectory } from '../state-dir.js';

export interface TuiArgs {
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

/**
 * The TUI's options, for yargs (the builder below) and for the start-up's fast path (tui-invocation.ts), which
 * reads a plain TUI invocation from these same definitions without loading yargs.
 */
export const TUI_OPTIONS = {
  hub: { type: 'string', describe: 'Service connection string of the hub to use (default: $IOTHUB_CONNECTION_STRING, else the embedded hub)' },
  device: { type: 'string', describe: 'Device connection string (default: $IOTHUB_DEVICE_CONNECTION_STRING)' },
  ca: { type: 'string', describe: "A CA certificate (PEM file) to trust besides the system's, e.g. a standalone iot-c2d hub's" },
  transport: { choices: DEVICE_TRANSPORTS as DeviceTransport[], default: 'mqtt' as DeviceTransport, describe: 'Device transport' },
  'state-dir': { type: 'string', default: defaultStateDir(), defaultDescription: '$XDG_STATE_HOME/iot-c2d/hub', describe: 'State directory of the embedded hub' },
  port: { type: 'number', default: DEFAULT_PORT, describe: 'Port of the embedded hub (a free one if taken; 0 picks a free one)' },
  feedback: { type: 'boolean', default: true, describe: 'Read the hub feedback queue (--no-feedback leaves it to another reader)' },
} as const;

/** What is wrong with a --port value, or undefined. */
export function portProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 0 && port <= 65535 ? undefined : `--port ${port} is not a port: give 0-65535.`;
}

export const tuiCommand: CommandModule<object, TuiArgs> = {
  command: ['tui', '$0'],
  describe: 'The terminal UI: device, sender and feedback in one screen (the default command)',
  builder: (y) =>
    y
      .options(TUI_OPTIONS)
      .example('$0', 'Start the embedded hub, connect demo-device and the service side')
      .example('$0 --hub "$IOTHUB_CONNECTION_STRING" --device "$DEVICE_CS"', 'Use an Azure IoT hub')
      .check((args) => {
        const problem = portProblem(args.port);
        if (problem) throw new Error(problem);
        return true;
      }),
  handler: (args) => runTuiCommand(args),
};

/** The TUI command itself, once its options are parsed (by yargs, or by the fast path: tui-invocation.ts). */
export async function runTuiCommand(args: TuiArgs): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError(NOT_A_TERMINAL);
  // Node prints its warnings (an SDK's listener counts, say) on stderr, right across Ink's screen: keep
  // them in a log file in the state directory instead.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    try {
      makeDirectory(args['state-dir']);
      appendFileSync(join(args['state-dir'], 'tui.log'), `${new Date().toISOString()} ${warning.name}: ${warning.message}\n`, { mode: 0o600 });
    } catch {
      // Nowhere to write it: dropping a warning beats breaking the screen.
    }
  });
  const serviceCs = args.hub ?? (process.env.IOTHUB_CONNECTION_STRING || undefined);
  const deviceCs = args.device ?? (process.env.IOTHUB_DEVICE_CONNECTION_STRING || undefined);
  const embedded = serviceCs === undefined && deviceCs === undefined;
  // The embedded hub's state directory: a bad one is said in one line before anything is drawn.
  if (embedded) usableDirectory(args['state-dir']);
  // Draw first: Ink loads, the first frame shows both sides connecting, and only then do the embedded hub
  // and the SDKs load and start (bench/README.md, TUI cold start).
  // Ink's "am I in CI" is answered in the bundle (no CI there: this is a terminal); its colours (chalk's
  // supports-color) also turn off when CI is set, as they are worked out when Ink loads. Hide CI for that
  // load only: it is back before the TUI starts, so child processes get the environment as the user set it.
  const ci = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const { runTui } = await import('../../tui/start.js').finally(() => {
    for (const [name, value] of Object.entries(ci)) if (value !== undefined) process.env[name] = value;
  });
  let hub: EmbeddedHub | undefined;
  const connector: TuiConnector = embedded
    ? lateConnector({ hubLabel: 'local (starting)', local: true, transport: args.transport, feedback: args.feedback, exportDir: process.cwd(), secretsDir: args['state-dir'] }, async () => {
        // Behind the first frame: the embedded hub starts in a worker thread (on the other core) while this
        // thread loads the SDK clients (bench/README.md, the hub in a worker).
        hub = startEmbeddedHub(embeddedHubOptions(args));
        return (await import('../tui-connector.js')).embeddedConnector(args, hub);
      })
    : (await import('../tui-connector.js')).remoteConnector(args, serviceCs, deviceCs);
  let code: number;
  try {
    code = await runTui(connector);
  } finally {
    // Also when the TUI ended before its connector was made, or with an error: no hub is left running.
    await hub?.stop();
  }
  // Everything is closed and the terminal restored; exit now rather than wait on whatever an SDK left
  // referenced (seen: the stdio handles kept the loop alive after a clean shutdown).
  process.stdout.write('', () => process.exit(code));
}
