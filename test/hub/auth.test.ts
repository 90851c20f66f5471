/**
 * Issue: the embedded hub, acceptance 4: wrong keys and expired tokens are refused as IoT Hub refuses them,
 * the wrappers say so in one sentence (not after minutes of retries), and AMQP links need the right token.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import type { ClientError } from '../../src/clients/errors.js';
import { ServiceClient } from '../../src/clients/service-client.js';
import { caBundle } from '../../src/clients/trust.js';
import { formatDeviceConnectionString, parseDeviceConnectionString, parseServiceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { openRegistry } from '../helpers/clients.js';
import { rawAmqp } from '../helpers/amqp.js';
import { startTestHub } from '../helpers/hub.js';
import { rejectionOf, waitFor } from '../helpers/wait.js';
import type { TestHub } from '../helpers/hub.js';

const require = createRequire(import.meta.url);
const deviceSdk = require('azure-iot-device') as typeof import('azure-iot-device');
const { Mqtt } = require('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt');
const { NoRetry } = require('azure-iot-common') as typeof import('azure-iot-common');

const WRONG_KEY = Buffer.alloc(32, 9).toString('base64');
let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['dev1', 'dev2'] });
});
afterAll(async () => hub?.dispose());


describe('refused credentials', () => {
  it('a wrong device key is refused (CONNACK 5) and reported in one sentence', async () => {
    const cs = formatDeviceConnectionString({ ...parseDeviceConnectionString(hub.deviceConnectionString('dev1')), key: WRONG_KEY });
    const err = await rejectionOf<ClientError>(DeviceClient.open({ connectionString: cs, ca: hub.caPem }));
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toBe("The hub refused the key of device 'dev1': check SharedAccessKey in the device connection string.");
    expect(hub.logs.some((l) => /mqtt: refused connection of "dev1": The SAS token is not signed with a key of device 'dev1'/.test(l))).toBe(true);
  });

  it('a wrong device key over AMQP is refused by CBS (401)', async () => {
    const cs = formatDeviceConnectionString({ ...parseDeviceConnectionString(hub.deviceConnectionString('dev1')), key: WRONG_KEY });
    const err = await rejectionOf<ClientError>(DeviceClient.open({ connectionString: cs, ca: hub.caPem, transport: 'amqp' }));
    expect(err.kind).toBe('unauthorized');
  });

  it('an expired device token is refused', async () => {
    const cs = parseDeviceConnectionString(hub.deviceConnectionString('dev1'));
    const expired = createSasToken('localhost/devices/dev1', cs.key as string, Math.floor(Date.now() / 1000) - 60);
    const client = deviceSdk.Client.fromSharedAccessSignature(expired, Mqtt);
    // fromSharedAccessSignature takes the host from the token; the socket must go to the test port.
    await client.setOptions({ ca: caBundle(hub.caPem) } as never);
    (client as unknown as { _transport: { _authenticationProvider: { _credentials: { gatewayHostName?: string } } } })._transport._authenticationProvider._credentials.gatewayHostName = `localhost:${hub.port}`;
    client.setRetryPolicy(new NoRetry());
    const err = await client.open().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe('UnauthorizedError');
    expect(hub.logs.some((l) => l.includes('The SAS token has expired'))).toBe(true);
    await client.close();
  });

  it('a wrong service key is refused and reported in one sentence', async () => {
    const cs = parseServiceConnectionString(hub.serviceConnectionString());
    const err = await rejectionOf<ClientError>(ServiceClient.open({ connectionString: `HostName=${cs.hostName};SharedAccessKeyName=${cs.keyName};SharedAccessKey=${WRONG_KEY}`, ca: hub.caPem }));
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toMatch(/^The hub refused the key of policy "iothubowner".*check SharedAccessKey in the service connection string\.$/);
  });

  it('an untrusted certificate is reported as such, not as a hang', async () => {
    const err = await rejectionOf<ClientError>(ServiceClient.open({ connectionString: hub.serviceConnectionString() }));
    expect(err.kind).toBe('certificate');
    expect(err.message).toMatch(/not trusted.*--ca/);
  });

  it('a registry call with a policy lacking RegistryWrite is refused (401, UnauthorizedError)', async () => {
    const registry = openRegistry({ ...hub, serviceConnectionString: () => hub.serviceConnectionString('registryRead') });
    expect((await registry.list()).map((d) => d.deviceId)).toContain('dev1');
    const err = await rejectionOf<ClientError>(registry.create('not-allowed'));
    expect(err.kind).toBe('unauthorized');
    expect((err.cause as Error).name).toBe('UnauthorizedError');
  });
});

describe('a service policy without the right a link needs', () => {
  const noServiceConnect = /^Policy "registryRead" does not have the ServiceConnect permission this needs: use a policy that has it \(iothubowner has every one\) in the service connection string\.$/;

  it('reading feedback: refused for good, with the permission named (it retried forever, "the hub closed the connection")', async () => {
    const service = await ServiceClient.open({ connectionString: hub.serviceConnectionString('registryRead'), ca: hub.caPem });
    const states: string[] = [];
    service.onFeedbackState((state) => states.push(state.status));
    await service.startFeedback(() => undefined);
    const refused = await waitFor(() => (service.feedbackState().status === 'disconnected' ? service.feedbackState() : undefined));
    expect(refused.reason).toMatch(noServiceConnect);
    expect(service.state()).toEqual({ status: 'disconnected', reason: refused.reason });
    expect(states).not.toContain('retrying');
    expect(hub.logs.some((l) => l.includes('link /messages/serviceBound/feedback refused: The token of policy registryRead does not grant ServiceConnect: use a policy that has ServiceConnect.'))).toBe(true);
    await service.close();
  });

  it('a send while the refused feedback link closes fails at once with that sentence (it waited ~45 s for the SDK)', async () => {
    const service = await ServiceClient.open({ connectionString: hub.serviceConnectionString('registryRead'), ca: hub.caPem });
    await service.startFeedback(() => undefined);
    const err = await rejectionOf<ClientError>(service.send('dev1', { payload: Buffer.from('x'), properties: [], ack: 'full' }));
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toMatch(noServiceConnect);
    await service.close();
  });
});

describe('AMQP links need a token that grants them', () => {
  const service = '/messages/devicebound';
  const feedback = '/messages/serviceBound/feedback';

  it('with no token, neither C2D send nor feedback attaches', async () => {
    const amqp = await rawAmqp(hub);
    expect((await amqp.attach('sender', service)).outcome).toBe('amqp:unauthorized-access');
    expect((await amqp.attach('receiver', feedback)).outcome).toBe('amqp:unauthorized-access');
    amqp.close();
  });

  it('with only a device token, neither attaches; the device link of that device does', async () => {
    const amqp = await rawAmqp(hub);
    const key = parseDeviceConnectionString(hub.deviceConnectionString('dev1')).key as string;
    expect(await amqp.putToken(createSasToken('localhost/devices/dev1', key, Math.floor(Date.now() / 1000) + 600), 'localhost%2Fdevices%2Fdev1')).toBe(200);
    expect((await amqp.attach('sender', service)).outcome).toBe('amqp:unauthorized-access');
    expect((await amqp.attach('receiver', feedback)).outcome).toBe('amqp:unauthorized-access');
    expect((await amqp.attach('receiver', '/devices/dev2/messages/devicebound')).outcome).toBe('amqp:unauthorized-access');
    expect((await amqp.attach('receiver', '/devices/dev1/messages/devicebound')).outcome).toBe('open');
    amqp.close();
  });

  it('with a service policy token, both attach; a bad signature gets CBS 401', async () => {
    const amqp = await rawAmqp(hub);
    const cs = parseServiceConnectionString(hub.serviceConnectionString('service'));
    expect(await amqp.putToken(createSasToken('localhost', WRONG_KEY, Math.floor(Date.now() / 1000) + 600, 'service'), 'localhost')).toBe(401);
    expect(await amqp.putToken(createSasToken('localhost', cs.key, Math.floor(Date.now() / 1000) + 600, 'service'), 'localhost')).toBe(200);
    expect((await amqp.attach('sender', service)).outcome).toBe('open');
    expect((await amqp.attach('receiver', feedback)).outcome).toBe('open');
    amqp.close();
  });
});
