/**
 * The device's options (the hub's CA as PEM text) reach the SDK's transport without the SDK first trying the
 * PEM text as a file name (device-client.ts, setOptionsNow): a thread-pool round trip before every CONNECT.
 * The CA still works: each transport connects over TLS and receives.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeviceTransport } from '../../src/core/types.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

const require = createRequire(import.meta.url);
const fs = require('node:fs') as { readFile: (...args: unknown[]) => void };
let hub: TestHub;
const pemReads: string[] = [];
const readFile = fs.readFile;
beforeAll(async () => {
  hub = await startTestHub();
  fs.readFile = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('-----BEGIN')) pemReads.push(args[0].slice(0, 30));
    readFile(...args);
  };
});
afterAll(async () => {
  fs.readFile = readFile;
  await hub?.dispose();
});

it.each<DeviceTransport>(['mqtt', 'amqp', 'http'])('a device over %s gets the CA as text, never read as a file, and receives', async (transport) => {
  const { service } = await openService(hub);
  const { device, received } = await openDevice(hub, `options-${transport}`, { transport });
  try {
    await service.send(`options-${transport}`, message({ messageId: `o-${transport}` }));
    expect((await received.waitForMatch((m) => m.messageId === `o-${transport}`, 15_000)).messageId).toBe(`o-${transport}`);
    expect(pemReads).toEqual([]);
  } finally {
    await device.close();
    await service.close();
  }
});
