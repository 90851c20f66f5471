/**
 * X.509 device identities on the transport side: reading the certificate a device presented on its TLS
 * connection (checked by core/certificate-check.ts), and making test certificates.
 *
 * Once the hub has an X.509 device or a device CA, the TLS server asks every client for a certificate without
 * requiring one (listener.ts), so nothing is refused at the handshake: each transport authorises after it, when it knows which device is named, and
 * refuses in its own words (CONNACK 5, AMQP `unauthorized-access`, HTTP 401), which the SDKs turn into an
 * `UnauthorizedError`. A handshake refusal would reach them as a bare socket error.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { thumbprintOf } from './core/certificate-check.js';
import type { PeerCertificate } from './core/certificate-check.js';
import { makeDirectory } from '../core/make-directory.js';

const peers = new WeakMap<TLSSocket, PeerCertificate | null>();

/** The certificate a TLS client presented, if any (read once per socket). */
export function peerCertificateOf(socket: TLSSocket | undefined): PeerCertificate | undefined {
  if (!socket || typeof socket.getPeerCertificate !== 'function') return undefined;
  let peer = peers.get(socket);
  if (peer === undefined) {
    peer = null;
    const detailed = socket.getPeerCertificate(true);
    if (detailed?.raw) {
      const chain: X509Certificate[] = [];
      const seen = new Set<string>();
      for (let c: typeof detailed | undefined = detailed; c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
        seen.add(c.fingerprint256);
        chain.push(new X509Certificate(c.raw));
      }
      peer = { leaf: chain[0] as X509Certificate, presented: chain.slice(1) };
    }
    peers.set(socket, peer);
  }
  return peer ?? undefined;
}

const DAY = 24 * 60 * 60 * 1000;
type CertificateExtensions = NonNullable<NonNullable<Parameters<typeof import('selfsigned').generate>[1]>['extensions']>;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-1 thumbprint, 40 upper-case hex digits. */
  thumbprint: string;
}

/** A fresh EC P-256 certificate with CN = `commonName`, valid from a day ago, self-signed unless `ca` signs it. */
async function generateCertificate(
  commonName: string,
  validDays: number,
  extensions: CertificateExtensions,
  ca?: { certPem: string; keyPem: string },
): Promise<{ certPem: string; keyPem: string }> {
  // Loaded on demand: slow to import, and only certificate making needs it.
  const { generate } = (await import('selfsigned')).default;
  const made = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + validDays * DAY),
    ...(ca ? { ca: { key: ca.keyPem, cert: ca.certPem } } : {}),
    extensions,
  });
  return { certPem: made.cert, keyPem: made.private };
}

/** A fresh device certificate with CN = `deviceId`: self-signed, or signed by `ca`. */
export async function makeDeviceCertificate(deviceId: string, ca?: { certPem: string; keyPem: string }, validDays = 365): Promise<IssuedCertificate> {
  const made = await generateCertificate(
    deviceId,
    validDays,
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
    ca,
  );
  return { ...made, thumbprint: thumbprintOf(made.certPem) };
}

/** A fresh CA for device certificates. */
export function makeDeviceCa(commonName: string, validDays = 3650): Promise<{ certPem: string; keyPem: string }> {
  return generateCertificate(commonName, validDays, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ]);
}

/** Where the hub keeps the test device CA it makes on request (`iot-c2d device create --x509 ca`). */
export function deviceTestCaPaths(stateDir: string): { cert: string; key: string } {
  const dir = join(stateDir, 'tls');
  return { cert: join(dir, 'device-test-ca.pem'), key: join(dir, 'device-test-ca-key.pem') };
}

/**
 * The state directory's test device CA, made on first use. A hub on this state directory trusts it
 * (registered like a `--device-ca`, even when it was made after the hub started).
 */
export async function ensureDeviceTestCa(stateDir: string): Promise<{ certPem: string; keyPem: string; certPath: string }> {
  const paths = deviceTestCaPaths(stateDir);
  if (!(existsSync(paths.cert) && existsSync(paths.key))) {
    const ca = await makeDeviceCa('iot-c2d local hub test device CA');
    makeDirectory(join(stateDir, 'tls'), 0o700);
    writeFileSync(paths.key, ca.keyPem, { mode: 0o600 });
    writeFileSync(paths.cert, ca.certPem);
  }
  return { certPem: readFileSync(paths.cert, 'utf8'), keyPem: readFileSync(paths.key, 'utf8'), certPath: paths.cert };
}
