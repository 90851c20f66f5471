/**
 * The MQTT property bag IoT Hub appends to a C2D topic: `devices/{id}/messages/devicebound/{bag}`, where
 * the bag is `key=value` pairs joined by `&`, keys and values URL-encoded. System properties use `$.` keys.
 *
 * The Node SDK splits the topic on "/" and the bag on "&" and "=", then URL-decodes each side, so every
 * character that is not unreserved is encoded here ("/", "&", "=" above all), and a property with no value
 * is written `key=` rather than as a bare key (which the SDK would read as the string "undefined").
 */
import { strictEncode } from './sas.js';

/** System property keys in the MQTT bag and the message fields they carry. */
export const SYSTEM_KEYS = {
  messageId: '$.mid',
  to: '$.to',
  correlationId: '$.cid',
  contentType: '$.ct',
  contentEncoding: '$.ce',
  expiryTimeUtc: '$.exp',
  userId: '$.uid',
} as const;

export type SystemProperties = Partial<Record<keyof typeof SYSTEM_KEYS, string>>;

/** The system properties' fields with their keys as the bag writes them (`$.mid=`), encoded once. */
const ENCODED_SYSTEM_KEYS = (Object.entries(SYSTEM_KEYS) as [keyof typeof SYSTEM_KEYS, string][]).map(([field, key]) => [field, `${strictEncode(key)}=`] as const);

export function encodePropertyBag(system: SystemProperties, properties: ReadonlyArray<readonly [string, string]>): string {
  let bag = '';
  for (const [field, keyEq] of ENCODED_SYSTEM_KEYS) {
    const value = system[field];
    if (value !== undefined) bag += `${bag === '' ? '' : '&'}${keyEq}${strictEncode(value)}`;
  }
  for (const [key, value] of properties) bag += `${bag === '' ? '' : '&'}${strictEncode(key)}=${strictEncode(value)}`;
  return bag;
}

export function decodePropertyBag(bag: string): { system: SystemProperties; properties: [string, string][] } {
  const system: SystemProperties = {};
  const properties: [string, string][] = [];
  const byKey = new Map<string, keyof typeof SYSTEM_KEYS>(Object.entries(SYSTEM_KEYS).map(([f, k]) => [k, f as keyof typeof SYSTEM_KEYS]));
  for (const part of bag.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    const field = byKey.get(key);
    if (field) system[field] = value;
    else properties.push([key, value]);
  }
  return { system, properties };
}
