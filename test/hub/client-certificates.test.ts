/**
 * Issue 9, hub side: the TLS server asks clients for a certificate only while some device may present one.
 * A SAS-only hub (the default) sends no CertificateRequest in the handshake; the first X.509 device created
 * on a running hub switches the request on for the next connections, and that device then connects and
 * receives; a hub started on a state directory that holds X.509 devices asks from the start. What the server
 * sends is read from OpenSSL's handshake trace of a plain Node TLS client (test/fixtures/tls-trace.cjs).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import { makeDeviceCertificate } from '../../src/hub/index.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { sdkRegistry } from '../helpers/sdk-registry.js';
import { waitFor } from '../helpers/wait.js';

const TLS_TRACE = fileURLToPath(new URL('../fixtures/tls-trace.cjs', import.meta.url));
const stateDir = tempStateDir();
let hub: TestHub | undefined;
afterAll(async () => hub?.dispose());

/** Whether the hub's handshake asked this plain TLS client for a certificate. */
async function asksForCertificate(running: TestHub): Promise<boolean> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [TLS_TRACE, String(running.port), running.caPath], { timeout: 20_000 });
  expect(stdout.trim()).toBe('secure');
  // The trace names every handshake message: the server's certificate is always there.
  expect(stderr).toMatch(/\bCertificate, Length=/);
  return /\bCertificateRequest\b/.test(stderr);
}

it('a SAS-only hub never asks for a client certificate; the first X.509 device switches it on, and that device receives', async () => {
  hub = await startTestHub({ stateDir, devices: ['sas-device'] });
  expect(await asksForCertificate(hub)).toBe(false);

  const cert = await makeDeviceCertificate('x-late');
  await sdkRegistry(hub).create({ deviceId: 'x-late', authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: cert.thumbprint } } } as never);
  expect(await asksForCertificate(hub)).toBe(true);

  const { service } = await openService(hub);
  for (const transport of ['mqtt', 'amqp', 'http'] as const) {
    const device = await DeviceClient.open({
      connectionString: hub.deviceConnectionString('x-late'),
      ca: hub.caPem,
      transport,
      httpPollSeconds: 0.1,
      x509: { cert: cert.certPem, key: cert.keyPem },
    });
    const received: Array<string | undefined> = [];
    device.onMessage((m) => received.push(m.messageId));
    await service.send('x-late', message({ messageId: `late-${transport}`, ack: 'none' }));
    await waitFor(() => received.includes(`late-${transport}`), 10_000, `late-${transport} at the X.509 device`);
    await device.close();
  }
  await service.close();
});

it('a hub started on a state directory with an X.509 device asks from the start', async () => {
  await hub?.dispose();
  hub = await startTestHub({ stateDir });
  expect(await asksForCertificate(hub)).toBe(true);
});
