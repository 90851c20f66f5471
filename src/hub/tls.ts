/**
 * The hub's private certificate authority and its `localhost` / `127.0.0.1` (and `--host-name`) server
 * certificate, made once and kept in the state directory (made again only when missing, about to expire,
 * or not naming the host name). Clients are handed
 * `ca.pem` in addition to the system roots; verification is never switched off.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { makeDirectory } from '../core/make-directory.js';

export interface HubCertificates {
  caPath: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const DAY = 24 * 60 * 60 * 1000;

function stillGood(certPath: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    return Date.parse(cert.validTo) - Date.now() > 30 * DAY;
  } catch {
    return false;
  }
}

/** Does the certificate name `host` (a DNS name or an IP address) among its subject alternative names? */
function names(certPath: string, host: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certPath));
    return isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

/**
 * The CA and a server certificate for `localhost`, 127.0.0.1, ::1 and `hostNames`. The CA is kept as long as
 * it is good (clients may trust it already); the server certificate is made again when it does not name a
 * host the hub now answers to (`--host-name`).
 */
export async function ensureCertificates(stateDir: string, hostNames: readonly string[] = []): Promise<HubCertificates> {
  const dir = join(stateDir, 'tls');
  const paths = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  const extra = [...new Set(hostNames.filter((h) => !['localhost', '127.0.0.1', '::1'].includes(h.toLowerCase())))];
  const caGood = existsSync(paths.caKey) && stillGood(paths.ca);
  const serverGood = caGood && existsSync(paths.key) && stillGood(paths.cert) && extra.every((h) => names(paths.cert, h));
  if (!serverGood) {
    makeDirectory(dir);
    // Loaded only when certificates are made: it is slow to import, and that happens once per state directory.
    // The default export (module.exports of this CommonJS package): a bundled chunk has no named exports.
    const { generate } = (await import('selfsigned')).default;
    const notBeforeDate = new Date(Date.now() - DAY);
    if (!caGood) {
      const ca = await generate([{ name: 'commonName', value: 'iot-c2d local hub CA' }], {
        keyType: 'ec',
        curve: 'P-256',
        algorithm: 'sha256',
        notBeforeDate,
        notAfterDate: new Date(Date.now() + 3650 * DAY),
        extensions: [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ],
      });
      writeFileSync(paths.caKey, ca.private, { mode: 0o600 });
      chmodSync(paths.caKey, 0o600);
      writeFileSync(paths.ca, ca.cert);
    }
    const server = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate: new Date(Date.now() + 825 * DAY),
      ca: { key: readFileSync(paths.caKey, 'utf8'), cert: readFileSync(paths.ca, 'utf8') },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
            { type: 7, ip: '::1' },
            ...extra.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h })),
          ],
        },
      ],
    });
    writeFileSync(paths.key, server.private, { mode: 0o600 });
    writeFileSync(paths.cert, server.cert);
  }
  return {
    caPath: paths.ca,
    caPem: readFileSync(paths.ca, 'utf8'),
    certPem: readFileSync(paths.cert, 'utf8'),
    keyPem: readFileSync(paths.key, 'utf8'),
  };
}
