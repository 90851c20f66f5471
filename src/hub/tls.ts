/**
 * The hub's private certificate authority and its `localhost` / `127.0.0.1` server certificate, made once
 * and kept in the state directory (made again only when missing or about to expire). Clients are handed
 * `ca.pem` in addition to the system roots; verification is never switched off.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

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

export async function ensureCertificates(stateDir: string): Promise<HubCertificates> {
  const dir = join(stateDir, 'tls');
  const paths = { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  if (!(existsSync(paths.caKey) && existsSync(paths.key) && stillGood(paths.ca) && stillGood(paths.cert))) {
    mkdirSync(dir, { recursive: true });
    // Loaded only when certificates are made: it is slow to import, and that happens once per state directory.
    const { generate } = await import('selfsigned');
    const notBeforeDate = new Date(Date.now() - DAY);
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
    const server = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate: new Date(Date.now() + 825 * DAY),
      ca: { key: ca.private, cert: ca.cert },
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
          ],
        },
      ],
    });
    writeFileSync(paths.caKey, ca.private, { mode: 0o600 });
    writeFileSync(paths.key, server.private, { mode: 0o600 });
    chmodSync(paths.caKey, 0o600);
    writeFileSync(paths.ca, ca.cert);
    writeFileSync(paths.cert, server.cert);
  }
  return {
    caPath: paths.ca,
    caPem: readFileSync(paths.ca, 'utf8'),
    certPem: readFileSync(paths.cert, 'utf8'),
    keyPem: readFileSync(paths.key, 'utf8'),
  };
}
