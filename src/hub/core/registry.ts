/**
 * Device identities: create, read, update, delete, with the rules IoT Hub applies (id characters, keys the
 * hub generates when none are given, etags, generation ids). Kept in memory and written through to SQLite.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { checkId } from '../../core/iothub-names.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { HubError } from './errors.js';
import type { DeviceAuthType, DeviceIdentity } from './model.js';
import type { HubStore } from './store.js';

/** What a caller may set on a device (the registry REST body, normalised). */
export interface DeviceInput {
  deviceId: string;
  status?: 'enabled' | 'disabled';
  statusReason?: string | null;
  /** Left out: `sas` for a new device, unchanged on update. */
  authType?: DeviceAuthType;
  primaryKey?: string;
  secondaryKey?: string;
  primaryThumbprint?: string;
  secondaryThumbprint?: string;
  iotEdge?: boolean;
}

const NEVER = '0001-01-01T00:00:00Z';

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

function newGenerationId(): string {
  return `63${String(randomInt(1e9)).padStart(9, '0')}${String(randomInt(1e7)).padStart(7, '0')}`;
}

function newEtag(): string {
  return Buffer.from(String(randomInt(1e9))).toString('base64');
}

function checkKey(name: string, key: string): void {
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0 ? Buffer.from(key, 'base64').length : 0;
  if (bytes < 16 || bytes > 64) throw new HubError('ArgumentInvalid', `The ${name} must be a base64 key of 16 to 64 bytes.`);
}

/** A SHA-1 (40 hex digits) or SHA-256 (64) certificate thumbprint, as IoT Hub accepts them (no colons). */
export function isThumbprint(text: string): boolean {
  return /^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(text);
}

function checkThumbprint(name: string, thumbprint: string | null): void {
  if (thumbprint !== null && !isThumbprint(thumbprint)) {
    throw new HubError(
      'ArgumentInvalid',
      `The ${name} "${thumbprint.slice(0, 80)}" is not a certificate thumbprint: give the SHA-1 (40 hex digits) or SHA-256 (64 hex digits) fingerprint, without colons.`,
    );
  }
}

/** The credential fields of a device of `authType`: keys for sas (generated when missing), thumbprints for selfSigned, none for certificateAuthority. */
function credentials(
  authType: DeviceAuthType,
  input: DeviceInput,
  current: Pick<DeviceIdentity, 'authType' | 'primaryKey' | 'secondaryKey' | 'primaryThumbprint' | 'secondaryThumbprint'> | undefined,
): Pick<DeviceIdentity, 'authType' | 'primaryKey' | 'secondaryKey' | 'primaryThumbprint' | 'secondaryThumbprint'> {
  const same = current?.authType === authType ? current : undefined;
  if (authType === 'sas') {
    if (input.primaryThumbprint || input.secondaryThumbprint) {
      throw new HubError('ArgumentInvalid', 'A device with authentication type sas has no X.509 thumbprints: give type selfSigned, or leave the thumbprints out.');
    }
    const device = {
      authType,
      primaryKey: input.primaryKey || same?.primaryKey || newKey(),
      secondaryKey: input.secondaryKey || same?.secondaryKey || newKey(),
      primaryThumbprint: null,
      secondaryThumbprint: null,
    };
    checkKey('primary key', device.primaryKey);
    checkKey('secondary key', device.secondaryKey);
    return device;
  }
  if (input.primaryKey || input.secondaryKey) {
    throw new HubError('ArgumentInvalid', `A device with authentication type ${authType} has no symmetric keys: leave symmetricKey out, or give type sas.`);
  }
  if (authType === 'certificateAuthority') {
    if (input.primaryThumbprint || input.secondaryThumbprint) {
      throw new HubError('ArgumentInvalid', 'A device with authentication type certificateAuthority has no thumbprints (its certificate chains to a registered CA): leave them out, or give type selfSigned.');
    }
    return { authType, primaryKey: null, secondaryKey: null, primaryThumbprint: null, secondaryThumbprint: null };
  }
  const primaryThumbprint = input.primaryThumbprint || same?.primaryThumbprint || null;
  const secondaryThumbprint = input.secondaryThumbprint || same?.secondaryThumbprint || null;
  checkThumbprint('primary thumbprint', primaryThumbprint);
  checkThumbprint('secondary thumbprint', secondaryThumbprint);
  if (primaryThumbprint === null) {
    throw new HubError('ArgumentInvalid', 'A device with authentication type selfSigned needs x509Thumbprint.primaryThumbprint: the SHA-1 or SHA-256 fingerprint of its certificate.');
  }
  return { authType, primaryKey: null, secondaryKey: null, primaryThumbprint, secondaryThumbprint };
}

export class DeviceRegistry {
  private readonly devices = new Map<string, DeviceIdentity>();

  constructor(
    private readonly store: HubStore,
    private readonly clock: Clock = systemClock,
  ) {
    for (const device of store.devices()) this.devices.set(device.deviceId, device);
  }

  get(deviceId: string): DeviceIdentity | undefined {
    return this.devices.get(deviceId);
  }

  list(): DeviceIdentity[] {
    return [...this.devices.values()];
  }

  /** Creates a device; keys left empty are generated. */
  create(input: DeviceInput): DeviceIdentity {
    const problem = checkId('device id', input.deviceId);
    if (problem) throw new HubError('ArgumentInvalid', problem);
    if (this.devices.has(input.deviceId)) {
      throw new HubError('DeviceAlreadyExists', `A device with ID '${input.deviceId}' is already registered.`);
    }
    const now = new Date(this.clock.now()).toISOString();
    const device: DeviceIdentity = {
      deviceId: input.deviceId,
      generationId: newGenerationId(),
      etag: newEtag(),
      status: input.status ?? 'enabled',
      statusReason: input.statusReason ?? null,
      statusUpdatedTime: now,
      connectionStateUpdatedTime: NEVER,
      lastActivityTime: NEVER,
      ...credentials(input.authType ?? 'sas', input, undefined),
      iotEdge: input.iotEdge ?? false,
    };
    this.save(device);
    return device;
  }

  /** Updates a device; `ifMatch` is the etag the caller last saw, or `*`. */
  update(input: DeviceInput, ifMatch: string): DeviceIdentity {
    const current = this.require(input.deviceId);
    if (ifMatch !== '*' && ifMatch !== current.etag) {
      throw new HubError('PreconditionFailed', `The etag of device '${input.deviceId}' does not match: read the device again and retry.`);
    }
    const status = input.status ?? current.status;
    const device: DeviceIdentity = {
      ...current,
      etag: newEtag(),
      status,
      statusReason: input.statusReason === undefined ? current.statusReason : input.statusReason,
      statusUpdatedTime: status === current.status ? current.statusUpdatedTime : new Date(this.clock.now()).toISOString(),
      ...credentials(input.authType ?? current.authType, input, current),
      iotEdge: input.iotEdge ?? current.iotEdge,
    };
    this.save(device);
    return device;
  }

  /** Records a connection or a disconnection (connectionStateUpdatedTime, lastActivityTime). */
  touch(deviceId: string): void {
    const device = this.devices.get(deviceId);
    if (!device) return;
    const now = new Date(this.clock.now()).toISOString();
    device.connectionStateUpdatedTime = now;
    device.lastActivityTime = now;
  }

  delete(deviceId: string, ifMatch: string): DeviceIdentity {
    const current = this.require(deviceId);
    if (ifMatch !== '*' && ifMatch !== current.etag) {
      throw new HubError('PreconditionFailed', `The etag of device '${deviceId}' does not match: read the device again and retry.`);
    }
    this.devices.delete(deviceId);
    this.store.deleteDevice(deviceId);
    return current;
  }

  require(deviceId: string): DeviceIdentity {
    const device = this.devices.get(deviceId);
    if (!device) throw new HubError('DeviceNotFound', `Device '${deviceId}' is not registered on this hub.`);
    return device;
  }

  private save(device: DeviceIdentity): void {
    this.store.putDevice(device);
    this.devices.set(device.deviceId, device);
  }
}
