/**
 * Shared access signature tokens, as IoT Hub and its SDKs write them:
 * `SharedAccessSignature sr={url-encoded resource}&sig={url-encoded base64 HMAC}&se={unix seconds}[&skn={policy}]`.
 * The signature is HMAC-SHA256, keyed with the base64-decoded key, over `sr` exactly as written + "\n" + `se`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SasToken {
  /** The resource field exactly as written in the token (still URL-encoded). */
  sr: string;
  sig: string;
  se: number;
  skn?: string;
}

const PREFIX = 'SharedAccessSignature ';

/** Text made of unreserved characters only (RFC 3986), which every encoding leaves as it is. */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** `encodeURIComponent` that also escapes `! ' ( ) *`, as the SDKs do for `sr` and `sig`. */
export function strictEncode(text: string): string {
  if (UNRESERVED.test(text)) return text;
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parses a token; fields may come in any order. Returns a reason string when it is not a SAS token. */
export function parseSasToken(token: string): SasToken | string {
  if (!token.startsWith(PREFIX)) return 'not a SharedAccessSignature token';
  const fields = new Map<string, string>();
  for (const part of token.slice(PREFIX.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `malformed field "${part}"`;
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  if (sr === undefined || sig === undefined || se === undefined) return 'the token needs sr, sig and se';
  const expiry = Number(se);
  if (!Number.isInteger(expiry)) return `se "${se}" is not a number of seconds`;
  const skn = fields.get('skn');
  return skn === undefined ? { sr, sig, se: expiry } : { sr, sig, se: expiry, skn: decodeURIComponent(skn) };
}

function hmac(keyBase64: string, sr: string, se: number): Buffer {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(`${sr}\n${se}`, 'utf8').digest();
}

/** Builds a token for `resource` (not yet encoded) valid until `expirySeconds` (unix time). */
export function createSasToken(resource: string, keyBase64: string, expirySeconds: number, keyName?: string): string {
  const sr = strictEncode(resource);
  const sig = strictEncode(hmac(keyBase64, sr, expirySeconds).toString('base64'));
  const skn = keyName === undefined ? '' : `&skn=${strictEncode(keyName)}`;
  return `${PREFIX}sr=${sr}&sig=${sig}${skn}&se=${expirySeconds}`;
}

/** Is the token's signature made with this key? Constant-time comparison. */
export function signedWith(token: SasToken, keyBase64: string): boolean {
  let given: Buffer;
  try {
    given = Buffer.from(decodeURIComponent(token.sig), 'base64');
  } catch {
    return false;
  }
  const expected = hmac(keyBase64, token.sr, token.se);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
