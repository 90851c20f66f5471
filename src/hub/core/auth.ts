/**
 * Shared access signatures checked as IoT Hub checks them: HMAC over `sr` + "\n" + `se` with a policy key
 * (when the token names one with `skn`) or the device's own key, expiry, and the audience (the token's
 * resource must cover what is accessed). X.509 devices prove themselves with the certificate of their TLS
 * connection instead (device-certificates.ts); either way the result is a Grant.
 */
import type { X509Certificate } from 'node:crypto';
import { parseSasToken, signedWith } from '../../core/sas.js';
import { certificateProblem } from './certificate-check.js';
import type { PeerCertificate } from './certificate-check.js';
import type { DeviceIdentity, Right, SharedAccessPolicy } from './model.js';

/** What a verified token allows. */
export interface Grant {
  rights: ReadonlySet<Right>;
  /** The device the token is limited to, when signed with a device key. */
  deviceId?: string;
  /** Who signed: a policy name or `device:{id}`; for logs. */
  principal: string;
  /** The token's resource, decoded. */
  resource: string;
  expiresAtMs: number;
}

export type AuthResult = { ok: true; grant: Grant } | { ok: false; reason: string };

export class Authenticator {
  constructor(
    /** Host names the hub answers to (the first is its own; `localhost` aliases follow). */
    private readonly hostNames: readonly string[],
    private readonly policies: () => readonly SharedAccessPolicy[],
    private readonly device: (deviceId: string) => DeviceIdentity | undefined,
    /** CAs registered for CA-signed device certificates. */
    private readonly deviceCas: () => readonly X509Certificate[] = () => [],
  ) {}

  /**
   * Authenticates device `deviceId` by the certificate its TLS connection presented (no token: the device
   * SDK sends none when it uses X.509). The grant lasts until the certificate expires.
   */
  verifyCertificate(deviceId: string, peer: PeerCertificate | undefined, nowMs = Date.now()): AuthResult {
    if (!peer) return { ok: false, reason: `No credentials for device '${deviceId}': neither a SAS token nor a client certificate.` };
    const device = this.device(deviceId);
    if (!device) return { ok: false, reason: `Device '${deviceId}' is not registered on this hub.` };
    if (device.status !== 'enabled') return { ok: false, reason: `Device '${deviceId}' is disabled.` };
    const problem = certificateProblem(device, peer, this.deviceCas(), nowMs);
    if (problem) return { ok: false, reason: problem };
    const resource = `${this.hostNames[0]}/devices/${deviceId}`;
    return { ok: true, grant: { rights: new Set(['DeviceConnect']), deviceId, principal: `x509:${deviceId}`, resource, expiresAtMs: Date.parse(peer.leaf.validTo) } };
  }

  /** Verifies a token string. `nowMs` is injectable for tests. */
  verify(token: string, nowMs = Date.now()): AuthResult {
    const parsed = parseSasToken(token.trim());
    if (typeof parsed === 'string') return { ok: false, reason: `Malformed SAS token: ${parsed}.` };
    if (parsed.se * 1000 <= nowMs) return { ok: false, reason: 'The SAS token has expired.' };
    let resource: string;
    try {
      resource = decodeURIComponent(parsed.sr);
    } catch {
      return { ok: false, reason: 'The SAS token resource (sr) is not URL-encoded properly.' };
    }
    const host = (resource.replace(/^https?:\/\//, '').split('/')[0] ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!this.hostNames.some((h) => h.toLowerCase() === host)) return { ok: false, reason: `The SAS token is for "${resource}", not for this hub (${this.hostNames[0]}).` };
    const expiresAtMs = parsed.se * 1000;

    // The C SDK signs device tokens with an empty `skn=`: IoT Hub reads that as no policy, a device token.
    if (parsed.skn !== undefined && parsed.skn !== '') {
      const policy = this.policies().find((p) => p.name === parsed.skn);
      if (!policy) return { ok: false, reason: `No shared access policy named "${parsed.skn}".` };
      if (!signedWith(parsed, policy.primaryKey) && !signedWith(parsed, policy.secondaryKey)) {
        return { ok: false, reason: `The SAS token is not signed with a key of policy "${policy.name}".` };
      }
      const deviceId = deviceOf(resource);
      const grant: Grant = { rights: new Set(policy.rights), principal: policy.name, resource, expiresAtMs };
      if (deviceId !== undefined) grant.deviceId = deviceId;
      return { ok: true, grant };
    }

    const deviceId = deviceOf(resource);
    if (deviceId === undefined) return { ok: false, reason: 'A SAS token without skn must be for a device: sr={host}/devices/{id}.' };
    const device = this.device(deviceId);
    if (!device) return { ok: false, reason: `Device '${deviceId}' is not registered on this hub.` };
    if (device.status !== 'enabled') return { ok: false, reason: `Device '${deviceId}' is disabled.` };
    if (device.primaryKey === null || device.secondaryKey === null) {
      return { ok: false, reason: `Device '${deviceId}' authenticates with an X.509 certificate (${device.authType}), not with a key.` };
    }
    if (!signedWith(parsed, device.primaryKey) && !signedWith(parsed, device.secondaryKey)) {
      return { ok: false, reason: `The SAS token is not signed with a key of device '${deviceId}'.` };
    }
    return { ok: true, grant: { rights: new Set(['DeviceConnect']), deviceId, principal: `device:${deviceId}`, resource, expiresAtMs } };
  }
}

/** The device a resource names (`host/devices/{id}[/...]`), if any. */
function deviceOf(resource: string): string | undefined {
  const parts = resource.replace(/^https?:\/\//, '').split('/');
  return parts[1]?.toLowerCase() === 'devices' && parts[2] ? parts[2] : undefined;
}

/** May `grant` act as device `deviceId` (connect, receive, settle)? */
export function grantsDevice(grant: Grant, deviceId: string, nowMs = Date.now()): boolean {
  if (grant.expiresAtMs <= nowMs || !grant.rights.has('DeviceConnect')) return false;
  return grant.deviceId === undefined || grant.deviceId === deviceId;
}

/** May `grant` use a service right (ServiceConnect, RegistryRead, RegistryWrite) on the whole hub? */
export function grantsService(grant: Grant, right: Right, nowMs = Date.now()): boolean {
  return grant.expiresAtMs > nowMs && grant.rights.has(right) && grant.deviceId === undefined;
}
