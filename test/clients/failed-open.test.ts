/**
 * A service client whose open fails leaves nothing behind: the SDK client is closed and its listeners gone. A
 * device whose first connection is cut says so, not that its key was refused.
 */
import { Aedes } from 'aedes';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import { ClientError } from '../../src/clients/errors.js';
import { ServiceClient } from '../../src/clients/service-client.js';
import { parseServiceConnectionString } from '../../src/core/connection-string.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

const iothub = createRequire(import.meta.url)('azure-iothub') as typeof import('azure-iothub');
const WRONG_KEY = Buffer.alloc(32, 1).toString('base64');

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.dispose();
});

it('a refused open closes the SDK client and removes its listeners', async () => {
  const close = vi.spyOn(iothub.Client.prototype, 'close');
  const cs = parseServiceConnectionString(hub.serviceConnectionString());
  await expect(ServiceClient.open({ connectionString: `HostName=${cs.hostName};SharedAccessKeyName=${cs.keyName};SharedAccessKey=${WRONG_KEY}`, ca: hub.caPem })).rejects.toThrow(/refused the key/);
  expect(close).toHaveBeenCalledTimes(1);
  const sdkClient = close.mock.contexts[0] as import('node:events').EventEmitter;
  expect(sdkClient.listenerCount('disconnect')).toBe(0);
  close.mockRestore();
});

it('a device whose first MQTT connection is cut before the CONNACK is told the connection was lost, not that its key was refused', async () => {
  // A hub going away in the middle of a connect: TLS with the hub's certificate, the CONNECT read, the socket closed.
  const certs = join(hub.stateDir, 'tls');
  const server = createServer({ key: readFileSync(join(certs, 'server-key.pem')), cert: readFileSync(join(certs, 'server.pem')) }, (socket) => {
    socket.once('data', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const open = DeviceClient.open({ connectionString: `HostName=localhost;DeviceId=cut-off;SharedAccessKey=${WRONG_KEY};GatewayHostName=localhost:${port}`, ca: hub.caPem });
    const err = (await open.catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(ClientError);
    expect(err.kind).toBe('disconnected');
    expect(err.message).toMatch(/^The connection to the hub was lost: Unable to establish a connection/);
  } finally {
    server.close();
  }
});

it('a device whose hub stops listening between its TLS probe and its first MQTT connection is told nothing listens, and may retry', async () => {
  // The probe gets its handshake; the listener closes as soon as the probe's TCP connection is accepted, so it is
  // gone (its handle closed) well before the handshake ends and the SDK's own connection is refused. (Closed at
  // the end of the handshake instead, the SDK's connection could still land in the closing listener's backlog
  // and be reset: 'the connection was lost', a race.)
  const certs = join(hub.stateDir, 'tls');
  const server = createServer({ key: readFileSync(join(certs, 'server-key.pem')), cert: readFileSync(join(certs, 'server.pem')) });
  server.once('connection', () => server.close());
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  const err = (await DeviceClient.open({ connectionString: `HostName=localhost;DeviceId=too-late;SharedAccessKey=${WRONG_KEY};GatewayHostName=localhost:${port}`, ca: hub.caPem }).catch((e: unknown) => e)) as ClientError;
  expect(err).toBeInstanceOf(ClientError);
  expect(err.kind).toBe('unreachable');
  expect(err.message).toMatch(/^Nothing is listening at the hub: start the hub/);
});

it('a device whose connection drops between CONNACK and SUBACK is told the connection was lost, instead of waiting for ever', async () => {
  // An MQTT broker (aedes, which the hub uses) that lets the device in and goes away at its SUBSCRIBE.
  const broker = await Aedes.createBroker({ authorizeSubscribe: (client) => client.conn.destroy() });
  const certs = join(hub.stateDir, 'tls');
  const server = createServer({ key: readFileSync(join(certs, 'server-key.pem')), cert: readFileSync(join(certs, 'server.pem')) }, (socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const err = (await DeviceClient.open({ connectionString: `HostName=localhost;DeviceId=half-way;SharedAccessKey=${WRONG_KEY};GatewayHostName=localhost:${port}`, ca: hub.caPem }).catch((e: unknown) => e)) as ClientError;
    expect(err).toBeInstanceOf(ClientError);
    expect(err.kind).toBe('disconnected');
  } finally {
    server.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
});
