/**
 * Issue 8, Microsoft's C SDK over HTTPS: it reads a C2D message's content type and encoding from the response
 * headers `ContentType` and `ContentEncoding`, by exact name (iothubtransporthttp.c). The hub sends them, along
 * with the ids and the `iothub-app-` properties.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['dev1'] });
});
afterAll(async () => hub?.dispose());

/** GET /devices/dev1/messages/devicebound as the C SDK does; resolves with the raw header names and values. */
function receiveRaw(token: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: 'localhost', port: hub.port, method: 'GET', path: '/devices/dev1/messages/devicebound?api-version=2016-11-14', headers: { Authorization: token }, ca: hub.caPem },
      (res) => {
        res.resume();
        const headers = new Map<string, string>();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.set(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
        resolve(headers);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

it('answers a device-bound GET with ContentType and ContentEncoding, by those exact names', async () => {
  const { service } = await openService(hub);
  await service.send('dev1', message({ messageId: 'm1', contentType: 'application/json', contentEncoding: 'utf-8', properties: [['color', 'red']] }));
  const key = parseDeviceConnectionString(hub.deviceConnectionString('dev1')).key ?? '';
  expect(key).not.toBe('');
  const headers = await receiveRaw(createSasToken(`${hub.hostName}/devices/dev1`, key, Math.floor(Date.now() / 1000) + 600));
  expect(headers.get('ContentType')).toBe('application/json');
  expect(headers.get('ContentEncoding')).toBe('utf-8');
  expect(headers.get('iothub-messageid')).toBe('m1');
  expect(headers.get('iothub-app-color')).toBe('red');
  await service.close();
});
