/**
 * What `iot-c2d tui` connects to, wired from its arguments: the embedded hub (started here, or the
 * `iot-c2d hub` already running on the state directory, with `demo-device`), or the hub and device the
 * connection strings name. Loaded only when the TUI runs: it brings in the hub and the SDK clients.
 */
import { createWriteStream } from 'node:fs';
import { DeviceClient } from '../clients/device-client.js';
import { RegistryClient } from '../clients/registry-client.js';
import { ServiceClient } from '../clients/service-client.js';
import type { DeviceInfo } from '../clients/types.js';
import { parseDeviceConnectionString, parseServiceConnectionString } from '../core/connection-string.js';
import type { DeviceTransport } from '../core/types.js';
import { HubStartError, connectPresence, readHubInstance, startHub } from '../hub/index.js';
import type { Hub, HubInstance } from '../hub/index.js';
import type { TuiConnector } from '../tui/connector.js';
import type { TuiArgs } from './commands/tui.js';
import { readCa } from './connection.js';

export const DEMO_DEVICE = 'demo-device';

export function hostOf(serviceCs: string | undefined, deviceCs: string | undefined): string {
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

/**
 * Opening each side, with the CA (and, for device strings, the gateway) of the hub in use. `probe` false: no
 * TLS probe before the SDK's open (for a hub this process has just started: it answers).
 */
export function opener(ca: string | undefined, deviceGateway?: string, probe = true): Opener {
  return {
    openService: async (connectionString) => {
      const service = await ServiceClient.open({ connectionString, probe, ...(ca ? { ca } : {}) });
      const registry = new RegistryClient({ connectionString, ...(ca ? { ca } : {}), ...(deviceGateway ? { deviceGateway } : {}) });
      return { service, registry };
    },
    openDevice: (connectionString, transport, autoComplete, x509) => DeviceClient.open({ connectionString, transport, autoComplete, probe, ...(ca ? { ca } : {}), ...(x509 ? { x509 } : {}) }),
  };
}

/**
 * Starts opening the initial connections at once (with `first`), while the TUI is still connecting its store;
 * the TUI's first request for the same string gets the connection already under way. Later requests open
 * anew, with `open`.
 */
function headStart(open: Opener, serviceCs: string, deviceCs: string, transport: DeviceTransport, first: Opener = open): Opener {
  let service: ReturnType<Opener['openService']> | undefined = first.openService(serviceCs);
  let device: ReturnType<Opener['openDevice']> | undefined = first.openDevice(deviceCs, transport, true);
  // Failures are reported when the TUI asks for the connection; none is left unhandled meanwhile.
  service.catch(() => undefined);
  device.catch(() => undefined);
  return {
    openService: (cs) => {
      const early = cs === serviceCs ? service : undefined;
      service = undefined;
      return early ?? open.openService(cs);
    },
    openDevice: (cs, t, autoComplete, x509) => {
      const early = cs === deviceCs && t === transport && autoComplete && !x509 ? device : undefined;
      device = undefined;
      return early ?? open.openDevice(cs, t, autoComplete, x509);
    },
  };
}

export async function embeddedConnector(args: TuiArgs): Promise<TuiConnector> {
  const stateDir = args['state-dir'];
  const common = { transport: args.transport, feedback: args.feedback, exportDir: process.cwd(), secretsDir: stateDir, local: true };
  const log = createWriteStream(`${stateDir}/tui-hub.log`, { flags: 'a', mode: 0o600 });
  const options = { stateDir, devices: [DEMO_DEVICE], owner: 'iot-c2d tui', log: (line: string) => log.write(`${new Date().toISOString()} ${line}\n`) };
  /** The hub this process runs, if it runs one (from the start, or since it took over a stopped TUI's). */
  let ours: Hub | undefined;
  const running = await readHubInstance(stateDir);
  if (running) {
    // An `iot-c2d hub` (or another TUI) already runs on this state: use it rather than start a second one.
    const ca = readCa(running.caPath, "The local hub's CA file");
    const gateway = `localhost:${running.port}`;
    const registry = new RegistryClient({ connectionString: running.serviceConnectionString, ...(ca ? { ca } : {}), deviceGateway: gateway });
    let info: DeviceInfo;
    try {
      info = await registry.get(DEMO_DEVICE);
    } catch (err) {
      if ((err as { kind?: string }).kind !== 'device-not-found') throw err;
      info = await registry.create(DEMO_DEVICE);
    }
    let watch = await connectPresence(stateDir);
    const shared = (instance: HubInstance): string => `shared: ${instance.owner ?? 'iot-c2d hub'}, pid ${instance.pid}`;
    /**
     * Follows whose hub it is. The socket that answered stays open, so the header says at once when that
     * process goes away (its hub with it). Another TUI's hub is taken over: this process starts the hub on the
     * same state and port, and the clients reconnect to it by themselves, losing nothing (the queues are in
     * the state). A standalone `iot-c2d hub` is left for its user to start again.
     */
    const follow = (instance: HubInstance, listener: (hubLabel: string) => void): void => {
      const whose = shared(instance);
      if (!watch) return listener(`local ${gateway} (${whose}, has stopped)`);
      watch.socket.once('close', () => {
        if (instance.owner !== options.owner) return listener(`local ${gateway} (${whose}, has stopped: restart it, or iot-c2d, to run a hub here)`);
        startHub({ ...options, port: running.port }).then(
          (hub) => {
            ours = hub;
            listener(`local ${gateway} (taken over when pid ${instance.pid} stopped)`);
          },
          async (err: unknown) => {
            // Another TUI was quicker: follow its hub.
            const next = err instanceof HubStartError && err.code === 'hub-running' ? await readHubInstance(stateDir) : undefined;
            watch = next ? await connectPresence(stateDir) : undefined;
            if (next && watch) {
              listener(`local ${gateway} (${shared(next)})`);
              return follow(next, listener);
            }
            listener(`local ${gateway} (${whose}, has stopped; running one here failed: ${(err as Error).message})`);
          },
        );
      });
    };
    return {
      ...common,
      hubLabel: `local ${gateway} (${shared(running)})`,
      watchHub: (listener) => follow(running, listener),
      serviceConnectionString: running.serviceConnectionString,
      deviceConnectionString: registry.deviceConnectionString(info),
      caPath: running.caPath,
      ...headStart(opener(ca, gateway), running.serviceConnectionString, registry.deviceConnectionString(info), args.transport),
      shutdown: async () => {
        watch?.socket.removeAllListeners('close');
        watch?.socket.destroy();
        await ours?.stop();
        log.end();
      },
    };
  }
  try {
    ours = await startHub({ ...options, port: args.port });
  } catch (err) {
    // The fixed default port is taken by something else: any free port will do.
    if (args.port === 0 || !(err instanceof HubStartError && err.code === 'port-in-use')) throw err;
    ours = await startHub({ ...options, port: 0 });
  }
  const started = ours;
  return {
    ...common,
    hubLabel: `local localhost:${started.port}`,
    serviceConnectionString: started.serviceConnectionString(),
    deviceConnectionString: started.deviceConnectionString(DEMO_DEVICE),
    caPath: started.caPath,
    // The hub was started just now, here: the first opens need no probe to learn that it answers.
    ...headStart(
      opener(started.caPem, `localhost:${started.port}`),
      started.serviceConnectionString(),
      started.deviceConnectionString(DEMO_DEVICE),
      args.transport,
      opener(started.caPem, `localhost:${started.port}`, false),
    ),
    shutdown: async () => {
      await started.stop();
      log.end();
    },
  };
}


/** The connector for hubs named by connection strings (Azure, or a standalone iot-c2d hub). */
export function remoteConnector(args: TuiArgs, serviceCs: string | undefined, deviceCs: string | undefined): TuiConnector {
  const ca = args.ca === undefined ? undefined : readCa(args.ca);
  return {
    hubLabel: hostOf(serviceCs, deviceCs),
    local: false,
    transport: args.transport,
    feedback: args.feedback,
    exportDir: process.cwd(),
    // Unmasked keys go to a directory only the user can read (created mode 0700), not the working directory.
    secretsDir: args['state-dir'],
    ...(serviceCs !== undefined ? { serviceConnectionString: serviceCs } : {}),
    ...(deviceCs !== undefined ? { deviceConnectionString: deviceCs } : {}),
    ...(args.ca ? { caPath: args.ca } : {}),
    ...opener(ca),
    shutdown: async () => undefined,
  };
}
