/**
 * What `iot-c2d tui` connects to, wired from its arguments: the embedded hub (started here, or the
 * `iot-c2d hub` already running on the state directory, with `demo-device`), or the hub and device the
 * connection strings name. Loaded only when the TUI runs: it brings in the SDK clients (the embedded hub runs
 * in a worker thread: embedded-hub.ts).
 */
import { DeviceClient } from '../clients/device-client.js';
import { RegistryClient } from '../clients/registry-client.js';
import { ServiceClient } from '../clients/service-client.js';
import type { DeviceInfo } from '../clients/types.js';
import { parseDeviceConnectionString, parseServiceConnectionString } from '../core/connection-string.js';
import type { DeviceTransport } from '../core/types.js';
import type { TuiConnector } from '../tui/connector.js';
import type { TuiArgs } from './commands/tui.js';
import { readCa } from './connection.js';
import { DEMO_DEVICE, embeddedHubOptions, startEmbeddedHub } from './embedded-hub.js';
import type { EmbeddedHub } from './embedded-hub.js';

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

/**
 * The embedded hub's connector, once the hub worker (embedded-hub.ts, started at launch) says which hub it is:
 * the one it started, or the one another process runs on the state directory, which this joins (with
 * `demo-device` made there if missing).
 */
export async function embeddedConnector(args: TuiArgs, hub: EmbeddedHub = startEmbeddedHub(embeddedHubOptions(args))): Promise<TuiConnector> {
  const common = { transport: args.transport, feedback: args.feedback, exportDir: process.cwd(), secretsDir: args['state-dir'], local: true };
  const shutdown = (): Promise<void> => hub.stop();
  const ready = await hub.ready;
  const gateway = `localhost:${ready.port}`;
  if (ready.type === 'joined') {
    const ca = readCa(ready.caPath, "The local hub's CA file");
    const registry = new RegistryClient({ connectionString: ready.serviceConnectionString, ...(ca ? { ca } : {}), deviceGateway: gateway });
    let info: DeviceInfo;
    try {
      info = await registry.get(DEMO_DEVICE);
    } catch (err) {
      if ((err as { kind?: string }).kind !== 'device-not-found') throw err;
      info = await registry.create(DEMO_DEVICE);
    }
    return {
      ...common,
      hubLabel: ready.hubLabel,
      watchHub: (listener) => hub.watch(listener),
      serviceConnectionString: ready.serviceConnectionString,
      deviceConnectionString: registry.deviceConnectionString(info),
      caPath: ready.caPath,
      ...headStart(opener(ca, gateway), ready.serviceConnectionString, registry.deviceConnectionString(info), args.transport),
      shutdown,
    };
  }
  return {
    ...common,
    hubLabel: `local ${gateway}`,
    watchHub: (listener) => hub.watch(listener),
    serviceConnectionString: ready.serviceConnectionString,
    deviceConnectionString: ready.deviceConnectionString,
    caPath: ready.caPath,
    // The hub was started just now, by this process: the first opens need no probe to learn that it answers.
    ...headStart(opener(ready.caPem, gateway), ready.serviceConnectionString, ready.deviceConnectionString, args.transport, opener(ready.caPem, gateway, false)),
    shutdown,
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
