/**
 * The embedded IoT Hub: `startHub(options)` starts it (in-process, on an ephemeral port if asked) and
 * returns what clients need to reach it. See docs/architecture.md for how the parts fit.
 */
import type { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:net';
import { displayText } from '../core/display-text.js';
import { LIMITS } from '../core/types.js';
import { formatDeviceConnectionString, formatServiceConnectionString, formatX509DeviceConnectionString } from '../core/connection-string.js';
import { createAmqpServer } from './amqp/server.js';
import { readCertificates, thumbprintOf } from './core/certificate-check.js';
import { HubError, HubStartError } from './core/errors.js';
import { HubCore } from './core/hub-core.js';
import type { DeviceIdentity } from './core/model.js';
import { HubStore, StateDirError, isStorageError, storageProblem } from './core/store.js';
import { deviceTestCaPaths } from './device-certificates.js';
import { createHttpServer } from './http/server.js';
import { DEFAULT_PORT, STANDARD_EXTRA_PORTS, defaultStateDir } from './defaults.js';
import { removeHubInstance, writeHubInstance } from './instance-file.js';
import { claimStateDir } from './liveness.js';
import type { HubPresence } from './liveness.js';
import { createTlsServer } from './listener.js';
import type { TlsListener } from './listener.js';
import { createMqttServer } from './mqtt/broker.js';
import { ensureCertificates } from './tls.js';
import { serveWebSockets } from './websocket.js';
import { makeDirectory } from '../core/make-directory.js';

export { DEFAULT_PORT, STANDARD_EXTRA_PORTS, defaultStateDir } from './defaults.js';
export { readHubInstance } from './instance-file.js';
export { connectPresence } from './liveness.js';
export type { HubPresence } from './liveness.js';
export type { HubInstance } from './instance-file.js';
export type { DeviceIdentity } from './core/model.js';
export { HubError, HubStartError } from './core/errors.js';
export type { HubStartErrorCode } from './core/errors.js';
export { readCertificates, thumbprintOf } from './core/certificate-check.js';
export { ensureDeviceTestCa, makeDeviceCa, makeDeviceCertificate } from './device-certificates.js';
export type { IssuedCertificate } from './device-certificates.js';

export interface HubOptions {
  /** Where the hub keeps its state (SQLite, certificates). Default: `defaultStateDir()`. */
  stateDir?: string;
  /** TLS port for every protocol; 0 picks a free one. Default 8883. */
  port?: number;
  /** Also listen on 5671 and 443, so `HostName=localhost` works for every protocol. */
  standardPorts?: boolean;
  /** Further ports to listen on besides `port` (what `standardPorts` adds: 5671 and 443). */
  extraPorts?: number[];
  /** Address to bind. Default 127.0.0.1 (and ::1 when the machine has it). */
  bind?: string;
  /**
   * Host name in tokens, connection strings and the certificate. Default `localhost`. Microsoft's C SDK
   * needs a name with a dot (it splits HostName at the first one): `127.0.0.1` works everywhere without DNS.
   */
  hostName?: string;
  /** Delay before a feedback batch goes out (Azure waits up to 15 s). Default 0: at once. */
  feedbackDelayMs?: number;
  /** Abandons before a message is dead-lettered. Default 10. */
  maxDeliveryCount?: number;
  /** How long a delivered message stays locked. Default 60 s (IoT Hub's fixed value). */
  lockTimeoutMs?: number;
  /** Time to live of messages that set no expiry. Default 1 hour. */
  defaultTtlMs?: number;
  /** Devices to create when missing. */
  devices?: string[];
  /**
   * PEM certificates of CAs that sign device certificates (`iot-c2d hub --device-ca`): a device of type
   * certificateAuthority whose certificate chains to one of them, with CN = its id, is let in.
   */
  deviceCas?: string[];
  /** Receives one line per notable event (refused connections, bad frames). Never keys. */
  log?: (line: string) => void;
  /** Which program runs the hub, told to other programs that find it (`iot-c2d hub`, `iot-c2d tui`). */
  owner?: string;
}

export interface Hub {
  hostName: string;
  /** The main port (the one in the connection strings). */
  port: number;
  /** Every port the hub listens on. */
  ports: number[];
  stateDir: string;
  /** Path of the CA certificate clients must trust. */
  caPath: string;
  caPem: string;
  /** `HostName=…;SharedAccessKeyName=…;SharedAccessKey=…` for a policy (default iothubowner). */
  serviceConnectionString(policy?: string): string;
  /**
   * `HostName=…;DeviceId=…;SharedAccessKey=…[;GatewayHostName=…]` for an existing device, or
   * `HostName=…;DeviceId=…;x509=true[;GatewayHostName=…]` for one that authenticates with a certificate.
   */
  deviceConnectionString(deviceId: string): string;
  /** Creates the device if missing and returns it. */
  ensureDevice(deviceId: string): DeviceIdentity;
  /** The CAs device certificates may chain to: those given in `deviceCas`, then the state directory's test CA. */
  deviceCas(): Array<{ subject: string; thumbprint: string }>;
  /** Messages waiting in a device's C2D queue. */
  queueDepth(deviceId: string): number;
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** A start-up failure caused by the state directory, as a HubStartError that names it and what to do. */
function unusable(err: unknown, stateDir: string): unknown {
  if (err instanceof StateDirError) return new HubStartError('state-unusable', err.message);
  if (err instanceof HubError && err.code === 'StorageUnavailable') return new HubStartError('state-unusable', `${err.message.replace(/\.$/, '')}, or give another --state-dir.`);
  if (!isStorageError(err)) return err;
  const problem = storageProblem(err, stateDir);
  return new HubStartError('state-unusable', `${problem[0]?.toUpperCase()}${problem.slice(1)}, or give another --state-dir.`);
}

export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const stateDir = options.stateDir ?? defaultStateDir();
  const hostName = options.hostName ?? 'localhost';
  // Log lines quote what clients sent (client ids, link addresses, refusals): one line each, whatever they hold.
  const given = options.log;
  const log = given ? (line: string): void => given(displayText(line)) : (): void => undefined;
  const startedAt = new Date().toISOString();
  const owner = options.owner ?? 'iot-c2d hub';
  let presence: HubPresence = { pid: process.pid, owner, port: 0, ports: [], startedAt };
  let claim: Awaited<ReturnType<typeof claimStateDir>>;
  try {
    makeDirectory(stateDir, 0o700);
    if ((statSync(stateDir).mode & 0o777) !== 0o700) chmodSync(stateDir, 0o700);
    // The state directory belongs to one hub at a time: claim it (or learn which live hub holds it) first.
    claim = await claimStateDir(stateDir, () => presence);
  } catch (err) {
    throw unusable(err, stateDir);
  }
  if ('running' in claim) {
    const { running } = claim;
    throw new HubStartError('hub-running', `A hub (pid ${running.pid}) is already running on ${stateDir}, port ${running.port}: use it, or give another --state-dir.`);
  }

  const givenCas = (options.deviceCas ?? []).flatMap((pem, i) => readCertificates(pem, `Device CA ${i + 1}`));
  // The test device CA (`iot-c2d device create --x509 ca`) may be made while the hub runs: look for it until found.
  let testCa: X509Certificate[] = [];
  const deviceCas = (): X509Certificate[] => {
    const path = deviceTestCaPaths(stateDir).cert;
    if (testCa.length === 0 && existsSync(path)) testCa = readCertificates(readFileSync(path, 'utf8'), path);
    return [...givenCas, ...testCa];
  };

  // Client certificates are asked for only once some device may present one: a SAS-only hub never asks.
  const servers: TlsListener[] = [];
  let askingForCertificates = false;
  const askForCertificates = (): void => {
    if (askingForCertificates) return;
    askingForCertificates = true;
    for (const listener of servers) listener.askForClientCertificates(true);
  };

  let certificates;
  let store: HubStore | undefined;
  let core: HubCore;
  try {
    certificates = await ensureCertificates(stateDir, [hostName]);
    store = new HubStore(stateDir);
    core = new HubCore(store, {
      hostName,
      deviceCas,
      log,
      onCertificateDevice: askForCertificates,
      ...(options.feedbackDelayMs === undefined ? {} : { feedbackDelayMs: options.feedbackDelayMs }),
      ...(options.maxDeliveryCount === undefined ? {} : { maxDeliveryCount: options.maxDeliveryCount }),
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
      ...(options.defaultTtlMs === undefined ? {} : { defaultTtlMs: options.defaultTtlMs }),
    });
  } catch (err) {
    store?.close();
    claim.close();
    throw unusable(err, stateDir);
  }
  const policies = core.policies();
  if (deviceCas().length > 0 || core.hasCertificateDevices()) askForCertificates();

  const mqtt = await createMqttServer(core);
  const amqp = createAmqpServer(core);
  const http = createHttpServer(core);
  const wss = serveWebSockets(http.server, { mqtt: mqtt.handle, amqp: amqp.handle }, log);
  const handlers = { mqtt: mqtt.handle, amqp: amqp.handle, http: http.handle };

  const ports: number[] = [];
  const bind = options.bind ?? '127.0.0.1';
  const wanted = [options.port ?? DEFAULT_PORT, ...(options.extraPorts ?? []), ...(options.standardPorts ? STANDARD_EXTRA_PORTS : [])];
  let trying = wanted[0] as number;
  try {
    for (const want of wanted) {
      trying = want;
      const listener = createTlsServer(certificates, handlers, log);
      listener.askForClientCertificates(askingForCertificates);
      const port = await listen(listener.server, want, bind);
      servers.push(listener);
      ports.push(port);
      if (bind === '127.0.0.1') {
        // Also answer on ::1 where the machine has it, since "localhost" may resolve there first.
        const v6 = createTlsServer(certificates, handlers, log);
        v6.askForClientCertificates(askingForCertificates);
        await listen(v6.server, port, '::1').then(
          () => servers.push(v6),
          () => undefined,
        );
      }
    }
  } catch (err) {
    for (const listener of servers) listener.server.close();
    http.close();
    wss.close();
    await mqtt.close();
    core.close();
    claim.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new HubStartError('port-in-use', `Port ${trying} is in use: give another with --port (0 picks a free one).`);
    if (e.code === 'EACCES') throw new HubStartError('port-denied', `Port ${trying} needs privileges here: drop --standard-ports or run with the right capability.`);
    throw err;
  }

  const sweep = setInterval(() => core.sweep(), Math.min(1000, Math.max(50, (options.lockTimeoutMs ?? LIMITS.lockTimeoutMs) / 4)));
  sweep.unref();

  const port = ports[0] as number;
  const standard = options.standardPorts === true && port === DEFAULT_PORT;
  const endpoint = standard ? hostName : `${hostName}:${port}`;
  const policyKey = (name: string): { keyName: string; key: string } => {
    const policy = policies.find((p) => p.name === name);
    if (!policy) throw new Error(`No shared access policy named "${name}": use one of ${policies.map((p) => p.name).join(', ')}.`);
    return { keyName: policy.name, key: policy.primaryKey };
  };
  const serviceConnectionString = (name = 'iothubowner'): string =>
    formatServiceConnectionString({ hostName: endpoint, ...policyKey(name) });
  for (const id of options.devices ?? []) core.ensureDevice(id);

  presence = { pid: process.pid, owner, port, ports, startedAt };
  writeHubInstance(stateDir, {
    pid: process.pid,
    owner,
    port,
    ports,
    hostName,
    caPath: certificates.caPath,
    serviceConnectionString: serviceConnectionString(),
    startedAt,
  });

  let stopped: Promise<void> | undefined;
  return {
    hostName,
    port,
    ports,
    stateDir,
    caPath: certificates.caPath,
    caPem: certificates.caPem,
    serviceConnectionString,
    deviceConnectionString: (deviceId) => {
      const device = core.requireDevice(deviceId);
      const gateway = standard ? {} : { gatewayHostName: endpoint };
      if (device.primaryKey === null) return formatX509DeviceConnectionString({ hostName, deviceId, ...gateway });
      return formatDeviceConnectionString({ hostName, deviceId, key: device.primaryKey, ...gateway });
    },
    ensureDevice: (deviceId) => core.ensureDevice(deviceId),
    deviceCas: () => deviceCas().map((ca) => ({ subject: ca.subject.replace(/\n/g, ', '), thumbprint: thumbprintOf(ca) })),
    queueDepth: (deviceId) => core.queueDepth(deviceId),
    stop: () => {
      stopped ??= (async () => {
        clearInterval(sweep);
        removeHubInstance(stateDir);
        for (const listener of servers) listener.server.close();
        // Connections end by closing their sockets, without AMQP close frames: the SDKs' AMQP transports
        // notice a dropped socket at once and reconnect, but hang on a close frame (docs/sdk-notes.md).
        http.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        await mqtt.close();
        for (const listener of servers) listener.destroyConnections();
        core.close();
        claim.close();
      })();
      return stopped;
    },
  };
}
