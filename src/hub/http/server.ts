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
import type { HubCore } from '../core/hub-core.js';
import type { Right } from '../core/model.js';
import { peerCertificateOf } from '../device-certificates.js';
import { deviceJson, deviceInput } from './device-json.js';

/** Request bodies above this are refused with 413: registry documents and C2D are far smaller. */
export const MAX_BODY_BYTES = 256 * 1024;

const STATUS: Record<HubErrorCode | 'NotFound' | 'MethodNotAllowed' | 'RequestEntityTooLarge', number> = {
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
  StorageUnavailable: 507,
};

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
  if (status === 413 || status >= 500) log?.(`https: ${status}: ${message}`);
  const errorCode = code === 'Unauthorized' ? 'IotHubUnauthorizedAccess' : (code ?? 'ServerError');
  if (res.headersSent) return void res.destroy();
  sendJson(
    res,
    status,
    { Message: `ErrorCode:${errorCode};${message}`, ExceptionMessage: `Tracking ID:${randomUUID().replace(/-/g, '')}-TimeStamp:${new Date().toISOString()}` },
    status === 413 ? { Connection: 'close' } : {},
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
  const body = await readBody(req);
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HubError('ArgumentInvalid', 'The request body is not a JSON object.');
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

async function handle(core: HubCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://hub');
  const parts = url.pathname.split('/').filter((p, i) => i > 0 && (p !== '' || i === 1));
  const method = req.method ?? 'GET';
  checkDeclaredSize(req);
  const pathDeviceId = parts[0] === 'devices' && parts[1] ? decodeSegment(parts[1]) : undefined;
  const grant = authenticate(core, req, pathDeviceId);
  if (parts[0] !== 'devices') throw new HttpError('NotFound', `No resource ${url.pathname} on this hub.`);

  // GET /devices (list)
  if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
    if (method !== 'GET') throw new HttpError('MethodNotAllowed', `${method} is not allowed on /devices.`);
    requireService(grant, 'RegistryRead');
    const top = Number(url.searchParams.get('top') ?? 1000);
    return sendJson(res, 200, core.listDevices().slice(0, top).map((d) => deviceJson(core, d)));
  }
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

  // The device-bound endpoints of the HTTP device transport.
  if (parts[2] === 'messages' && parts[3]?.toLowerCase() === 'devicebound') {
    requireDevice(grant, deviceId);
    core.markSeen(deviceId);
    if (parts.length === 4 && method === 'GET') return receive(core, res, deviceId);
    const lockToken = parts[4] ? decodeSegment(parts[4]) : '';
    if (parts.length === 5 && method === 'DELETE') {
      const how = url.searchParams.has('reject') ? 'reject' : 'complete';
      return settled(res, core.settle(deviceId, lockToken, how), lockToken);
    }
    if (parts.length === 6 && parts[5] === 'abandon' && method === 'POST') {
      return settled(res, core.settle(deviceId, lockToken, 'abandon'), lockToken);
    }
  }
  throw new HttpError('NotFound', `No resource ${method} ${url.pathname} on this hub.`);
}

function receive(core: HubCore, res: ServerResponse, deviceId: string): void {
  const locked = core.receive(deviceId);
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
  if (message.messageId !== undefined) headers['iothub-messageid'] = message.messageId;
  if (message.correlationId !== undefined) headers['iothub-correlationid'] = message.correlationId;
  if (message.userId !== undefined) headers['iothub-userid'] = message.userId;
  if (message.expirySet) headers['iothub-expiry'] = new Date(message.expiryMs).toISOString();
  // Microsoft's C SDK reads a C2D message's content type and encoding from `ContentType` / `ContentEncoding`
  // (iothubtransporthttp.c, IOTHUB_CONTENT_TYPE_C2D; case-sensitive); the iothub- names are what devices send.
  if (message.contentType !== undefined) {
    headers['iothub-contenttype'] = message.contentType;
    headers.ContentType = message.contentType;
  }
  if (message.contentEncoding !== undefined) {
    headers['iothub-contentencoding'] = message.contentEncoding;
    headers.ContentEncoding = message.contentEncoding;
  }
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
