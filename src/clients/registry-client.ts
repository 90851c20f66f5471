/**
 * The identity registry, on the official `azure-iothub` Registry (HTTPS REST), plus the C2D queue purge,
 * which the SDK does not expose (it is a plain REST call: `DELETE /devices/{id}/commands`).
 *
 * The Registry's REST client gets an agent that carries the hub's CA and splits `host:port` host names
 * (the SDK would look up `localhost:8883` as a host name).
 */
import { request } from 'node:https';
import type { Registry as SdkRegistry } from 'azure-iothub';
import { formatDeviceConnectionString, parseServiceConnectionString } from '../core/connection-string.js';
import type { ServiceConnectionString } from '../core/connection-string.js';
import { createSasToken } from '../core/sas.js';
import { explain } from './errors.js';
import type { ClientError } from './errors.js';
import { sdk } from './sdk.js';
import { HubAgent, caBundle } from './trust.js';
import type { DeviceInfo, NewDeviceAuth, RegistrySide } from './types.js';

// The registry module, not the SDK's index (which also loads the digital twin client's REST stack): service-client.ts.
const { Registry } = sdk('azure-iothub/dist/registry.js') as typeof import('azure-iothub/dist/registry.js');

const API_VERSION = '2021-04-12';

export interface RegistryClientOptions {
  connectionString: string;
  ca?: string;
  /** For device connection strings: where devices connect, when it differs from HostName (`localhost:8883`). */
  deviceGateway?: string;
}

interface SdkDevice {
  deviceId: string;
  status?: string;
  connectionState?: string;
  cloudToDeviceMessageCount?: number;
  generationId?: string;
  authentication?: { type?: string; symmetricKey?: { primaryKey?: string | null; secondaryKey?: string | null } };
}

function toInfo(device: SdkDevice): DeviceInfo {
  const info: DeviceInfo = {
    deviceId: device.deviceId,
    status: device.status ?? 'enabled',
    connectionState: device.connectionState ?? 'Disconnected',
    cloudToDeviceMessageCount: device.cloudToDeviceMessageCount ?? 0,
    generationId: device.generationId ?? '',
  };
  const keys = device.authentication?.symmetricKey;
  if (keys?.primaryKey) info.primaryKey = keys.primaryKey;
  if (keys?.secondaryKey) info.secondaryKey = keys.secondaryKey;
  if (device.authentication?.type) info.authType = device.authentication.type;
  return info;
}

export class RegistryClient implements RegistrySide {
  private readonly cs: ServiceConnectionString;
  private readonly registry: SdkRegistry;
  private readonly agent: HubAgent;

  constructor(private readonly options: RegistryClientOptions) {
    this.cs = parseServiceConnectionString(options.connectionString);
    const ca = caBundle(options.ca);
    this.agent = new HubAgent(ca ? { ca } : {});
    this.registry = Registry.fromConnectionString(options.connectionString);
    // The constructor installs its own agent; replace it with ours (CA, host:port).
    (this.registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent: this.agent } });
  }

  async create(deviceId: string, auth?: NewDeviceAuth): Promise<DeviceInfo> {
    const authentication =
      auth?.type === 'selfSigned'
        ? { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: auth.primaryThumbprint } }
        : auth?.type === 'certificateAuthority'
          ? { type: 'certificateAuthority' }
          : undefined;
    const device = { deviceId, status: 'enabled', ...(authentication ? { authentication } : {}) };
    return this.call(deviceId, async () => toInfo((await this.registry.create(device as never)).responseBody as SdkDevice));
  }

  async get(deviceId: string): Promise<DeviceInfo> {
    return this.call(deviceId, async () => toInfo((await this.registry.get(deviceId)).responseBody as SdkDevice));
  }

  async list(): Promise<DeviceInfo[]> {
    return this.call(undefined, async () => ((await this.registry.list()).responseBody as SdkDevice[]).map(toInfo));
  }

  async delete(deviceId: string): Promise<void> {
    await this.call(deviceId, async () => {
      await this.registry.delete(deviceId);
    });
  }

  async purge(deviceId: string): Promise<number> {
    const body = await this.call(deviceId, () => this.rest('DELETE', `/devices/${encodeURIComponent(deviceId)}/commands`));
    return Number((JSON.parse(body) as { totalMessagesPurged?: number }).totalMessagesPurged ?? 0);
  }

  deviceConnectionString(info: DeviceInfo): string {
    const hostName = this.cs.hostName.replace(/:\d+$/, '');
    const gateway = this.options.deviceGateway ?? (hostName === this.cs.hostName ? undefined : this.cs.hostName);
    const x509 = info.authType === 'selfSigned' || info.authType === 'certificateAuthority';
    return formatDeviceConnectionString({
      hostName,
      deviceId: info.deviceId,
      ...(x509 ? { x509: true as const } : { key: info.primaryKey ?? '' }),
      ...(gateway ? { gatewayHostName: gateway } : {}),
    });
  }

  private async call<T>(deviceId: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.explain(err, deviceId);
    }
  }

  private explain(err: unknown, deviceId: string | undefined): ClientError {
    return explain(err, { what: 'service connection string', keyName: this.cs.keyName, ...(deviceId ? { deviceId } : {}) });
  }

  /** A REST call the SDK does not offer, signed like the SDK's own. */
  private rest(method: string, path: string): Promise<string> {
    const token = createSasToken(this.cs.hostName.replace(/:\d+$/, ''), this.cs.key, Math.floor(Date.now() / 1000) + 3600, this.cs.keyName);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.cs.hostName,
          method,
          path: `${path}?api-version=${API_VERSION}`,
          agent: this.agent,
          headers: { Authorization: token, 'Request-Id': crypto.randomUUID(), 'User-Agent': 'iot-c2d' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if ((res.statusCode ?? 500) < 300) return resolve(text);
            const code = /ErrorCode:(\w+)/.exec(text)?.[1];
            const error = Object.assign(new Error(text || `HTTP ${res.statusCode}`), { response: { statusCode: res.statusCode } });
            if (code === 'DeviceNotFound') error.name = 'DeviceNotFoundError';
            reject(error);
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }
}
