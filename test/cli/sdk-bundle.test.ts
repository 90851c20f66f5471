/**
 * The Azure SDKs as the built command line loads them: one CommonJS bundle, dist/cli/sdk.cjs (scripts/bundle.mjs,
 * src/clients/sdk.ts). It must hold the SDK unchanged: the modules the clients adjust are the instances the SDK
 * itself uses, the class names the SDK tests are kept, and traverse is still loaded only when the device twin
 * first calls it. `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SDK_MODULES } from '../../src/clients/sdk.js';
import type { SdkModule } from '../../src/clients/sdk.js';
import { caBundle } from '../../src/clients/trust.js';
import { openDevice } from '../helpers/clients.js';
import { execCli, hubArgs, killStarted } from '../helpers/cli.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

const BUNDLE = fileURLToPath(new URL('../../dist/cli/sdk.cjs', import.meta.url));
const { sdk } = createRequire(import.meta.url)(BUNDLE) as { sdk(name: SdkModule): unknown };

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['bundled', 'user-id'] });
});
afterEach(killStarted);
afterAll(async () => {
  await hub?.dispose();
});

it('holds every SDK module the clients load, from one file; traverse is loaded when the twin first calls it', () => {
  const program = `
const { sdk } = require(${JSON.stringify(BUNDLE)});
const names = ${JSON.stringify(SDK_MODULES)};
for (const name of names) sdk(name);
const fromNodeModules = () => Object.keys(require.cache).filter((f) => f.includes('/node_modules/'));
const before = fromNodeModules();
const patched = { a: { b: 1, c: null } };
sdk('azure-iot-device').Twin.prototype._mergePatch.call({}, patched, {});
const after = fromNodeModules().filter((f) => f.includes('/node_modules/traverse/')).length;
let unknown;
try { sdk('azure-iot-device/dist/twin.js'); } catch (err) { unknown = err.message; }
console.log(JSON.stringify({ before, patched, after, unknown }));
`;
  const result = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', env: { ...process.env, IOT_C2D_NO_CODE_CACHE: '1' } });
  expect(result.stderr).toBe('');
  const { before, patched, after, unknown } = JSON.parse(result.stdout) as { before: string[]; patched: unknown; after: number; unknown: string };
  expect(before).toEqual([]);
  expect(patched).toEqual({ a: { b: 1 } });
  expect(after).toBeGreaterThan(0);
  expect(unknown).toBe('azure-iot-device/dist/twin.js is not in dist/cli/sdk.cjs: add it to SDK_MODULES (src/clients/sdk.ts)');
});

it('keeps the class names the SDKs compare', () => {
  const common = sdk('azure-iot-common') as { errors: { NotConnectedError: new (m: string) => Error }; NoRetry: new () => object };
  const { Message } = sdk('azure-iothub/dist/common-core/message.js') as { Message: new (data: string) => object };
  expect(new Message('x').constructor.name).toBe('Message');
  expect(new common.NoRetry().constructor.name).toBe('NoRetry');
  expect(new common.errors.NotConnectedError('x').constructor.name).toBe('NotConnectedError');
});

it("is the SDK the MQTT transport writes with: the clients' mqtt-packet and platform string are the transport's", async () => {
  const packet = sdk('azure-iot-mqtt-base > mqtt > mqtt-packet') as { writeToStream: (...args: unknown[]) => boolean };
  const common = sdk('azure-iot-common') as { getAgentPlatformString(done: (platform: string) => void): void };
  const { Client, getUserAgentString } = sdk('azure-iot-device') as {
    Client: { fromConnectionString(cs: string, transport: unknown): { setOptions(o: object): Promise<unknown>; open(): Promise<unknown>; close(): Promise<unknown> } };
    getUserAgentString(done: (agent: string) => void): void;
  };
  const { Mqtt } = sdk('azure-iot-device-mqtt') as { Mqtt: unknown };
  const write = packet.writeToStream;
  const platform = common.getAgentPlatformString;
  const written: string[] = [];
  packet.writeToStream = (...args: unknown[]) => {
    written.push((args[0] as { cmd: string }).cmd);
    return write(...args);
  };
  common.getAgentPlatformString = (done) => done('platform-from-the-bundle');
  try {
    expect(await new Promise<string>((resolve) => getUserAgentString(resolve))).toContain('(platform-from-the-bundle)');
    const client = Client.fromConnectionString(hub.deviceConnectionString('bundled'), Mqtt);
    await client.setOptions({ ca: caBundle(hub.caPem) });
    await client.open();
    await client.close();
    expect(written).toContain('connect');
  } finally {
    packet.writeToStream = write;
    common.getAgentPlatformString = platform;
  }
});

it("carries --user-id: the service client's adjustment of the SDK's AmqpMessage reaches the bundle", async () => {
  const { device, received } = await openDevice(hub, 'user-id', { transport: 'mqtt' });
  try {
    const result = await execCli(['send', 'user-id', 'hello', '--user-id', 'alice', '--message-id', 'from-alice', ...hubArgs(hub)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await received.waitForMatch((m) => m.messageId === 'from-alice', 15_000)).userId).toBe('alice');
  } finally {
    await device.close();
  }
});
