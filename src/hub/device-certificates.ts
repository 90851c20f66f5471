/**
 * X.509 device identities: reading the certificate a device presented on its TLS connection, checking it the
 * way IoT Hub does (a self-signed certificate by its thumbprint, a CA-signed one by its chain to a CA
 * registered with the hub and a subject CN equal to the device id), and making test certificates.
 *
 * The TLS server asks every client for a certificate without requiring one (listener.ts), so nothing is
 * refused at the handshake: each transport authorises after it, when it knows which device is named, and
 * refuses in its own words (CONNACK 5, AMQP `unauthorized-access`, HTTP 401), which the SDKs turn into an
 * `UnauthorizedError`. A handshake refusal would reach them as a bare socket error.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { DeviceIdentity } from './model.js';

/** What a client presented: its certificate and whatever chain it sent along. */
export interface PeerCertificate {
  leaf: X509Certificate;
  /** The other certificates the client sent (intermediates), leaf excluded. */
  presented: X509Certificate[];
}

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

/** Hex digits of a thumbprint, upper case, no colons. */
const digits = (thumbprint: string): string => thumbprint.replace(/:/g, '').toUpperCase();

/** The certificate's SHA-1 thumbprint, as IoT Hub and the SDK's samples write it (40 upper-case hex digits). */
export function thumbprintOf(certPem: string | X509Certificate): string {
  const cert = typeof certPem === 'string' ? new X509Certificate(certPem) : certPem;
  return digits(cert.fingerprint);
}

/** The subject's common name, if it has one. */
export function commonNameOf(cert: X509Certificate): string | undefined {
  return /^CN=(.*)$/m.exec(cert.subject)?.[1];
}

function validityProblem(cert: X509Certificate, nowMs: number, what: string): string | undefined {
  if (Date.parse(cert.validFrom) > nowMs) return `${what} is not valid before ${cert.validFrom}.`;
  if (Date.parse(cert.validTo) <= nowMs) return `${what} expired on ${cert.validTo}.`;
  return undefined;
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** Why `peer` does not chain to one of `cas` (through intermediates it presented), or undefined when it does. */
function chainProblem(peer: PeerCertificate, cas: readonly X509Certificate[], nowMs: number): string | undefined {
  let current = peer.leaf;
  for (let depth = 0; depth <= peer.presented.length; depth++) {
    const ca = cas.find((c) => issuedBy(current, c));
    if (ca) return validityProblem(ca, nowMs, `The registered CA "${ca.subject.replace(/\n/g, ', ')}"`);
    const next = peer.presented.find((c) => c !== current && c.ca && issuedBy(current, c));
    if (!next) break;
    const problem = validityProblem(next, nowMs, 'An intermediate certificate');
    if (problem) return problem;
    current = next;
  }
  const issuer = peer.leaf.issuer.replace(/\n/g, ', ');
  return cas.length === 0
    ? `The certificate (issued by "${issuer}") cannot chain to a CA: none is registered with this hub (iot-c2d hub --device-ca <pem>).`
    : `The certificate (issued by "${issuer}") does not chain to a CA registered with this hub (iot-c2d hub --device-ca <pem>).`;
}

/**
 * Why `peer` does not authenticate `device`, or undefined when it does. The device's existence and status
 * are the caller's to check.
 */
export function certificateProblem(device: DeviceIdentity, peer: PeerCertificate, cas: readonly X509Certificate[], nowMs: number): string | undefined {
  const id = device.deviceId;
  if (device.authType === 'sas') return `Device '${id}' authenticates with keys (sas), not with a certificate: connect with a SAS token or key.`;
  const expired = validityProblem(peer.leaf, nowMs, `The certificate presented for '${id}'`);
  if (expired) return expired;
  if (device.authType === 'selfSigned') {
    const sha1 = digits(peer.leaf.fingerprint);
    const sha256 = digits(peer.leaf.fingerprint256);
    const matches = [device.primaryThumbprint, device.secondaryThumbprint].some((t) => t !== null && (digits(t) === sha1 || digits(t) === sha256));
    return matches ? undefined : `The certificate's thumbprint (SHA-1 ${sha1}) matches neither thumbprint registered for device '${id}'.`;
  }
  const cn = commonNameOf(peer.leaf);
  if (cn !== id) return `The certificate's subject CN is "${cn ?? ''}", not the device id '${id}': a CA-signed device certificate names its device in CN.`;
  return chainProblem(peer, cas, nowMs);
}

/** Reads the PEM certificates of a file (a CA file may hold more than one). */
export function readCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`${what} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new Error(`${what} holds a certificate that cannot be read: give a PEM (base64) certificate file.`);
    }
  });
}

const DAY = 24 * 60 * 60 * 1000;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-1 thumbprint, 40 upper-case hex digits. */
  thumbprint: string;
}

/** A fresh device certificate with CN = `deviceId`: self-signed, or signed by `ca`. */
export async function makeDeviceCertificate(deviceId: string, ca?: { certPem: string; keyPem: string }, validDays = 365): Promise<IssuedCertificate> {
  // Loaded on demand: slow to import, and only certificate making needs it.
  const { generate } = (await import('selfsigned')).default;
  const made = await generate([{ name: 'commonName', value: deviceId }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + validDays * DAY),
    ...(ca ? { ca: { key: ca.keyPem, cert: ca.certPem } } : {}),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  return { certPem: made.cert, keyPem: made.private, thumbprint: thumbprintOf(made.cert) };
}

/** A fresh CA for device certificates. */
export async function makeDeviceCa(commonName: string, validDays = 3650): Promise<{ certPem: string; keyPem: string }> {
  const { generate } = (await import('selfsigned')).default;
  const made = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - DAY),
    notAfterDate: new Date(Date.now() + validDays * DAY),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { certPem: made.cert, keyPem: made.private };
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
    mkdirSync(join(stateDir, 'tls'), { recursive: true, mode: 0o700 });
    writeFileSync(paths.key, ca.keyPem, { mode: 0o600 });
    writeFileSync(paths.cert, ca.certPem);
  }
  return { certPem: readFileSync(paths.cert, 'utf8'), keyPem: readFileSync(paths.key, 'utf8'), certPath: paths.cert };
}
