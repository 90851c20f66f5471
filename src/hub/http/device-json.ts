/** Device identities in the registry REST API's JSON shape, both ways. */
import { HubError } from '../core/errors.js';
import type { DeviceInput, HubCore } from '../core/hub-core.js';
import type { DeviceAuthType, DeviceIdentity } from '../core/model.js';

export function deviceJson(core: HubCore, device: DeviceIdentity): Record<string, unknown> {
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    etag: device.etag,
    connectionState: core.isConnected(device.deviceId) ? 'Connected' : 'Disconnected',
    status: device.status,
    statusReason: device.statusReason,
    connectionStateUpdatedTime: device.connectionStateUpdatedTime,
    statusUpdatedTime: device.statusUpdatedTime,
    lastActivityTime: device.lastActivityTime,
    cloudToDeviceMessageCount: core.queueDepth(device.deviceId),
    authentication: {
      symmetricKey: { primaryKey: device.primaryKey, secondaryKey: device.secondaryKey },
      x509Thumbprint: { primaryThumbprint: device.primaryThumbprint, secondaryThumbprint: device.secondaryThumbprint },
      type: device.authType,
    },
    capabilities: { iotEdge: device.iotEdge },
  };
}

/**
 * A device as IoT Hub's twin shows it (GET /twins/{id}, rows of POST /devices/query): the identity's live
 * fields under the twin's names. The local hub keeps no twin properties or tags: desired and reported are
 * empty at version 1, so the twin's etag is that of version 1.
 */
export function twinJson(core: HubCore, device: DeviceIdentity): Record<string, unknown> {
  const empty = { $metadata: { $lastUpdated: device.statusUpdatedTime }, $version: 1 };
  return {
    deviceId: device.deviceId,
    etag: 'AAAAAAAAAAE=',
    deviceEtag: device.etag,
    status: device.status,
    statusReason: device.statusReason,
    statusUpdateTime: device.statusUpdatedTime,
    connectionState: core.isConnected(device.deviceId) ? 'Connected' : 'Disconnected',
    lastActivityTime: device.lastActivityTime,
    cloudToDeviceMessageCount: core.queueDepth(device.deviceId),
    authenticationType: device.authType,
    x509Thumbprint: { primaryThumbprint: device.primaryThumbprint, secondaryThumbprint: device.secondaryThumbprint },
    modelId: '',
    version: 2,
    properties: { desired: empty, reported: empty },
    capabilities: { iotEdge: device.iotEdge },
  };
}

const AUTH_TYPES: readonly DeviceAuthType[] = ['sas', 'selfSigned', 'certificateAuthority'];

/** A string field of the body, or undefined when absent or null. */
function text(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HubError('ArgumentInvalid', `authentication.${name} must be a string.`);
  return value;
}

/** The fields a PUT may set, checked. */
export function deviceInput(pathId: string, body: Record<string, unknown>): DeviceInput {
  if (body.deviceId !== undefined && body.deviceId !== pathId) {
    throw new HubError('ArgumentInvalid', `The body's deviceId "${String(body.deviceId)}" differs from the URL's "${pathId}".`);
  }
  const input: DeviceInput = { deviceId: pathId };
  if (body.status !== undefined) {
    const status = String(body.status).toLowerCase();
    if (status !== 'enabled' && status !== 'disabled') throw new HubError('ArgumentInvalid', `status must be enabled or disabled, not "${String(body.status)}".`);
    input.status = status;
  }
  if (typeof body.statusReason === 'string') input.statusReason = body.statusReason;
  const auth = body.authentication as
    | { type?: unknown; symmetricKey?: { primaryKey?: unknown; secondaryKey?: unknown }; x509Thumbprint?: { primaryThumbprint?: unknown; secondaryThumbprint?: unknown } }
    | undefined;
  if (auth) {
    if (auth.type !== undefined && auth.type !== null) {
      const type = AUTH_TYPES.find((t) => t.toLowerCase() === String(auth.type).toLowerCase());
      if (!type) throw new HubError('ArgumentInvalid', `Authentication type "${String(auth.type)}" is not one of ${AUTH_TYPES.join(', ')}.`);
      input.authType = type;
    }
    const primaryKey = text(auth.symmetricKey?.primaryKey, 'symmetricKey.primaryKey');
    const secondaryKey = text(auth.symmetricKey?.secondaryKey, 'symmetricKey.secondaryKey');
    const primaryThumbprint = text(auth.x509Thumbprint?.primaryThumbprint, 'x509Thumbprint.primaryThumbprint');
    const secondaryThumbprint = text(auth.x509Thumbprint?.secondaryThumbprint, 'x509Thumbprint.secondaryThumbprint');
    if (primaryKey) input.primaryKey = primaryKey;
    if (secondaryKey) input.secondaryKey = secondaryKey;
    if (primaryThumbprint) input.primaryThumbprint = primaryThumbprint;
    if (secondaryThumbprint) input.secondaryThumbprint = secondaryThumbprint;
  }
  const capabilities = body.capabilities as { iotEdge?: boolean } | undefined;
  if (capabilities?.iotEdge !== undefined) input.iotEdge = Boolean(capabilities.iotEdge);
  return input;
}
