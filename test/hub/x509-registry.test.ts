/**
 * Issue 9, X.509 devices, acceptance: the SDK's Registry creates, gets, lists, updates and deletes selfSigned
 * and certificateAuthority devices, keys and thumbprints as Azure returns them; bad thumbprints get a 400.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Registry } from 'azure-iothub';
import { startHub } from '../../src/hub/index.js';
import { sdkRegistry } from '../helpers/sdk-registry.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { rejectionOf } from '../helpers/wait.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

const SHA1 = '9C8C1EAE96A7D21D9F6A4A7E2E7C6A3E1B2D3F40';
const SHA1_2 = 'A1B2C3D4E5F60718293A4B5C6D7E8F9011223344';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let hub: TestHub;
let registry: Registry;
beforeAll(async () => {
  hub = await startTestHub();
  registry = sdkRegistry(hub);
});
afterAll(async () => hub?.dispose());

type Auth = { type: string; symmetricKey: { primaryKey: string | null; secondaryKey: string | null }; x509Thumbprint: { primaryThumbprint: string | null; secondaryThumbprint: string | null } };
const authOf = (body: unknown): Auth => (body as { authentication: Auth }).authentication;

it('creates, gets, lists, updates and deletes a selfSigned device, thumbprints as given and no keys', async () => {
  const created = await registry.create({
    deviceId: 'x509-self',
    status: 'enabled',
    authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: SHA1, secondaryThumbprint: SHA256 } },
  } as never);
  expect(authOf(created.responseBody)).toEqual({
    type: 'selfSigned',
    symmetricKey: { primaryKey: null, secondaryKey: null },
    x509Thumbprint: { primaryThumbprint: SHA1, secondaryThumbprint: SHA256 },
  });
  expect(authOf((await registry.get('x509-self')).responseBody).x509Thumbprint.primaryThumbprint).toBe(SHA1);
  const listed = ((await registry.list()).responseBody as Array<{ deviceId: string }>).find((d) => d.deviceId === 'x509-self');
  expect(authOf(listed).type).toBe('selfSigned');

  const updated = await registry.update({
    deviceId: 'x509-self',
    status: 'disabled',
    authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: SHA1_2 } },
  } as never);
  expect((updated.responseBody as { status: string }).status).toBe('disabled');
  // The secondary thumbprint left out of the update is kept.
  expect(authOf(updated.responseBody).x509Thumbprint).toEqual({ primaryThumbprint: SHA1_2, secondaryThumbprint: SHA256 });

  await registry.delete('x509-self');
  const gone = await rejectionOf<Error>(registry.get('x509-self'));
  expect(gone.name).toBe('DeviceNotFoundError');
});

it('creates a certificateAuthority device with neither keys nor thumbprints, and turns it into a sas device', async () => {
  const created = await registry.create({ deviceId: 'x509-ca', authentication: { type: 'certificateAuthority' } } as never);
  expect(authOf(created.responseBody)).toEqual({
    type: 'certificateAuthority',
    symmetricKey: { primaryKey: null, secondaryKey: null },
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
  });
  expect(hub.deviceConnectionString('x509-ca')).toBe(`HostName=localhost;DeviceId=x509-ca;x509=true;GatewayHostName=localhost:${hub.port}`);
  const listed = (await registry.list()).responseBody as Array<{ deviceId: string }>;
  expect(listed.map((d) => d.deviceId)).toContain('x509-ca');

  const sas = await registry.update({ deviceId: 'x509-ca', authentication: { type: 'sas' } } as never);
  const auth = authOf(sas.responseBody);
  expect(auth.type).toBe('sas');
  expect(Buffer.from(auth.symmetricKey.primaryKey ?? '', 'base64')).toHaveLength(32);
  await registry.delete('x509-ca');
  expect(((await registry.list()).responseBody as Array<{ deviceId: string }>).map((d) => d.deviceId)).not.toContain('x509-ca');
});

it('refuses bad thumbprints with a 400 (ArgumentError) that names the problem, and stores nothing', async () => {
  for (const bad of ['1234', `${SHA1}00`, 'Z'.repeat(40), '9C:8C:1E:AE:96:A7:D2:1D:9F:6A:4A:7E:2E:7C:6A:3E:1B:2D:3F:40']) {
    const err = await rejectionOf<Error & { response?: { statusCode: number } }>(
      registry.create({ deviceId: 'x509-bad', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: bad } } } as never),
    );
    expect(err.name).toBe('ArgumentError');
    expect(err.response?.statusCode).toBe(400);
    expect(err.message).toMatch(/not a certificate thumbprint.*SHA-1 \(40 hex digits\) or SHA-256 \(64 hex digits\)/);
  }
  const noPrimary = await rejectionOf<Error>(registry.create({ deviceId: 'x509-bad', authentication: { type: 'selfSigned' } } as never));
  expect(noPrimary.message).toMatch(/needs x509Thumbprint.primaryThumbprint/);
  const unknownType = await rejectionOf<Error>(registry.create({ deviceId: 'x509-bad', authentication: { type: 'tpm' } } as never));
  expect(unknownType.message).toMatch(/"tpm" is not one of sas, selfSigned, certificateAuthority/);
  const names = ((await registry.list()).responseBody as Array<{ deviceId: string }>).map((d) => d.deviceId);
  expect(names).not.toContain('x509-bad');
});

it('a state directory made before X.509 devices existed opens with its devices as sas devices', async () => {
  const dir = tempStateDir();
  const first = await startHub({ port: 0, stateDir: dir, devices: ['old-1'] });
  const key = first.deviceConnectionString('old-1');
  await first.stop();
  // Put the database back the way an older iot-c2d left it: no authType or thumbprints, user_version 0.
  const db = new Database(join(dir, 'hub.db'));
  const row = db.prepare<[], { doc: string }>("SELECT doc FROM devices WHERE id = 'old-1'").get();
  const doc = JSON.parse(row?.doc ?? '{}') as Record<string, unknown>;
  delete doc.authType;
  delete doc.primaryThumbprint;
  delete doc.secondaryThumbprint;
  db.prepare("UPDATE devices SET doc = ? WHERE id = 'old-1'").run(JSON.stringify(doc));
  db.pragma('user_version = 0');
  db.close();

  const again = await startHub({ port: 0, stateDir: dir });
  try {
    expect(again.deviceConnectionString('old-1')).toBe(key.replace(/localhost:\d+$/, `localhost:${again.port}`));
    const reg = sdkRegistry(again);
    expect(authOf((await reg.get('old-1')).responseBody)).toMatchObject({ type: 'sas', x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null } });
  } finally {
    await again.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
