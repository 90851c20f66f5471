/**
 * Issue 9, X.509 devices, acceptance: a self-signed and a CA-signed device receive C2D messages with
 * properties and produce Success feedback on every device transport, authenticated only by their TLS client
 * certificates; a mismatched thumbprint, an unregistered CA, a CN naming another device and a disabled device
 * are refused the way each transport refuses (the SDK's UnauthorizedError), with one log line; a SAS device
 * on the same port is unaffected.
 */
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from 'azure-iothub';
import { DeviceClient } from '../../src/clients/device-client.js';
import { caBundle } from '../../src/clients/trust.js';
import type { ClientError } from '../../src/clients/errors.js';
import type { ServiceClient } from '../../src/clients/service-client.js';
import type { FeedbackRecord, DeviceTransport } from '../../src/core/types.js';
import { makeDeviceCa, makeDeviceCertificate } from '../../src/hub/index.js';
import type { IssuedCertificate } from '../../src/hub/index.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { sdkRegistry } from '../helpers/sdk-registry.js';
import type { Collector } from '../helpers/wait.js';
import { rejectionOf, waitFor } from '../helpers/wait.js';

const TRANSPORTS: DeviceTransport[] = ['mqtt', 'mqtt-ws', 'amqp', 'amqp-ws', 'http'];

let hub: TestHub;
let registry: Registry;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;
const certs: Record<string, IssuedCertificate> = {};

beforeAll(async () => {
  const ca = await makeDeviceCa('Fleet CA');
  const rogue = await makeDeviceCa('Rogue CA');
  hub = await startTestHub({ deviceCas: [ca.certPem] });
  registry = sdkRegistry(hub);
  [certs.self, certs.selfOther, certs.ca, certs.rogue, certs.otherCn, certs.off] = await Promise.all([
    makeDeviceCertificate('not-the-device-id'),
    makeDeviceCertificate('x-self'),
    makeDeviceCertificate('x-ca', ca),
    makeDeviceCertificate('x-ca', rogue),
    makeDeviceCertificate('x-other', ca),
    makeDeviceCertificate('x-off'),
  ]);
  const selfSigned = (primaryThumbprint: string): unknown => ({ type: 'selfSigned', x509Thumbprint: { primaryThumbprint } });
  // The SDK's tests write SHA-1 thumbprints in upper case; the hub compares without regard to case.
  await registry.create({ deviceId: 'x-self', authentication: selfSigned((certs.self as IssuedCertificate).thumbprint.toLowerCase()) } as never);
  await registry.create({ deviceId: 'x-ca', authentication: { type: 'certificateAuthority' } } as never);
  await registry.create({ deviceId: 'x-other', authentication: { type: 'certificateAuthority' } } as never);
  await registry.create({ deviceId: 'x-off', status: 'disabled', authentication: selfSigned((certs.off as IssuedCertificate).thumbprint) } as never);
  ({ service, feedback } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

function openX509(deviceId: string, cert: IssuedCertificate, transport: DeviceTransport): Promise<DeviceClient> {
  return DeviceClient.open({
    connectionString: hub.deviceConnectionString(deviceId),
    ca: hub.caPem,
    transport,
    httpPollSeconds: 0.1,
    x509: { cert: cert.certPem, key: cert.keyPem },
  });
}

describe.each(TRANSPORTS)('over %s', (transport) => {
  for (const [deviceId, which] of [
    ['x-self', 'self'],
    ['x-ca', 'ca'],
  ] as const) {
    it(`${deviceId} (${which === 'self' ? 'self-signed' : 'CA-signed'}) receives a message with properties and produces Success feedback`, async () => {
      const device = await openX509(deviceId, certs[which] as IssuedCertificate, transport);
      const received: Array<{ messageId?: string; properties: Array<[string, string]> }> = [];
      device.onMessage((m) => received.push(m));
      const messageId = `${deviceId}-${transport}`;
      await service.send(deviceId, message({ messageId, properties: [['colour', 'blue']], ack: 'full' }));
      const got = await waitFor(() => received.find((m) => m.messageId === messageId), 10_000, `${messageId} at the device`);
      expect(got.properties).toEqual([['colour', 'blue']]);
      const record = await feedback.waitForMatch((r) => r.originalMessageId === messageId, 10_000);
      expect(record).toMatchObject({ deviceId, statusCode: 'Success' });
      await device.close();
    });
  }
});

describe.each(['mqtt', 'amqp', 'http'] as const)('refusals over %s', (transport) => {
  const refused = async (deviceId: string, cert: IssuedCertificate, logged: RegExp): Promise<void> => {
    const before = hub.logs.length;
    const refusal = new RegExp(`^The hub refused the certificate of device '${deviceId}'`);
    if (transport === 'mqtt') {
      const err = await rejectionOf<ClientError>(openX509(deviceId, cert, transport));
      expect(err.kind).toBe('unauthorized');
      expect(err.message).toMatch(refusal);
      expect((err.cause as Error).name).toBe('UnauthorizedError');
    } else {
      // AMQP: the link is detached right after its attach, which the SDK reports as a lost connection once open;
      // HTTP: the open sends nothing, and the first poll gets the 401. Either way the device says why.
      const device = await openX509(deviceId, cert, transport);
      const state = await waitFor(() => {
        const s = device.state();
        return s.status !== 'connected' && s;
      }, 10_000, 'the refusal');
      expect('reason' in state ? state.reason : '').toMatch(refusal);
      await device.close();
    }
    // The hub's log line names the reason (an HTTP poll still in flight from the previous case may log too).
    const line = await waitFor(() => hub.logs.slice(before).find((l) => logged.test(l)), 5000, `a log line matching ${logged}`);
    expect(line).toMatch(transport === 'mqtt' ? /^mqtt: refused connection of/ : transport === 'amqp' ? /^amqp#\d+: link \/devices\/.*refused: / : /^https: GET \/devices\/.* refused: /);
  };

  it('a certificate whose thumbprint is not the device’s', async () => {
    await refused('x-self', certs.selfOther as IssuedCertificate, /thumbprint \(SHA-1 [0-9A-F]{40}\) matches neither thumbprint registered for device 'x-self'/);
  });

  it('a certificate signed by a CA the hub does not know', async () => {
    await refused('x-ca', certs.rogue as IssuedCertificate, /does not chain to a CA registered with this hub/);
  });

  it('a certificate of another device, signed by the registered CA', async () => {
    await refused('x-ca', certs.otherCn as IssuedCertificate, /subject CN is "x-other", not the device id 'x-ca'/);
  });

  it('a disabled X.509 device', async () => {
    await refused('x-off', certs.off as IssuedCertificate, /Device 'x-off' is disabled/);
  });
});

it('a SAS device on the same port is unaffected', async () => {
  const { device, received } = await openDevice(hub, 'sas-1', { transport: 'amqp' });
  await service.send('sas-1', message({ messageId: 'sas-m', ack: 'full' }));
  expect((await received.waitForMatch((m) => m.messageId === 'sas-m')).messageId).toBe('sas-m');
  expect((await feedback.waitForMatch((r) => r.originalMessageId === 'sas-m')).statusCode).toBe('Success');
  await device.close();
});

it('a SAS token cannot stand in for an X.509 device, nor a certificate for a SAS device', async () => {
  const wrongWay = await rejectionOf<ClientError>(
    DeviceClient.open({ connectionString: hub.deviceConnectionString('sas-1').replace(/SharedAccessKey=[^;]+/, 'x509=true'), ca: hub.caPem, x509: { cert: (certs.self as IssuedCertificate).certPem, key: (certs.self as IssuedCertificate).keyPem } }),
  );
  expect(wrongWay.kind).toBe('unauthorized');
  expect(hub.logs.some((l) => /Device 'sas-1' authenticates with keys \(sas\), not with a certificate/.test(l))).toBe(true);
});

it('an x509=true connection string without a certificate is refused before connecting, in one sentence', async () => {
  const err = await rejectionOf<Error>(DeviceClient.open({ connectionString: hub.deviceConnectionString('x-self'), ca: hub.caPem }));
  expect(err.message).toBe(
    'The device connection string has x509=true, but no certificate and key were given: iot-c2d receive takes them (--cert <pem> --key <pem>); in the TUI, paste the string with p on the Device pane and give the files.',
  );
});

it('an MQTT client of an X.509 device with neither a password nor a certificate (mosquitto_sub without --cert) is told what is missing', async () => {
  const before = hub.logs.length;
  const client = connect(`mqtts://localhost:${hub.port}`, { clientId: 'x-self', username: 'localhost/x-self/?api-version=2021-04-12', ca: caBundle(hub.caPem), protocolVersion: 4, reconnectPeriod: 0 });
  const err = await new Promise<Error & { code?: number }>((resolve) => client.once('error', resolve));
  client.end(true);
  expect(err.code).toBe(5);
  expect(hub.logs.slice(before)).toContain(`mqtt: refused connection of "x-self": No credentials for device 'x-self': neither a SAS token nor a client certificate.`);
});
