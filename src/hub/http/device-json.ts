/** Device identities in the registry REST API's JSON shape, both ways. */
import type { HubContext } from '../context.js';
import { HubError } from '../errors.js';
import type { DeviceIdentity } from '../model.js';
import type { DeviceInput } from '../registry.js';

export function deviceJson(ctx: HubContext, device: DeviceIdentity): Record<string, unknown> {
  return {
    deviceId: device.deviceId,
    generationId: device.generationId,
    etag: device.etag,
    connectionState: ctx.presence.isConnected(device.deviceId) ? 'Connected' : 'Disconnected',
    status: device.status,
    statusReason: device.statusReason,
    connectionStateUpdatedTime: device.connectionStateUpdatedTime,
    statusUpdatedTime: device.statusUpdatedTime,
    lastActivityTime: device.lastActivityTime,
    cloudToDeviceMessageCount: ctx.queues.depth(device.deviceId),
    authentication: {
      symmetricKey: { primaryKey: device.primaryKey, secondaryKey: device.secondaryKey },
      x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
      type: 'sas',
    },
    capabilities: { iotEdge: device.iotEdge },
  };
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
  const auth = body.authentication as { type?: string; symmetricKey?: { primaryKey?: string; secondaryKey?: string } } | undefined;
  if (auth) {
    if (auth.type !== undefined && auth.type.toLowerCase() !== 'sas') {
      throw new HubError('ArgumentInvalid', `Authentication type "${auth.type}" is not supported by the local hub: use sas (symmetric keys).`);
    }
    if (auth.symmetricKey?.primaryKey) input.primaryKey = auth.symmetricKey.primaryKey;
    if (auth.symmetricKey?.secondaryKey) input.secondaryKey = auth.symmetricKey.secondaryKey;
  }
  const capabilities = body.capabilities as { iotEdge?: boolean } | undefined;
  if (capabilities?.iotEdge !== undefined) input.iotEdge = Boolean(capabilities.iotEdge);
  return input;
}
