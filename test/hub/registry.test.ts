/**
 * Issue: the embedded hub, acceptance 7: the SDK's Registry creates, reads, lists and deletes devices, with
 * the SDK's own error classes for duplicates and missing devices.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientError } from '../../src/clients/errors.js';
import type { RegistryClient } from '../../src/clients/registry-client.js';
import { openDevice, openRegistry, openService, message } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import { rejectionOf } from '../helpers/wait.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
let registry: RegistryClient;
beforeAll(async () => {
  hub = await startTestHub();
  registry = openRegistry(hub);
});
afterAll(async () => hub?.dispose());


it('creates a device with generated keys, and a connection string that connects', async () => {
  const created = await registry.create('reg-1');
  expect(created).toMatchObject({ deviceId: 'reg-1', status: 'enabled', connectionState: 'Disconnected', cloudToDeviceMessageCount: 0 });
  expect(Buffer.from(created.primaryKey ?? '', 'base64')).toHaveLength(32);
  expect(created.secondaryKey).not.toBe(created.primaryKey);
  expect(created.generationId).toMatch(/^\d{18}$/);
  const cs = registry.deviceConnectionString(created);
  expect(cs).toBe(`HostName=localhost;DeviceId=reg-1;SharedAccessKey=${created.primaryKey};GatewayHostName=localhost:${hub.port}`);
  const { device } = await openDevice(hub, 'reg-1');
  expect((await registry.get('reg-1')).connectionState).toBe('Connected');
  await device.close();
});

it('gets and lists devices, with the C2D queue depth', async () => {
  await registry.create('reg-2');
  const { service } = await openService(hub);
  await service.send('reg-2', message({ ack: 'none' }));
  await service.send('reg-2', message({ ack: 'none' }));
  expect((await registry.get('reg-2')).cloudToDeviceMessageCount).toBe(2);
  expect((await registry.list()).map((d) => d.deviceId)).toEqual(expect.arrayContaining(['reg-1', 'reg-2']));
  expect(await registry.purge('reg-2')).toBe(2);
  expect((await registry.get('reg-2')).cloudToDeviceMessageCount).toBe(0);
  await service.close();
});

it('refuses a duplicate with DeviceAlreadyExistsError and an invalid id with ArgumentError', async () => {
  const duplicate = await rejectionOf<ClientError>(registry.create('reg-1'));
  expect((duplicate.cause as Error).name).toBe('DeviceAlreadyExistsError');
  expect(duplicate.kind).toBe('device-exists');
  const invalid = await rejectionOf<ClientError>(registry.create('invalid/name'));
  expect((invalid.cause as Error).name).toBe('ArgumentError');
  expect(invalid.message).toMatch(/contains "\/"/);
});

it('deletes a device, after which get, delete and purge say DeviceNotFound', async () => {
  await registry.create('reg-3');
  await registry.delete('reg-3');
  // One at a time: a call started before its rejection is awaited would be an unhandled rejection meanwhile.
  for (const attempt of [() => registry.get('reg-3'), () => registry.delete('reg-3'), () => registry.purge('reg-3')]) {
    const err = await rejectionOf<ClientError>(attempt());
    expect(err.kind).toBe('device-not-found');
    expect((err.cause as Error).name).toBe('DeviceNotFoundError');
  }
  expect((await registry.list()).map((d) => d.deviceId)).not.toContain('reg-3');
});
