/**
 * caBundle: a client handed the hub's CA trusts it in addition to Node's root store (here, with
 * --use-openssl-ca, a root of our own in SSL_CERT_FILE stands for it), trusts nothing else, and its
 * connections share one secure context.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import type { Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeDeviceCa } from '../../src/hub/device-certificates.js';
import { ensureCertificates } from '../../src/hub/tls.js';
import type { HubCertificates } from '../../src/hub/tls.js';

const dirs: string[] = [];
const servers: Server[] = [];
let root: HubCertificates;
let hub: HubCertificates;
const ports: number[] = [];

async function serverOf(certs: HubCertificates): Promise<number> {
  const server = createServer({ cert: certs.certPem, key: certs.keyPem }, (socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  const [a, b, c] = await Promise.all(
    ['root', 'hub', 'stranger'].map(async (name) => {
      const dir = mkdtempSync(join(tmpdir(), `iot-c2d-trust-${name}-`));
      dirs.push(dir);
      // A CA of its own name (OpenSSL finds an issuer by its name), kept by ensureCertificates, which signs
      // the server certificate with it.
      const ca = await makeDeviceCa(`iot-c2d trust test ${name} CA`);
      mkdirSync(join(dir, 'tls'));
      writeFileSync(join(dir, 'tls', 'ca.pem'), ca.certPem);
      writeFileSync(join(dir, 'tls', 'ca-key.pem'), ca.keyPem, { mode: 0o600 });
      return ensureCertificates(dir);
    }),
  );
  [root, hub] = [a as HubCertificates, b as HubCertificates];
  for (const certs of [a, b, c] as HubCertificates[]) ports.push(await serverOf(certs));
});

afterAll(() => {
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('trusts the roots and the hub CA, nothing else, with one secure context for the bundle', async () => {
  const child = fileURLToPath(new URL('../fixtures/trust-child.ts', import.meta.url));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--use-openssl-ca', '--import', 'tsx', child, hub.caPath, ...ports.map(String)], { env: { ...process.env, SSL_CERT_FILE: root.caPath, SSL_CERT_DIR: dirs[0] } }, (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
  const report = JSON.parse(stdout.trim()) as { results: string[]; shared: boolean; sharedWithOtherOptions: boolean };
  expect(report.results.slice(0, 2)).toEqual(['verified', 'verified']);
  expect(report.results[2]).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
  expect(report.shared).toBe(true);
  expect(report.sharedWithOtherOptions).toBe(false);
});
