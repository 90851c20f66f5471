/**
 * IoT Hub's HTTPS API, over the TLS sockets the listener hands in: the identity registry, the C2D purge,
 * and the device endpoints of the SDK's HTTP device transport (device-bound messages; telemetry, dropped). Errors use IoT Hub's body,
 * `{"Message":"ErrorCode:<Code>;<text>"}`, which the SDK maps to its error classes.
 *
 * Every request is authenticated before it is routed (an unauthenticated one gets 401 whatever it asks for):
 * by the SAS token of its Authorization header or, when it has none, by the client certificate of its TLS
 * connection, for the device its path names (X.509 devices send no Authorization header).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Grant } from '../core/auth.js';
import { grantsDevice, grantsService } from '../core/auth.js';
import { HubError } from '../core/errors.js';
import type { HubErrorCode } from '../core/errors.js';
import type { HubCore, NewMessage } from '../core/hub-core.js';
import type { Right } from '../core/model.js';
import { peerCertificateOf } from '../device-certificates.js';
import { deviceJson, deviceInput, twinJson } from './device-json.js';
import { parseDeviceQuery, runDeviceQuery } from './device-query.js';

/** Request bodies above this are refused with 413: registry documents and C2D are far smaller. */
export const MAX_BODY_BYTES = 256 * 1024;

const STATUS: Record<HubErrorCode | 'NotFound' | 'MethodNotAllowed' | 'RequestEntityTooLarge' | 'NotImplemented', number> = {
  ArgumentInvalid: 400,
  Unauthorized: 401,
  DeviceMaximumQueueDepthExceeded: 403,
  DeviceNotFound: 404,
  NotFound: 404,
  MethodNotAllowed: 405,
  DeviceAlreadyExists: 409,
  PreconditionFailed: 412,
  MessageTooLarge: 413,
  RequestEntityTooLarge: 413,
  NotImplemented: 501,
  StorageUnavailable: 507,
};

/** The system properties HTTPS carries as `iothub-` headers of their own name, both ways (C2D sent and received). */
const TEXT_PROPERTY_HEADERS = [
  ['iothub-messageid', 'messageId'],
  ['iothub-correlationid', 'correlationId'],
  ['iothub-userid', 'userId'],
  ['iothub-contenttype', 'contentType'],
  ['iothub-contentencoding', 'contentEncoding'],
] as const;

/** Query pages: IoT Hub's default page size, and the most one page holds here. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

class HttpError extends Error {
  constructor(
    readonly code: keyof typeof STATUS,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpServer {
  server: Server;
  handle(socket: Duplex): void;
  close(): void;
}

export function createHttpServer(core: HubCore): HttpServer {
  const server = createServer({ keepAliveTimeout: 30_000, requestTimeout: 30_000 }, (req, res) => {
    handle(core, req, res).catch((err: unknown) => sendError(res, err, core.log));
  });
  server.on('clientError', (err: Error & { code?: string }, socket) => {
    core.log(`https: bad request: ${err.code ?? err.message}`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return {
    server,
    handle: (socket) => server.emit('connection', socket),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown, log?: (line: string) => void): void {
  const code = err instanceof HubError || err instanceof HttpError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const status = code ? STATUS[code] : 500;
  if (status === 413 || (status >= 500 && status !== 501)) log?.(`https: ${status}: ${message}`);
  const errorCode = code === 'Unauthorized' ? 'IotHubUnauthorizedAccess' : (code ?? 'ServerError');
  if (res.headersSent) return void res.destroy();
  sendJson(
    res,
    status,
    { Message: `ErrorCode:${errorCode};${message}`, ExceptionMessage: `Tracking ID:${randomUUID().replace(/-/g, '')}-TimeStamp:${new Date().toISOString()}` },
    { 'iothub-errorcode': errorCode, ...(status === 413 ? { Connection: 'close' } : {}) },
  );
}

function checkDeclaredSize(req: IncomingMessage): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError('RequestEntityTooLarge', `The request body is ${declared} bytes: this hub accepts at most ${MAX_BODY_BYTES}.`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError('RequestEntityTooLarge', `The request body is over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const value = await readJsonValue(req, '{}');
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new HubError('ArgumentInvalid', 'The request body is not a JSON object.');
}

async function readJsonValue(req: IncomingMessage, empty: string): Promise<unknown> {
  const body = await readBody(req);
  try {
    return JSON.parse(body.toString('utf8') || empty) as unknown;
  } catch {
    throw new HubError('ArgumentInvalid', 'The request body is not JSON.');
  }
}

function notSupported(what: string): HttpError {
  return new HttpError('NotImplemented', `${what} is not supported by the local hub: it serves the device registry and cloud-to-device messages only.`);
}

/** The SAS token of the Authorization header, or else the client certificate for the device the path names. */
function authenticate(core: HubCore, req: IncomingMessage, pathDeviceId: string | undefined): Grant {
  const header = req.headers.authorization;
  const certificate = header ? undefined : peerCertificateOf(req.socket as TLSSocket);
  if (!header && !certificate) throw new HubError('Unauthorized', 'No Authorization header: send a SharedAccessSignature.');
  const result = header
    ? core.authenticate({ token: header })
    : pathDeviceId === undefined
      ? { ok: false as const, reason: 'A client certificate authenticates a device: the path must name it (/devices/{id}/...).' }
      : core.authenticate({ deviceId: pathDeviceId, certificate });
  if (!result.ok) {
    core.log(`https: ${req.method} ${req.url?.split('?')[0]} refused: ${result.reason}`);
    throw new HubError('Unauthorized', result.reason);
  }
  return result.grant;
}

function requireService(grant: Grant, right: Right): void {
  if (!grantsService(grant, right)) throw new HubError('Unauthorized', `This operation needs ${right}; the ${grant.principal.startsWith('x509:') ? 'certificate' : 'token'} does not grant it.`);
}

function requireDevice(grant: Grant, deviceId: string): void {
  if (!grantsDevice(grant, deviceId)) throw new HubError('Unauthorized', `The ${grant.principal.startsWith('x509:') ? 'certificate' : 'token'} does not let device '${deviceId}' connect.`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HubError('ArgumentInvalid', `"${segment}" is not URL-encoded properly.`);
  }
}

function unquote(etag: string | undefined): string {
  return (etag ?? '*').replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/**
 * The path of a request. Azure IoT Explorer sends its whole path URL-encoded as one segment
 * (`/devices%2Fquery`, `/devices%2Fdev1%2Fmessages%2FdeviceBound`), which IoT Hub answers as the decoded path:
 * a path of one segment holding an encoded `/` is decoded once. In a path of several segments an encoded `/`
 * stays inside its segment (`/devices/a%2Fb` names the device `a/b`, which the registry refuses by name).
 */
function pathOf(url: URL): string {
  const { pathname } = url;
  return pathname.indexOf('/', 1) < 0 && /%2f/i.test(pathname) ? decodeSegment(pathname) : pathname;
}

async function handle(core: HubCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://hub');
  const pathname = pathOf(url);
  const parts = pathname.split('/').filter((p, i) => i > 0 && (p !== '' || i === 1));
  const method = req.method ?? 'GET';
  checkDeclaredSize(req);
  const pathDeviceId = parts[0] === 'devices' && parts[1] ? decodeSegment(parts[1]) : undefined;
  const grant = authenticate(core, req, pathDeviceId);
  if (parts[0] === 'twins' && parts[1]) return twins(core, req, res, grant, decodeSegment(parts[1]), parts.slice(2));
  if (parts[0] === 'statistics' && parts.length === 2 && method === 'GET') return statistics(core, res, grant, parts[1] as string);
  if (parts[0] !== 'devices') throw new HttpError('NotFound', `No resource ${method} ${pathname} on this hub.`);

  // GET /devices (list), POST /devices (bulk registry operations)
  if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
    if (method === 'POST') return bulk(core, req, res, grant);
    if (method !== 'GET') throw new HttpError('MethodNotAllowed', `${method} is not allowed on /devices.`);
    requireService(grant, 'RegistryRead');
    const top = Number(url.searchParams.get('top') ?? 1000);
    return sendJson(res, 200, core.listDevices().slice(0, top).map((d) => deviceJson(core, d)));
  }
  if (parts.length === 2 && parts[1] === 'query' && method === 'POST') return query(core, req, res, grant);
  const deviceId = pathDeviceId as string;

  if (parts.length === 2) {
    if (method === 'GET') {
      requireService(grant, 'RegistryRead');
      const device = core.requireDevice(deviceId);
      return sendJson(res, 200, deviceJson(core, device), { ETag: `"${device.etag}"` });
    }
    if (method === 'PUT') {
      requireService(grant, 'RegistryWrite');
      const input = deviceInput(deviceId, await readJson(req));
      const ifMatch = req.headers['if-match'];
      const device = ifMatch === undefined ? core.createDevice(input) : core.updateDevice(input, unquote(ifMatch));
      return sendJson(res, 200, deviceJson(core, device), { ETag: `"${device.etag}"` });
    }
    if (method === 'DELETE') {
      requireService(grant, 'RegistryWrite');
      core.deleteDevice(deviceId, unquote(req.headers['if-match']));
      res.writeHead(204).end();
      return;
    }
    throw new HttpError('MethodNotAllowed', `${method} is not allowed on /devices/{id}.`);
  }

  // DELETE /devices/{id}/commands: purge the C2D queue.
  if (parts.length === 3 && parts[2] === 'commands' && method === 'DELETE') {
    requireService(grant, 'ServiceConnect');
    const purged = core.purge(deviceId);
    return sendJson(res, 200, { totalMessagesPurged: purged, deviceId, moduleId: null });
  }

  // POST /devices/{id}/messages/events: telemetry (one message, or a batch), read whole and dropped as over
  // MQTT and AMQP (this hub serves C2D); 204 as IoT Hub answers, so the device goes on.
  if (parts.length === 4 && parts[2] === 'messages' && parts[3] === 'events' && method === 'POST') {
    requireDevice(grant, deviceId);
    core.markSeen(deviceId);
    await readBody(req);
    res.writeHead(204).end();
    return;
  }

  // POST /devices/{id}/messages/deviceBound: a C2D message sent over HTTPS (Azure IoT Explorer's C2D page).
  if (parts.length === 4 && parts[2] === 'messages' && parts[3]?.toLowerCase() === 'devicebound' && method === 'POST') {
    requireService(grant, 'ServiceConnect');
    return sendOverHttp(core, req, res, deviceId);
  }

  // The device-bound endpoints of the HTTP device transport.
  if (parts[2] === 'messages' && parts[3]?.toLowerCase() === 'devicebound') {
    requireDevice(grant, deviceId);
    core.markSeen(deviceId);
    if (parts.length === 4 && method === 'GET') return receive(core, res, deviceId, lockTimeoutOf(req));
    const lockToken = parts[4] ? decodeSegment(parts[4]) : '';
    if (parts.length === 5 && method === 'DELETE') {
      const how = url.searchParams.has('reject') ? 'reject' : 'complete';
      return settled(res, core.settle(deviceId, lockToken, how), lockToken);
    }
    if (parts.length === 6 && parts[5] === 'abandon' && method === 'POST') {
      return settled(res, core.settle(deviceId, lockToken, 'abandon'), lockToken);
    }
  }
  if (parts[2] === 'methods' || parts[2] === 'modules') throw notSupported(parts[2] === 'methods' ? 'Invoking a direct method' : 'A module');
  throw new HttpError('NotFound', `No resource ${method} ${pathname} on this hub.`);
}

/** POST /devices/query: the registry as twins, filtered and projected, in pages (`x-ms-max-item-count`, `x-ms-continuation`). */
async function query(core: HubCore, req: IncomingMessage, res: ServerResponse, grant: Grant): Promise<void> {
  requireService(grant, 'RegistryRead');
  const body = await readJson(req);
  if (typeof body.query !== 'string' || body.query.trim() === '') throw new HubError('ArgumentInvalid', 'The body must be {"query": "SELECT * FROM devices ..."}.');
  const rows = runDeviceQuery(parseDeviceQuery(body.query), core.listDevices().map((d) => twinJson(core, d)));
  const sizeHeader = req.headers['x-ms-max-item-count'];
  const size = sizeHeader === undefined ? DEFAULT_PAGE_SIZE : Number(sizeHeader);
  if (!Number.isInteger(size) || size < 1) throw new HubError('ArgumentInvalid', `x-ms-max-item-count must be a whole number from 1, not "${String(sizeHeader)}".`);
  const token = req.headers['x-ms-continuation'];
  const from = token === undefined || token === '' ? 0 : continuationOffset(String(token));
  const to = from + Math.min(size, MAX_PAGE_SIZE);
  const headers: Record<string, string> = {};
  if (to < rows.length) headers['x-ms-continuation'] = Buffer.from(JSON.stringify({ offset: to })).toString('base64');
  return sendJson(res, 200, rows.slice(from, to), headers);
}

function continuationOffset(token: string): number {
  try {
    const offset: unknown = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new HubError('ArgumentInvalid', 'x-ms-continuation is not a token this hub gave: send the one from the previous page, or none for the first page.');
}

/** /twins/{id}: the twin can be read (it holds no properties here); updates and methods are refused. */
function twins(core: HubCore, req: IncomingMessage, res: ServerResponse, grant: Grant, deviceId: string, rest: string[]): void {
  if (rest.length === 0 && req.method === 'GET') {
    requireService(grant, 'RegistryRead');
    return sendJson(res, 200, twinJson(core, core.requireDevice(deviceId)), { ETag: '"AAAAAAAAAAE="' });
  }
  if (rest.length === 0 && (req.method === 'PATCH' || req.method === 'PUT')) throw notSupported('Updating a device twin');
  if (rest[0] === 'methods') throw notSupported('Invoking a direct method');
  if (rest[0] === 'modules') throw notSupported('A module twin');
  throw new HttpError('NotFound', `No resource ${req.method} /twins/${deviceId}/${rest.join('/')} on this hub.`);
}

/** GET /statistics/devices and /statistics/service, as IoT Hub counts them. */
function statistics(core: HubCore, res: ServerResponse, grant: Grant, which: string): void {
  requireService(grant, 'RegistryRead');
  const devices = core.listDevices();
  if (which === 'devices') {
    const enabled = devices.filter((d) => d.status === 'enabled').length;
    return sendJson(res, 200, { totalDeviceCount: devices.length, enabledDeviceCount: enabled, disabledDeviceCount: devices.length - enabled });
  }
  if (which === 'service') return sendJson(res, 200, { connectedDeviceCount: devices.filter((d) => core.isConnected(d.deviceId)).length });
  throw new HttpError('NotFound', `No resource /statistics/${which} on this hub.`);
}

type BulkError = { deviceId: string; errorCode: string; errorStatus: string };

/**
 * POST /devices: bulk create and delete (Azure IoT Explorer deletes devices this way, with
 * `importMode: deleteIfMatchEtag` and `etag: '*'`). Each device is done on its own; the answer lists what failed.
 */
async function bulk(core: HubCore, req: IncomingMessage, res: ServerResponse, grant: Grant): Promise<void> {
  requireService(grant, 'RegistryWrite');
  const body = await readJsonValue(req, '[]');
  if (!Array.isArray(body)) throw new HubError('ArgumentInvalid', 'The body of POST /devices must be a JSON array of devices, each with an importMode.');
  const errors: BulkError[] = [];
  for (const item of body as Array<Record<string, unknown>>) {
    const deviceId = typeof item?.id === 'string' ? item.id : typeof item?.deviceId === 'string' ? item.deviceId : '';
    const mode = String(item?.importMode ?? '').toLowerCase();
    try {
      if (!deviceId) throw new HubError('ArgumentInvalid', 'A device of the bulk operation has no id.');
      if (mode === 'delete') core.deleteDevice(deviceId, '*');
      else if (mode === 'deleteifmatchetag') core.deleteDevice(deviceId, unquote(typeof item.eTag === 'string' ? item.eTag : typeof item.etag === 'string' ? item.etag : '*'));
      else if (mode === 'create') core.createDevice(deviceInput(deviceId, { ...item, id: undefined, importMode: undefined, deviceId }));
      else throw new HubError('ArgumentInvalid', `importMode "${String(item?.importMode)}" is not supported here: use create, delete or deleteIfMatchEtag.`);
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      errors.push({ deviceId, errorCode: err.code, errorStatus: err.message });
    }
  }
  return sendJson(res, errors.length === 0 ? 200 : 400, { isSuccessful: errors.length === 0, errors, warnings: [] });
}

/**
 * A C2D message sent over HTTPS: the body as is, `iothub-app-{name}` headers as application properties, and
 * the `iothub-` system properties (messageid, correlationid, userid, ack, expiry, contenttype, contentencoding).
 * 204 once it is queued, as IoT Hub answers.
 */
async function sendOverHttp(core: HubCore, req: IncomingMessage, res: ServerResponse, deviceId: string): Promise<void> {
  const body = await readBody(req);
  const properties: Array<[string, string]> = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    if (name.toLowerCase().startsWith('iothub-app-')) properties.push([name.slice('iothub-app-'.length), req.rawHeaders[i + 1] as string]);
  }
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const message: NewMessage = { deviceId, properties, body };
  for (const [name, field] of TEXT_PROPERTY_HEADERS) {
    const value = header(name);
    if (value !== undefined) message[field] = value;
  }
  const ack = header('iothub-ack');
  if (ack !== undefined) message.ack = ack;
  const expiry = header('iothub-expiry');
  if (expiry !== undefined) {
    const expiryMs = Date.parse(expiry);
    if (Number.isNaN(expiryMs)) throw new HubError('ArgumentInvalid', `iothub-expiry "${expiry}" is not a date: send an ISO 8601 time.`);
    message.expiryMs = expiryMs;
  }
  await new Promise<void>((resolve, reject) => core.enqueue(message, (err) => (err ? reject(err) : resolve())));
  res.writeHead(204).end();
}

/**
 * The lock a polling device asks for, `IotHub-MessageLockTimeout: <seconds>` (az iot device c2d-message receive
 * --lock-timeout, the Java SDK's HTTPS transport); the hub's own lock when absent or not a whole number from 1.
 */
function lockTimeoutOf(req: IncomingMessage): number | undefined {
  const header = req.headers['iothub-messagelocktimeout'];
  const seconds = typeof header === 'string' && /^\s*[0-9]+\s*$/.test(header) ? Number(header) : 0;
  return seconds >= 1 ? seconds * 1000 : undefined;
}

function receive(core: HubCore, res: ServerResponse, deviceId: string, lockTimeoutMs: number | undefined): void {
  const locked = core.receive(deviceId, lockTimeoutMs);
  if (!locked) {
    res.writeHead(204).end();
    return;
  }
  const { message, lockToken } = locked;
  const headers: Record<string, string> = {
    ETag: `"${lockToken}"`,
    'iothub-to': `/devices/${encodeURIComponent(deviceId)}/messages/deviceBound`,
    'iothub-sequencenumber': String(message.seq),
    'iothub-enqueuedtime': new Date(message.enqueuedMs).toUTCString(),
    'iothub-deliverycount': String(message.deliveryCount),
    'iothub-ack': message.ack,
    'Content-Length': String(message.body.length),
  };
  for (const [name, field] of TEXT_PROPERTY_HEADERS) {
    const value = message[field];
    if (value !== undefined) headers[name] = value;
  }
  if (message.expirySet) headers['iothub-expiry'] = new Date(message.expiryMs).toISOString();
  // Microsoft's C SDK reads a C2D message's content type and encoding from `ContentType` / `ContentEncoding`
  // (iothubtransporthttp.c, IOTHUB_CONTENT_TYPE_C2D; case-sensitive); the iothub- names are what devices send.
  if (message.contentType !== undefined) headers.ContentType = message.contentType;
  if (message.contentEncoding !== undefined) headers.ContentEncoding = message.contentEncoding;
  const raw: string[] = [];
  for (const [name, value] of Object.entries(headers)) raw.push(name, value);
  for (const [name, value] of message.properties) raw.push(`iothub-app-${name}`, value);
  res.writeHead(200, raw);
  res.end(message.body);
}

function settled(res: ServerResponse, known: boolean, lockToken: string): void {
  if (known) {
    res.writeHead(204).end();
    return;
  }
  sendError(res, new HttpError('PreconditionFailed', `No locked message with lock token ${lockToken}: it was settled already or its lock expired.`));
}
