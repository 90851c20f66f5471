/**
 * `receive --count N` takes exactly N messages and leaves every other one to the next receiver at once (not
 * after the hub's 60-second lock), and `receive` run right after another program was the device gets the
 * message the hub sends the moment the connection opens (MQTT resumes the device's session).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClient } from '../../src/clients/service-client.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import type { DeviceTransport } from '../../src/core/types.js';
import { message, openRegistry, openService } from '../helpers/clients.js';
import { deviceArgs, execCli, jsonLines, killStarted, startCli } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';
import { waitFor } from '../helpers/wait.js';

const SDK_RECEIVE_ONE = fileURLToPath(new URL('../fixtures/sdk-receive-one.cjs', import.meta.url));

let hub: TestHub;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;

beforeAll(async () => {
  hub = await startTestHub();
  ({ service, feedback } = await openService(hub));
});
afterEach(killStarted);
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

/** `receive --count 1`, well under the 60-second lock, so that a message left locked fails it. */
const receiveArgs = (deviceId: string, transport: DeviceTransport): string[] => [
  'receive', '--count', '1', '--timeout', '20', '--transport', transport, '--json', ...deviceArgs(hub, deviceId),
];

/** The ids a finished `receive --count 1` printed. */
function printed(result: CliResult): string[] {
  expect(result.stderr).not.toContain('did not close');
  expect(result.code, result.stderr).toBe(0);
  return jsonLines(result.stdout).map((line) => line.messageId as string);
}

const receiveOne = async (deviceId: string, transport: DeviceTransport): Promise<string[]> => printed(await execCli(receiveArgs(deviceId, transport)));

describe('receive --count leaves the messages past the count to the next receiver', () => {
  for (const transport of ['mqtt', 'amqp', 'http'] as const) {
    it(`over ${transport}: three messages sent to a receive --count 1, then two more receive --count 1 in turn: each gets the next one, once`, async () => {
      const deviceId = `count-${transport}`;
      hub.ensureDevice(deviceId);
      const first = startCli(receiveArgs(deviceId, transport));
      await first.waitFor(/receiving as device/, 'stderr');
      // All three reach the first receiver (the hub pushes what the device's connection takes) or its queue.
      await Promise.all(['c0', 'c1', 'c2'].map((id) => service.send(deviceId, message({ messageId: `${transport}-${id}`, ack: 'full' }))));
      const got = printed(await first.exited);
      for (let i = 0; i < 2; i++) got.push(...(await receiveOne(deviceId, transport)));
      expect(got).toEqual([`${transport}-c0`, `${transport}-c1`, `${transport}-c2`]);
      // Completed once each, by the receiver that printed it; nothing left over, nothing dead-lettered.
      const records = await waitFor(() => {
        const mine = feedback.items.filter((r) => r.deviceId === deviceId);
        return mine.length >= 3 && mine;
      }, 10_000, 'three feedback records');
      expect(records.map((r) => `${r.originalMessageId} ${r.statusCode}`).sort()).toEqual(got.map((id) => `${id} Success`));
      expect(hub.queueDepth(deviceId)).toBe(0);
    });
  }
});

describe('a message the hub sends as soon as the device connects', () => {
  it('reaches receive --count 1 run right after a plain SDK program that kept its subscription (the session resumes)', async () => {
    const deviceId = 'resumed';
    hub.ensureDevice(deviceId);
    const registry = openRegistry(hub);
    for (let round = 0; round < 3; round++) {
      // As bench/cli.ts found it: the other program takes one message and exits without unsubscribing.
      const other = promisify(execFile)(process.execPath, [SDK_RECEIVE_ONE], {
        env: { ...process.env, IOTHUB_DEVICE_CONNECTION_STRING: hub.deviceConnectionString(deviceId), NODE_EXTRA_CA_CERTS: hub.caPath },
        timeout: 20_000,
      });
      await waitFor(async () => (await registry.get(deviceId)).connectionState === 'Connected', 10_000, 'the other program connected');
      await service.send(deviceId, message({ messageId: `other-${round}`, ack: 'none' }));
      expect((await other).stdout).toContain(`other-${round}`);
      await waitFor(async () => (await registry.get(deviceId)).connectionState === 'Disconnected', 10_000, 'the other program gone');

      await service.send(deviceId, message({ messageId: `ours-${round}`, ack: 'none' }));
      expect(await receiveOne(deviceId, 'mqtt')).toEqual([`ours-${round}`]);
      expect(hub.queueDepth(deviceId)).toBe(0);
    }
  });
});
