import { describe, expect, it } from 'vitest';
import {
  ConnectionStringError,
  maskKey,
  parseDeviceConnectionString,
  parseServiceConnectionString,
  redactConnectionString,
  redactConnectionStringAt,
} from '../../src/core/connection-string.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectionStringError);
    return (err as Error).message;
  }
  throw new Error('expected a ConnectionStringError');
}

describe('connection strings', () => {
  it('parses service and device strings', () => {
    expect(parseServiceConnectionString(`HostName=h.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=${KEY}`)).toEqual({
      kind: 'service',
      hostName: 'h.azure-devices.net',
      keyName: 'service',
      key: KEY,
    });
    expect(parseDeviceConnectionString(`HostName=localhost;DeviceId=d1;SharedAccessKey=${KEY};GatewayHostName=localhost:8883`)).toEqual({
      kind: 'device',
      hostName: 'localhost',
      deviceId: 'd1',
      key: KEY,
      gatewayHostName: 'localhost:8883',
    });
  });

  it('names the missing or malformed field', () => {
    expect(error(() => parseDeviceConnectionString(`HostName=h;SharedAccessKey=${KEY}`))).toMatch(/has no DeviceId/);
    expect(error(() => parseServiceConnectionString(`HostName=h;SharedAccessKey=${KEY}`))).toMatch(/has no SharedAccessKeyName/);
    expect(error(() => parseServiceConnectionString('HostName=h;SharedAccessKeyName=s;SharedAccessKey=short'))).toMatch(/SharedAccessKey is not a base64 key/);
    expect(error(() => parseDeviceConnectionString(`HostName=bad host;DeviceId=d;SharedAccessKey=${KEY}`))).toMatch(/HostName "bad host" is not a host name/);
    expect(error(() => parseDeviceConnectionString('garbage'))).toMatch(/without "="/);
    expect(error(() => parseDeviceConnectionString(''))).toMatch(/is empty/);
  });

  it('tells a device string from a service string', () => {
    expect(error(() => parseServiceConnectionString(`HostName=h;DeviceId=d;SharedAccessKey=${KEY}`))).toMatch(/That is a device connection string/);
    expect(error(() => parseDeviceConnectionString(`HostName=h;SharedAccessKeyName=s;SharedAccessKey=${KEY}`))).toMatch(/That is a service connection string/);
  });

  it('refuses the strings of things that cannot take part in C2D, saying which string is needed', () => {
    // The portal's Built-in endpoints page: the Event Hub-compatible endpoint reads D2C telemetry.
    const eventHub = `Endpoint=sb://ihsuprodblres000dednamespace.servicebus.windows.net/;SharedAccessKeyName=iothubowner;SharedAccessKey=${KEY};EntityPath=hub`;
    expect(error(() => parseServiceConnectionString(eventHub))).toMatch(/^That is an Event Hub-compatible endpoint \(Endpoint=sb:\/\/\.\.\.\), which reads device-to-cloud messages; the service connection string is needed here: HostName=/);
    expect(error(() => parseDeviceConnectionString(eventHub, 'device connection string (--device)'))).toMatch(/Event Hub-compatible endpoint.*the device connection string \(--device\) is needed here: HostName=<hub>\.azure-devices\.net;DeviceId=/);
    // A service string with a SAS token (az iot hub generate-sas-token) instead of the policy's key.
    expect(error(() => parseServiceConnectionString('HostName=h.azure-devices.net;SharedAccessSignature=SharedAccessSignature sr=h.azure-devices.net&sig=abc%3D&se=1900000000&skn=iothubowner'))).toMatch(
      /^The service connection string uses a SharedAccessSignature; iot-c2d needs the policy's key: HostName=/,
    );
    // A module identity's string: modules get no C2D messages on IoT Hub.
    expect(error(() => parseDeviceConnectionString(`HostName=h.azure-devices.net;DeviceId=d1;ModuleId=m1;SharedAccessKey=${KEY}`))).toBe(
      "The device connection string is for module 'm1' of device 'd1': IoT Hub sends cloud-to-device messages to devices, not modules; use the device's own connection string (without ModuleId).",
    );
  });

  it('masks keys', () => {
    expect(maskKey(KEY)).toBe(`${KEY.slice(0, 4)}…`);
    const redacted = redactConnectionString(`HostName=h;DeviceId=d;SharedAccessKey=${KEY}`);
    expect(redacted).not.toContain(KEY);
    expect(redacted).toBe(`HostName=h;DeviceId=d;SharedAccessKey=${KEY.slice(0, 4)}…`);
    const sig = encodeURIComponent(KEY);
    const token = `SharedAccessSignature sr=h%2Fdevices%2Fd&sig=${sig}&se=1700000000`;
    expect(redactConnectionString(`refused: ${token}`)).toBe(`refused: SharedAccessSignature sr=h%2Fdevices%2Fd&sig=${sig.slice(0, 4)}…&se=1700000000`);
    expect(redactConnectionString(`HostName=h;DeviceId=d;SharedAccessSignature=${token}`)).not.toContain(sig);
  });

  it('masks keys around a cursor: the two sides of the cursor join into the masked string', () => {
    const text = `HostName=h;SharedAccessKey=${KEY};DeviceId=d`;
    const keyAt = text.indexOf(KEY);
    const masked = redactConnectionString(text);
    for (let at = 0; at <= text.length; at++) {
      const [before, after] = redactConnectionStringAt(text, at);
      expect(before + after).toBe(masked);
    }
    expect(redactConnectionStringAt(text, 2)).toEqual(['Ho', masked.slice(2)]);
    // In the key: among its four shown characters, else at the ellipsis; right after it, after the ellipsis.
    expect(redactConnectionStringAt(text, keyAt + 3)[0]).toBe(`HostName=h;SharedAccessKey=${KEY.slice(0, 3)}`);
    expect(redactConnectionStringAt(text, keyAt + 20)).toEqual([`HostName=h;SharedAccessKey=${KEY.slice(0, 4)}`, '…;DeviceId=d']);
    expect(redactConnectionStringAt(text, keyAt + KEY.length)).toEqual([`HostName=h;SharedAccessKey=${KEY.slice(0, 4)}…`, ';DeviceId=d']);
    // A key being typed (four characters or fewer) shows as ****, the cursor still in its place.
    expect(redactConnectionStringAt('SharedAccessKey=ab', 17)).toEqual(['SharedAccessKey=*', '***']);
    expect(redactConnectionStringAt('SharedAccessKey=', 16)).toEqual(['SharedAccessKey=', '****']);
  });
});
