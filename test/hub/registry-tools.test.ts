/**
 * What the Azure CLI's `az iot` (azure-iot-cli-extension 0.25.0) and Azure IoT Explorer send to a hub's HTTPS
 * API, replayed byte for byte (method, path, api-version, headers, body) against the embedded hub; the
 * response fields asserted are those the tools read. docs/sdk-notes.md, "What az iot and Azure IoT Explorer
 * send", lists the requests and where in the tools' sources they are built.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDeviceConnectionString, parseServiceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['tool-a1', 'tool-a2', 'tool-b1'] });
});
afterAll(async () => hub?.dispose());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function serviceToken(): string {
  const cs = parseServiceConnectionString(hub.serviceConnectionString());
  return createSasToken(cs.hostName, cs.key, Math.floor(Date.now() / 1000) + 600, cs.keyName);
}

function deviceToken(deviceId: string): string {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(deviceId)).key ?? '';
  return createSasToken(`${hub.hostName}/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 600);
}

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: 'localhost', port: hub.port, method, path, headers, ca: hub.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** azext_iot/sdk/iothub/service/operations/query_operations.py get_twins, with _execute_query's headers. */
function azQuery(query: string, extra: Record<string, string> = {}): Promise<Reply> {
  const body = JSON.stringify({ query });
  return send(
    'POST',
    '/devices/query?api-version=2024-03-31',
    {
      'User-Agent': 'python/3.11.2 (Linux) msrest/0.6.21 iothubgatewayserviceapis/2024-03-31 Azure-SDK-For-Python AZURECLI/2.45.0',
      'Accept-Encoding': 'gzip, deflate',
      Accept: 'application/json',
      Connection: 'keep-alive',
      'Content-Type': 'application/json; charset=utf-8',
      'x-ms-client-request-id': '5f1e4d52-af3e-11f1-8d2b-0242ac110002',
      'Cache-Control': 'no-cache, must-revalidate',
      Authorization: serviceToken(),
      ...extra,
    },
    body,
  );
}

/** Azure IoT Explorer's data-plane request (public/handlers/dataPlaneHandler.ts): the path URL-encoded whole. */
function explorer(method: string, path: string, extra: Record<string, string> = {}, body?: string): Promise<Reply> {
  return send(
    method,
    `/${encodeURIComponent(path)}?api-version=2020-09-30`,
    { Accept: 'application/json', Authorization: serviceToken(), 'Content-Type': 'application/json', ...extra },
    body,
  );
}

/** src/app/constants/devices.ts LIST_IOT_DEVICES, as Explorer sends it. */
const EXPLORER_LIST = `
    SELECT deviceId as DeviceId,
    status as Status,
    lastActivityTime as LastActivityTime,
    statusUpdatedTime as StatusUpdatedTime,
    authenticationType as AuthenticationType,
    cloudToDeviceMessageCount as CloudToDeviceMessageCount,
    connectionState as ConnectionState,
    capabilities.iotEdge as IotEdge,
    modelId as ModelId
    FROM devices`;

it('az iot hub device-identity list: POST /devices/query answers every device as a twin with the hub\'s live values', async () => {
  const { service } = await openService(hub);
  await service.send('tool-a1', message({ ack: 'none' }));
  await service.close();
  const reply = await azQuery('select * from devices', { 'x-ms-max-item-count': '1000' });
  expect(reply.status).toBe(200);
  expect(reply.headers['x-ms-continuation']).toBeUndefined();
  const twins = JSON.parse(reply.body) as Array<Record<string, unknown>>;
  expect(twins.map((t) => t.deviceId).sort()).toEqual(['tool-a1', 'tool-a2', 'tool-b1']);
  const a1 = twins.find((t) => t.deviceId === 'tool-a1');
  expect(a1).toMatchObject({
    status: 'enabled',
    connectionState: 'Disconnected',
    cloudToDeviceMessageCount: 1,
    authenticationType: 'sas',
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    capabilities: { iotEdge: false },
    properties: { desired: { $version: 1 }, reported: { $version: 1 } },
  });
  expect(a1?.etag).toEqual(expect.any(String));
  expect(a1?.deviceEtag).toEqual(expect.any(String));
  expect(a1?.lastActivityTime).toEqual(expect.any(String));
  // The twin never carries the device's keys.
  expect(reply.body).not.toMatch(/primaryKey|symmetricKey/);
});

it('az iot hub query pages with x-ms-max-item-count and x-ms-continuation as _execute_query follows them', async () => {
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const reply = await azQuery('select deviceId from devices', { 'x-ms-max-item-count': '2', ...(token ? { 'x-ms-continuation': token } : {}) });
    expect(reply.status).toBe(200);
    const rows = JSON.parse(reply.body) as Array<{ deviceId: string }>;
    expect(rows.length).toBeLessThanOrEqual(2);
    seen.push(...rows.map((r) => r.deviceId));
    token = reply.headers['x-ms-continuation'] as string | undefined;
    pages++;
  } while (token);
  expect(pages).toBe(2);
  expect(seen.sort()).toEqual(['tool-a1', 'tool-a2', 'tool-b1']);
  const bad = await azQuery('select * from devices', { 'x-ms-continuation': 'not-a-token' });
  expect(bad.status).toBe(400);
  expect(JSON.parse(bad.body).Message).toMatch(/^ErrorCode:ArgumentInvalid;x-ms-continuation/);
});

it('answers WHERE on deviceId, status and capabilities.iotEdge, and COUNT()', async () => {
  const one = JSON.parse((await azQuery("SELECT * FROM devices WHERE deviceId = 'tool-a2'")).body) as Array<{ deviceId: string }>;
  expect(one.map((t) => t.deviceId)).toEqual(['tool-a2']);
  const edge = await azQuery('select * from devices where capabilities.iotEdge = true');
  expect(JSON.parse(edge.body)).toEqual([]);
  const count = JSON.parse((await azQuery("SELECT COUNT() AS numberOfDevices FROM devices WHERE status = 'enabled'")).body) as unknown;
  expect(count).toEqual([{ numberOfDevices: 3 }]);
});

it('refuses a query it cannot answer with a 400 in IoT Hub\'s error shape that says what it answers', async () => {
  for (const query of ["select * from devices.modules where devices.deviceId = 'tool-a1'", 'SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS n FROM devices GROUP BY properties.reported.telemetryConfig.status', 'select * from devices where']) {
    const reply = await azQuery(query);
    expect(reply.status, query).toBe(400);
    expect(reply.headers['iothub-errorcode']).toBe('ArgumentInvalid');
    expect(JSON.parse(reply.body).Message, query).toMatch(/^ErrorCode:ArgumentInvalid;Query not supported: .*FROM devices/);
  }
});

it('Azure IoT Explorer\'s device list: its encoded path, projection with aliases and STARTSWITH filter', async () => {
  const all = await explorer('POST', 'devices/query', { 'x-ms-max-item-count': '100' }, JSON.stringify({ query: EXPLORER_LIST }));
  expect(all.status).toBe(200);
  const rows = JSON.parse(all.body) as Array<Record<string, unknown>>;
  expect(rows).toHaveLength(3);
  expect(rows.find((r) => r.DeviceId === 'tool-b1')).toEqual({
    DeviceId: 'tool-b1',
    Status: 'enabled',
    LastActivityTime: expect.any(String),
    AuthenticationType: 'sas',
    CloudToDeviceMessageCount: 0,
    ConnectionState: 'Disconnected',
    IotEdge: false,
    ModelId: '',
  });
  const filtered = await explorer('POST', 'devices/query', { 'x-ms-max-item-count': '100' }, JSON.stringify({ query: `${EXPLORER_LIST} WHERE STARTSWITH(devices.deviceId, 'tool-a')` }));
  expect((JSON.parse(filtered.body) as Array<{ DeviceId: string }>).map((r) => r.DeviceId).sort()).toEqual(['tool-a1', 'tool-a2']);
  const clauses = await explorer('POST', 'devices/query', { 'x-ms-max-item-count': '100' }, JSON.stringify({ query: `${EXPLORER_LIST} WHERE (status='disabled' AND capabilities.iotEdge=false)` }));
  expect(JSON.parse(clauses.body)).toEqual([]);
});

it('Azure IoT Explorer\'s device identity and twin pages: GET devices/{id} and twins/{id}; twin updates and methods get a clear 501', async () => {
  const device = await explorer('GET', 'devices/tool-b1');
  expect(device.status).toBe(200);
  expect(JSON.parse(device.body)).toMatchObject({ deviceId: 'tool-b1', authentication: { type: 'sas' } });
  const twin = await explorer('GET', 'twins/tool-b1');
  expect(twin.status).toBe(200);
  expect(JSON.parse(twin.body)).toMatchObject({ deviceId: 'tool-b1', authenticationType: 'sas', properties: { desired: { $version: 1 } } });
  const update = await explorer('PATCH', 'twins/tool-b1', {}, JSON.stringify({ properties: { desired: { a: 1 } } }));
  expect(update.status).toBe(501);
  expect(update.headers['iothub-errorcode']).toBe('NotImplemented');
  expect(JSON.parse(update.body).Message).toMatch(/^ErrorCode:NotImplemented;Updating a device twin is not supported by the local hub/);
  const method = await explorer('POST', 'twins/tool-b1/methods', {}, JSON.stringify({ methodName: 'reboot', payload: {}, connectTimeoutInSeconds: 0, responseTimeoutInSeconds: 10 }));
  expect(method.status).toBe(501);
  expect(JSON.parse(method.body).Message).toMatch(/direct method is not supported by the local hub/);
  expect((await explorer('GET', 'twins/nobody')).status).toBe(404);
});

it('Azure IoT Explorer\'s C2D page: POST devices/{id}/messages/deviceBound queues the message, which a device then receives', async () => {
  const reply = await explorer('POST', `devices/${encodeURIComponent('tool-b1')}/messages/deviceBound`, { 'iothub-app-color': 'red', 'iothub-app-messageId': 'explorer-1', 'Content-Encoding': 'utf-8' }, 'hello from explorer');
  expect(reply.status).toBe(204);
  expect(hub.queueDepth('tool-b1')).toBe(1);
  const received = await send('GET', '/devices/tool-b1/messages/devicebound?api-version=2024-03-31', { Authorization: deviceToken('tool-b1'), 'IotHub-MessageLockTimeout': '60' });
  expect(received.status).toBe(200);
  expect(received.body).toBe('hello from explorer');
  expect(received.headers['iothub-app-color']).toBe('red');
  expect(received.headers['iothub-app-messageid']).toBe('explorer-1');
  const missing = await explorer('POST', 'devices/nobody/messages/deviceBound', {}, 'x');
  expect(missing.status).toBe(404);
  const device = await send('POST', '/devices/tool-b1/messages/deviceBound?api-version=2020-09-30', { Authorization: deviceToken('tool-b1') }, 'x');
  expect(device.status).toBe(401);
});

it('Azure IoT Explorer\'s delete: POST devices with importMode deleteIfMatchEtag removes the devices, and says which failed', async () => {
  hub.ensureDevice('tool-c1');
  hub.ensureDevice('tool-c2');
  const body = JSON.stringify(['tool-c1', 'tool-c2'].map((id) => ({ etag: '*', id, importMode: 'deleteIfMatchEtag' })));
  const reply = await explorer('POST', 'devices', {}, body);
  expect(reply.status).toBe(200);
  expect(JSON.parse(reply.body)).toEqual({ isSuccessful: true, errors: [], warnings: [] });
  expect((await explorer('GET', 'devices/tool-c1')).status).toBe(404);
  const again = await explorer('POST', 'devices', {}, JSON.stringify([{ etag: '*', id: 'tool-c1', importMode: 'deleteIfMatchEtag' }]));
  expect(again.status).toBe(400);
  expect(JSON.parse(again.body)).toMatchObject({ isSuccessful: false, errors: [{ deviceId: 'tool-c1', errorCode: 'DeviceNotFound' }] });
});

it('GET /statistics/devices and /statistics/service count the registry', async () => {
  const devices = await send('GET', '/statistics/devices?api-version=2024-03-31', { Authorization: serviceToken() });
  const counts = JSON.parse(devices.body) as { totalDeviceCount: number; enabledDeviceCount: number; disabledDeviceCount: number };
  expect(counts.totalDeviceCount).toBe(counts.enabledDeviceCount + counts.disabledDeviceCount);
  expect(counts.totalDeviceCount).toBeGreaterThanOrEqual(3);
  const service = await send('GET', '/statistics/service?api-version=2024-03-31', { Authorization: serviceToken() });
  expect(JSON.parse(service.body)).toEqual({ connectedDeviceCount: 0 });
});

it('Azure IoT Explorer\'s add device: PUT devices/{id} with its nulls creates the device with generated keys', async () => {
  // src/app/devices/addDevice/components/addDevice.tsx getDeviceIdentity, keys left to the hub.
  const identity = {
    authentication: { symmetricKey: { primaryKey: null, secondaryKey: null }, type: 'sas', x509Thumbprint: null },
    capabilities: { iotEdge: false },
    cloudToDeviceMessageCount: null,
    deviceId: 'tool-d1',
    etag: null,
    lastActivityTime: null,
    status: 'enabled',
    statusReason: null,
    statusUpdatedTime: null,
  };
  const reply = await explorer('PUT', 'devices/tool-d1', {}, JSON.stringify(identity));
  expect(reply.status).toBe(200);
  const created = JSON.parse(reply.body) as { deviceId: string; status: string; authentication: { type: string; symmetricKey: { primaryKey: string } } };
  expect(created).toMatchObject({ deviceId: 'tool-d1', status: 'enabled', authentication: { type: 'sas' } });
  expect(Buffer.from(created.authentication.symmetricKey.primaryKey, 'base64')).toHaveLength(32);
});

it('az iot device c2d-message receive --lock-timeout 1: the message is back for the next receive after its own lock, not the hub\'s 60 s', async () => {
  const { service } = await openService(hub);
  await service.send('tool-a2', message({ messageId: 'short-lock', ack: 'none' }));
  await service.close();
  // device_messaging.py _c2d_message_receive: IotHub-MessageLockTimeout from --lock-timeout.
  const receiveAz = (lockSeconds: string): Promise<Reply> =>
    send('GET', '/devices/tool-a2/messages/deviceBound?api-version=2024-03-31', { Authorization: deviceToken('tool-a2'), 'IotHub-MessageLockTimeout': lockSeconds });
  const first = await receiveAz('1');
  expect(first.headers['iothub-messageid']).toBe('short-lock');
  // Polls until the lock has lapsed (the hub sweeps locks every second); the hub's own lock would keep it 60 s.
  const again = await waitFor(async () => {
    const reply = await receiveAz('60');
    return reply.status === 200 && reply;
  }, undefined, 'the message back after its 1 s lock');
  expect(again.headers['iothub-messageid']).toBe('short-lock');
  expect(again.headers.etag).not.toBe(first.headers.etag);
  const settle = await send('DELETE', `/devices/tool-a2/messages/deviceBound/${encodeURIComponent(String(again.headers.etag).replace(/"/g, ''))}?api-version=2024-03-31`, { Authorization: deviceToken('tool-a2'), 'If-Match': String(again.headers.etag) });
  expect(settle.status).toBe(204);
});
