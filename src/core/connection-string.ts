/**
 * IoT Hub connection strings: `Key=value;Key=value`. Parsed and checked before any connection is tried, so
 * that a bad string gets one sentence naming the field at fault, and printed only with its key masked.
 */

export interface ServiceConnectionString {
  kind: 'service';
  hostName: string;
  keyName: string;
  key: string;
}

export interface DeviceConnectionString {
  kind: 'device';
  hostName: string;
  deviceId: string;
  /** The device's key; absent when the device authenticates with an X.509 certificate (`x509=true`). */
  key?: string;
  /** `x509=true`: the device presents a certificate (given apart: `--cert`/`--key`) instead of a key. */
  x509?: true;
  /** Where the socket goes when it differs from HostName (`host[:port]`), as the SDK's GatewayHostName. */
  gatewayHostName?: string;
  /** The policy the key belongs to, when the string names one (`SharedAccessKeyName`). */
  keyName?: string;
}

export class ConnectionStringError extends Error {
  override name = 'ConnectionStringError';
}

const SERVICE_SHAPE = 'HostName=<hub>.azure-devices.net;SharedAccessKeyName=<policy>;SharedAccessKey=<key>';
const DEVICE_SHAPE = 'HostName=<hub>.azure-devices.net;DeviceId=<id>;SharedAccessKey=<key> (or x509=true with a certificate)';

function fields(text: string, what: string): Map<string, string> {
  const map = new Map<string, string>();
  const trimmed = text.trim();
  if (trimmed === '') throw new ConnectionStringError(`The ${what} is empty: paste one shaped like ${what.startsWith('device') ? DEVICE_SHAPE : SERVICE_SHAPE}.`);
  for (const part of trimmed.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConnectionStringError(`The ${what} has a part without "=" ("${part.slice(0, 20)}"): each part is Name=value, separated by ";".`);
    map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return map;
}

/** The portal's Event Hub-compatible endpoint (Built-in endpoints) is also a connection string, for D2C telemetry. */
function refuseEventHubEndpoint(map: Map<string, string>, what: string, shape: string): void {
  if (!map.has('HostName') && map.get('Endpoint')?.startsWith('sb://')) {
    throw new ConnectionStringError(`That is an Event Hub-compatible endpoint (Endpoint=sb://...), which reads device-to-cloud messages; the ${what} is needed here: ${shape}.`);
  }
}

function need(map: Map<string, string>, field: string, what: string, shape: string): string {
  const value = map.get(field);
  if (value === undefined || value === '') {
    throw new ConnectionStringError(`The ${what} has no ${field}: it should look like ${shape}.`);
  }
  return value;
}

function checkHostName(host: string, what: string): void {
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host)) {
    throw new ConnectionStringError(`The ${what}'s HostName "${host}" is not a host name: use <hub>.azure-devices.net (or localhost:<port> for a local hub).`);
  }
}

function checkKey(key: string, what: string): void {
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0 ? Buffer.from(key, 'base64').length : 0;
  if (bytes < 16 || bytes > 64) {
    throw new ConnectionStringError(`The ${what}'s SharedAccessKey is not a base64 key of 16 to 64 bytes: copy the whole key, it ends with "=" more often than not.`);
  }
}

export function parseServiceConnectionString(text: string, what = 'service connection string'): ServiceConnectionString {
  const map = fields(text, what);
  refuseEventHubEndpoint(map, what, SERVICE_SHAPE);
  if (map.has('DeviceId')) {
    throw new ConnectionStringError(`That is a device connection string (it has DeviceId), but the ${what} is needed here: ${SERVICE_SHAPE}.`);
  }
  const hostName = need(map, 'HostName', what, SERVICE_SHAPE);
  checkHostName(hostName, what);
  if (map.has('SharedAccessSignature')) {
    throw new ConnectionStringError(`The ${what} uses a SharedAccessSignature; iot-c2d needs the policy's key: ${SERVICE_SHAPE} (IoT Hub > Shared access policies).`);
  }
  const keyName = need(map, 'SharedAccessKeyName', what, SERVICE_SHAPE);
  const key = need(map, 'SharedAccessKey', what, SERVICE_SHAPE);
  checkKey(key, what);
  return { kind: 'service', hostName, keyName, key };
}

export function parseDeviceConnectionString(text: string, what = 'device connection string'): DeviceConnectionString {
  const map = fields(text, what);
  refuseEventHubEndpoint(map, what, DEVICE_SHAPE);
  if (!map.has('DeviceId') && map.has('SharedAccessKeyName')) {
    throw new ConnectionStringError(`That is a service connection string (it has SharedAccessKeyName and no DeviceId), but the ${what} is needed here: ${DEVICE_SHAPE}.`);
  }
  const hostName = need(map, 'HostName', what, DEVICE_SHAPE);
  checkHostName(hostName, what);
  const deviceId = need(map, 'DeviceId', what, DEVICE_SHAPE);
  const moduleId = map.get('ModuleId');
  if (moduleId !== undefined) {
    throw new ConnectionStringError(`The ${what} is for module '${moduleId}' of device '${deviceId}': IoT Hub sends cloud-to-device messages to devices, not modules; use the device's own connection string (without ModuleId).`);
  }
  if (map.has('SharedAccessSignature')) {
    throw new ConnectionStringError(`The ${what} uses a SharedAccessSignature; iot-c2d needs SharedAccessKey or x509=true: ${DEVICE_SHAPE}.`);
  }
  const x509 = map.get('x509');
  if (x509 !== undefined && x509.toLowerCase() !== 'true') {
    throw new ConnectionStringError(`The ${what} has x509=${x509}: the only value is x509=true (the device presents a certificate), or leave it out and give SharedAccessKey.`);
  }
  if (x509 !== undefined && map.has('SharedAccessKey')) {
    throw new ConnectionStringError(`The ${what} has both x509=true and SharedAccessKey: keep one (x509=true with --cert/--key, or the key).`);
  }
  const result: DeviceConnectionString = { kind: 'device', hostName, deviceId };
  if (x509 !== undefined) result.x509 = true;
  else {
    result.key = need(map, 'SharedAccessKey', what, DEVICE_SHAPE);
    checkKey(result.key, what);
  }
  const gateway = map.get('GatewayHostName');
  if (gateway) {
    checkHostName(gateway, what);
    result.gatewayHostName = gateway;
  }
  const keyName = map.get('SharedAccessKeyName');
  if (keyName) result.keyName = keyName;
  return result;
}

export function formatServiceConnectionString(cs: Omit<ServiceConnectionString, 'kind'>): string {
  return `HostName=${cs.hostName};SharedAccessKeyName=${cs.keyName};SharedAccessKey=${cs.key}`;
}

/** `HostName=…;DeviceId=…;x509=true[;GatewayHostName=…]`: the SDK's form for a device with a certificate. */
export function formatX509DeviceConnectionString(cs: { hostName: string; deviceId: string; gatewayHostName?: string }): string {
  const gateway = cs.gatewayHostName ? `;GatewayHostName=${cs.gatewayHostName}` : '';
  return `HostName=${cs.hostName};DeviceId=${cs.deviceId};x509=true${gateway}`;
}

export function formatDeviceConnectionString(cs: Omit<DeviceConnectionString, 'kind'>): string {
  if (cs.x509 || cs.key === undefined) return formatX509DeviceConnectionString(cs);
  const gateway = cs.gatewayHostName ? `;GatewayHostName=${cs.gatewayHostName}` : '';
  const keyName = cs.keyName ? `;SharedAccessKeyName=${cs.keyName}` : '';
  return `HostName=${cs.hostName};DeviceId=${cs.deviceId}${keyName};SharedAccessKey=${cs.key}${gateway}`;
}

/** A key as it may be shown: its first four characters, then an ellipsis. */
export function maskKey(key: string): string {
  return key.length <= 4 ? '****' : `${key.slice(0, 4)}…`;
}

/** A key or signature and its value, in a connection string or a SAS token (`sig=`). */
const SECRET = /\b(SharedAccessKey|SharedAccessSignature|sig)=([^;&\s]*)/g;

/** The text with every key and signature masked (connection strings, SAS tokens), safe for the screen and for logs. */
export function redactConnectionString(text: string): string {
  return text.replace(SECRET, (_m, name: string, value: string) => `${name}=${maskKey(value)}`);
}

/**
 * `redactConnectionString(text)` cut in two where the offset `at` of `text` falls, to show a cursor in it
 * while the text is typed. An offset inside a masked value falls among its four shown characters, or before
 * the ellipsis that stands for the rest.
 */
export function redactConnectionStringAt(text: string, at: number): [string, string] {
  let before = '';
  let after = '';
  const put = (start: number, end: number, shown: string, masked: boolean): void => {
    if (at <= start) after += shown;
    else if (at >= end) before += shown;
    else {
      const k = masked ? Math.min(at - start, 4) : at - start;
      before += shown.slice(0, k);
      after += shown.slice(k);
    }
  };
  let last = 0;
  for (const m of text.matchAll(SECRET)) {
    const valueStart = m.index + (m[1] ?? '').length + 1;
    const valueEnd = m.index + m[0].length;
    put(last, valueStart, text.slice(last, valueStart), false);
    put(valueStart, valueEnd, maskKey(m[2] ?? ''), true);
    last = valueEnd;
  }
  put(last, text.length, text.slice(last), false);
  return [before, after];
}

/** The host and port a client's socket goes to, from `host[:port]`. */
export function splitHostPort(hostPort: string, defaultPort: number): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(hostPort);
  return m ? { host: m[1] as string, port: Number(m[2]) } : { host: hostPort, port: defaultPort };
}
