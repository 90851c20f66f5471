/**
 * Issue 8: Microsoft's C SDK splits HostName at its first dot and refuses a name without one. With
 * `hostName: '127.0.0.1'` (`iot-c2d hub --host-name 127.0.0.1`) the connection strings, the tokens and the
 * certificate all carry that name, and the SDKs connect with verification on; the CA stays the same. Our
 * clients name no IP address as a TLS server name (RFC 6066; Node's DEP0123 warning), on any transport.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseDeviceConnectionString, parseServiceConnectionString } from '../../src/core/connection-string.js';
import { message, openDevice, openRegistry, openService } from '../helpers/clients.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

const stateDir = tempStateDir();
let hub: TestHub | undefined;
// Node warns once per process (DEP0123) when a TLS server name is an IP address: watched from the start.
const warnings: Error[] = [];
process.on('warning', (warning) => warnings.push(warning));
afterAll(async () => hub?.dispose());

it('a dotted host name: in the connection strings and the certificate, and the SDKs connect to it (the CA is kept)', async () => {
  const before = await startTestHub({ stateDir });
  const ca = before.caPem;
  await before.dispose();

  hub = await startTestHub({ stateDir, hostName: '127.0.0.1', devices: ['dotted'] });
  expect(hub.caPem).toBe(ca);
  expect(parseServiceConnectionString(hub.serviceConnectionString()).hostName).toBe(`127.0.0.1:${hub.port}`);
  expect(parseDeviceConnectionString(hub.deviceConnectionString('dotted')).hostName).toBe('127.0.0.1');
  const cert = new X509Certificate(readFileSync(join(stateDir, 'tls', 'server.pem')));
  expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
  expect(cert.subjectAltName).toContain('DNS:localhost');

  const { service, feedback } = await openService(hub);
  for (const transport of ['mqtt', 'amqp'] as const) {
    const { device, received } = await openDevice(hub, 'dotted', { transport });
    await service.send('dotted', message({ messageId: `dotted-${transport}` }));
    expect((await received.waitForMatch((m) => m.messageId === `dotted-${transport}`)).messageId).toBe(`dotted-${transport}`);
    await feedback.waitForMatch((r) => r.originalMessageId === `dotted-${transport}`);
    await device.close();
  }
  await service.close();
});

it('no client names the IP address as its TLS server name (no DEP0123 warning), on every transport, the registry and feedback', async () => {
  hub ??= await startTestHub({ stateDir, hostName: '127.0.0.1', devices: ['dotted'] });
  const { service, feedback } = await openService(hub);
  for (const transport of ['mqtt', 'mqtt-ws', 'amqp', 'amqp-ws', 'http'] as const) {
    const { device, received } = await openDevice(hub, 'dotted', { transport });
    await service.send('dotted', message({ messageId: `ip-${transport}` }));
    await received.waitForMatch((m) => m.messageId === `ip-${transport}`);
    await feedback.waitForMatch((r) => r.originalMessageId === `ip-${transport}`);
    await device.close();
  }
  expect((await openRegistry(hub).get('dotted')).deviceId).toBe('dotted');
  await service.close();
  expect(warnings.map((w) => `${(w as Error & { code?: string }).code ?? w.name}: ${w.message}`)).not.toContainEqual(expect.stringMatching(/DEP0123/));
});
