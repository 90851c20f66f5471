/**
 * The TLS probe before a client's first open (trust.ts): on by default, and left out with `probe: false` (the
 * TUI's first opens of the hub it has just started), when the SDK's own connection is the only one made.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import { ServiceClient } from '../../src/clients/service-client.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['probed'] });
});
afterAll(async () => {
  await hub?.dispose();
});

/** How many connections the client makes while `open` runs (every TLS socket connects through net.Socket). */
async function connectionsDuring(open: () => Promise<{ close(): Promise<void> }>): Promise<number> {
  const spy = vi.spyOn(Socket.prototype, 'connect');
  try {
    const client = await open();
    const made = spy.mock.calls.length;
    await client.close();
    return made;
  } finally {
    spy.mockRestore();
  }
}

it('a service client probes the hub before its first open, unless told not to', async () => {
  const connectionString = hub.serviceConnectionString();
  expect(await connectionsDuring(() => ServiceClient.open({ connectionString, ca: hub.caPem }))).toBe(2);
  expect(await connectionsDuring(() => ServiceClient.open({ connectionString, ca: hub.caPem, probe: false }))).toBe(1);
});

it('a device client probes the hub before its first open, unless told not to', async () => {
  const connectionString = hub.deviceConnectionString('probed');
  expect(await connectionsDuring(() => DeviceClient.open({ connectionString, ca: hub.caPem }))).toBe(2);
  expect(await connectionsDuring(() => DeviceClient.open({ connectionString, ca: hub.caPem, probe: false }))).toBe(1);
});
