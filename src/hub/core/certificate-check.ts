/**
 * X.509 device certificates checked the way IoT Hub checks them: a self-signed certificate by its thumbprint,
 * a CA-signed one by its chain to a CA registered with the hub and a subject CN equal to the device id. No
 * transport here: the adapters read what a client presented (`peerCertificateOf` in ../device-certificates.ts).
 */
import { X509Certificate } from 'node:crypto';
import type { DeviceIdentity } from './model.js';

/** What a client presented: its certificate and whatever chain it sent along. */
export interface PeerCertificate {
  leaf: X509Certificate;
  /** The other certificates the client sent (intermediates), leaf excluded. */
  presented: X509Certificate[];
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
