/** What `iot-c2d tui` connects to: the port fallback of the embedded hub, and where unmasked keys may go. */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { embeddedConnector, remoteConnector } from '../../src/cli/tui-connector.js';
import type { TuiArgs } from '../../src/cli/commands/tui.js';
import { tempStateDir } from '../helpers/hub.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const args = (port: number): TuiArgs => ({ transport: 'mqtt', 'state-dir': stateDir, port, feedback: true });

it('remote hubs: the file with unmasked keys goes to the private state directory, not the working directory', () => {
  const connector = remoteConnector(args(0), 'HostName=h.azure-devices.net;SharedAccessKeyName=service;SharedAccessKey=a2V5', undefined);
  expect(connector.secretsDir).toBe(stateDir);
  expect(connector.secretsDir).not.toBe(process.cwd());
});

it('the embedded hub falls back to a free port when the one asked for is taken', async () => {
  const taken = await new Promise<Server>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
  const port = (taken.address() as { port: number }).port;
  try {
    const connector = await embeddedConnector(args(port));
    expect(connector.hubLabel).toMatch(/^local localhost:\d+$/);
    expect(connector.hubLabel).not.toBe(`local localhost:${port}`);
    const { service } = await connector.openService(connector.serviceConnectionString as string);
    const device = await connector.openDevice(connector.deviceConnectionString as string, 'mqtt', true);
    await device.close();
    await service.close();
    await connector.shutdown();
  } finally {
    taken.close();
  }
});
