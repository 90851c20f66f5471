/**
 * Issue 9, X.509 devices from the command line: `device create --x509 self-signed|ca` writes a fresh
 * certificate and key (0600) and registers the device; `receive` connects it with --cert/--key (or the files
 * create wrote); `hub --device-ca <pem>` trusts a CA and prints it after its own. Keys are never printed.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { makeDeviceCa } from '../../src/hub/index.js';
import { execCli, hubArgs, jsonLines, killStarted, runCli, startCli, waitForLine } from '../helpers/cli.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterEach(killStarted);
afterAll(async () => hub?.dispose());

const mode = (path: string): number => statSync(path).mode & 0o777;

it('device create --x509 self-signed, then receive with --cert/--key gets a message', async () => {
  const created = await execCli(['device', 'create', 'cam-1', '--x509', 'self-signed', '--json', '--state-dir', hub.stateDir, ...hubArgs(hub)]);
  expect(created.code).toBe(0);
  const [line] = jsonLines(created.stdout) as Array<{ connectionString: string; certPath: string; keyPath: string; thumbprint: string }>;
  expect(line?.connectionString).toBe(`HostName=localhost;DeviceId=cam-1;x509=true;GatewayHostName=localhost:${hub.port}`);
  expect(line?.thumbprint).toMatch(/^[0-9A-F]{40}$/);
  expect(mode(line?.keyPath ?? '')).toBe(0o600);
  expect(mode(line?.certPath ?? '')).toBe(0o600);
  expect(created.stdout + created.stderr).not.toMatch(/PRIVATE KEY/);
  expect(created.stderr).toMatch(/created X\.509 device 'cam-1' \(selfSigned, SHA-1 thumbprint [0-9A-F]{40}\)/);

  const receiver = startCli(['receive', '--device', line?.connectionString ?? '', '--ca', hub.caPath, '--cert', line?.certPath ?? '', '--key', line?.keyPath ?? '', '--count', '1', '--json']);
  await receiver.waitFor(/receiving as device 'cam-1'/, 'stderr');
  const sent = await execCli(['send', 'cam-1', 'hello camera', '--ack', 'full', '--wait', '--message-id', 'cam-1-m', ...hubArgs(hub)]);
  expect(sent.code).toBe(0);
  const received = await receiver.exited;
  expect(received.code).toBe(0);
  expect(jsonLines(received.stdout)[0]).toMatchObject({ messageId: 'cam-1-m' });
  expect(received.stdout + received.stderr).not.toMatch(/PRIVATE KEY/);
});

it("device create --x509 ca signs with the hub's test CA, which the running hub trusts; receive by id finds the files", async () => {
  const created = await execCli(['device', 'create', 'cam-2', '--x509', 'ca', '--state-dir', hub.stateDir, ...hubArgs(hub)]);
  expect(created.code).toBe(0);
  expect(created.stderr).toMatch(/certificateAuthority, signed by the test CA .*device-test-ca\.pem/);
  expect(hub.deviceCas().map((ca) => ca.subject)).toEqual(['CN=iot-c2d local hub test device CA']);

  const receiver = startCli(['receive', 'cam-2', '--transport', 'amqp', '--count', '1', '--state-dir', hub.stateDir, ...hubArgs(hub)]);
  await receiver.waitFor(/receiving as device 'cam-2' over amqp/, 'stderr');
  const sent = await execCli(['send', 'cam-2', 'hello', '--ack', 'full', '--wait', '--message-id', 'cam-2-m', ...hubArgs(hub)]);
  expect(sent.code).toBe(0);
  expect((await receiver.exited).stdout).toContain('cam-2-m');
});

it('receive of an x509=true string without a certificate, and --ca-cert without --ca-key, are usage errors', async () => {
  const noCert = await execCli(['receive', '--device', `HostName=localhost;DeviceId=nobody;x509=true;GatewayHostName=localhost:${hub.port}`, '--ca', hub.caPath, '--state-dir', tempStateDir()]);
  expect(noCert.code).toBe(2);
  expect(noCert.stderr).toBe("iot-c2d: Device 'nobody' authenticates with a certificate (x509=true): give --cert <pem> and --key <pem>.\n");
  const half = await execCli(['device', 'create', 'cam-3', '--x509', 'ca', '--ca-cert', 'ca.pem', ...hubArgs(hub)]);
  expect(half.code).toBe(2);
  expect(half.stderr).toMatch(/Give --ca-cert and --ca-key together/);
});

it("receive with a key that is not the certificate's, or a file that is no certificate, says which file, in one line", async () => {
  const one = jsonLines((await execCli(['device', 'create', 'cam-4', '--x509', 'self-signed', '--json', '--state-dir', hub.stateDir, ...hubArgs(hub)])).stdout)[0] as { connectionString: string; certPath: string };
  const other = jsonLines((await execCli(['device', 'create', 'cam-5', '--x509', 'self-signed', '--json', '--state-dir', hub.stateDir, ...hubArgs(hub)])).stdout)[0] as { keyPath: string };
  const receive = (cert: string, key: string) => execCli(['receive', '--device', one.connectionString, '--ca', hub.caPath, '--cert', cert, '--key', key, '--count', '1', '--timeout', '5']);

  const mismatch = await receive(one.certPath, other.keyPath);
  expect(mismatch.code).toBe(2);
  expect(mismatch.stderr).toBe(`iot-c2d: --key ${other.keyPath} is not the private key of the certificate --cert ${one.certPath}: give the key made with that certificate.\n`);

  const notPem = join(tempStateDir(), 'notes.txt');
  writeFileSync(notPem, 'not a certificate');
  const wrongFile = await receive(notPem, other.keyPath);
  expect(wrongFile.code).toBe(2);
  expect(wrongFile.stderr).toBe(`iot-c2d: --cert ${notPem} is not a PEM certificate (-----BEGIN CERTIFICATE-----): give the device's certificate.\n`);
  const keyAsCert = await receive(one.certPath, one.certPath);
  expect(keyAsCert.stderr).toMatch(/^iot-c2d: --key .* is not a PEM private key/);
});

it("device create --x509 ca with a --ca-key that is not the --ca-cert's key is refused before anything is registered", async () => {
  const dir = tempStateDir();
  const [one, two] = await Promise.all([makeDeviceCa('One CA'), makeDeviceCa('Two CA')]);
  writeFileSync(join(dir, 'one.pem'), one.certPem);
  writeFileSync(join(dir, 'two-key.pem'), two.keyPem);
  const created = await execCli(['device', 'create', 'cam-6', '--x509', 'ca', '--ca-cert', join(dir, 'one.pem'), '--ca-key', join(dir, 'two-key.pem'), '--state-dir', hub.stateDir, ...hubArgs(hub)]);
  expect(created.code).toBe(2);
  expect(created.stderr).toMatch(/^iot-c2d: --ca-key .*two-key\.pem is not the private key of the certificate --ca-cert .*one\.pem: give the key made with that certificate\.$/m);
  expect((await execCli(['device', 'show', 'cam-6', ...hubArgs(hub)])).code).not.toBe(0);
});

it('hub --device-ca prints its own CA first, then the device CA; an unreadable one is a usage error', async () => {
  const dir = tempStateDir();
  const ca = await makeDeviceCa('Fleet CA');
  const caFile = join(dir, 'fleet-ca.pem');
  writeFileSync(caFile, ca.certPem);
  const running = runCli(['hub', '--port', '0', '--state-dir', join(dir, 'state'), '--device-ca', caFile]);
  await waitForLine(running, /^Device CA \(X\.509 devices\): CN=Fleet CA, SHA-1 [0-9A-F]{40}$/);
  const lines = running.stdout().split('\n');
  expect(lines.findIndex((l) => l.startsWith('CA:      '))).toBeLessThan(lines.findIndex((l) => l.startsWith('Device CA')));
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);

  const missing = await execCli(['hub', '--port', '0', '--state-dir', join(dir, 'state'), '--device-ca', join(dir, 'nope.pem')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/^iot-c2d: --device-ca .*nope\.pem: cannot read it \(ENOENT\): give the path of a PEM certificate file\.\n$/);
});
