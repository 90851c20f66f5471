/**
 * What IoT Hub accepts as ids and as C2D property names and values, each check returning a sentence that
 * names the problem and the fix, or undefined when the input is fine.
 */
import { LIMITS } from './types.js';

/** Device ids and message ids: ASCII alphanumerics plus `- : . + % _ # * ? ! ( ) , = @ ; $ '`. */
const ID_CHARS = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']+$/;
/** C2D application property names and values: ASCII alphanumerics plus ``! # $ % & ' * + - . ^ _ ` | ~``. */
const PROPERTY_CHARS = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]*$/;
export const PROPERTY_SPECIALS = "! # $ % & ' * + - . ^ _ ` | ~";
export const ID_SPECIALS = "- : . + % _ # * ? ! ( ) , = @ ; $ '";

export function checkId(kind: 'device id' | 'message id', id: string): string | undefined {
  if (id.length === 0) return `The ${kind} is empty: give at least one character.`;
  if (id.length > LIMITS.idLength) return `The ${kind} has ${id.length} characters: IoT Hub allows at most ${LIMITS.idLength}.`;
  if (!ID_CHARS.test(id)) {
    const bad = firstBadChar(id, ID_CHARS);
    return `The ${kind} contains ${describeChar(bad)}: use ASCII letters, digits and ${ID_SPECIALS}.`;
  }
  return undefined;
}

export function checkPropertyName(name: string): string | undefined {
  if (name.length === 0) return 'A property name is empty: give the property a name.';
  if (!PROPERTY_CHARS.test(name)) {
    return `Property name "${name}" contains ${describeChar(firstBadChar(name, PROPERTY_CHARS))}: IoT Hub allows ASCII letters, digits and ${PROPERTY_SPECIALS}.`;
  }
  return undefined;
}

/**
 * `$.…` names are IoT Hub's system properties in the MQTT property bag (`$.mid`, `$.cid`, ...): a custom
 * property so named would impersonate one on an MQTT device. The hub refuses them too.
 */
export function checkSystemPropertyName(name: string): string | undefined {
  if (!name.startsWith('$.')) return undefined;
  return `Property name "${name}" is reserved: names starting with "$." are IoT Hub's system properties (message id, correlation id, content type, ...); set those with their own fields.`;
}

/**
 * What a sender may call a custom property: a valid name, not a system property (`$.…`), and not one of
 * IoT Hub's own `iothub-…` names (`iothub-ack` is what the ack setting sends; as a property it would
 * silently change the feedback asked for).
 */
export function checkCustomPropertyName(name: string): string | undefined {
  const problem = checkPropertyName(name) ?? checkSystemPropertyName(name);
  if (problem) return problem;
  if (name.toLowerCase() === 'iothub-ack') return `Property name "${name}" is reserved: ask for feedback with the ack setting (--ack), not with a property.`;
  if (name.toLowerCase().startsWith('iothub-')) return `Property name "${name}" is reserved: names starting with "iothub-" are IoT Hub's own; choose another name.`;
  return undefined;
}

export function checkPropertyValue(name: string, value: string): string | undefined {
  if (!PROPERTY_CHARS.test(value)) {
    return `The value of property "${name}" contains ${describeChar(firstBadChar(value, PROPERTY_CHARS))}: IoT Hub allows ASCII letters, digits and ${PROPERTY_SPECIALS}.`;
  }
  return undefined;
}

function firstBadChar(text: string, allowed: RegExp): string {
  for (const ch of text) if (!allowed.test(ch)) return ch;
  return '';
}

function describeChar(ch: string): string {
  if (ch === ' ') return 'a space';
  const code = ch.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  return `"${ch}"`;
}

/** Bytes IoT Hub counts against the 64 KB C2D limit: body, system property values, property names and values. */
export function c2dMessageBytes(body: Buffer, systemValues: ReadonlyArray<string | undefined>, properties: ReadonlyArray<readonly [string, string]>): number {
  let size = body.length;
  for (const value of systemValues) if (value) size += Buffer.byteLength(value);
  for (const [name, value] of properties) size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}
