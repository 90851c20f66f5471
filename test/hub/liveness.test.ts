/**
 * Whether a hub runs on a state directory is asked of the hub (a Unix socket the kernel closes when the
 * process dies), never of a pid: a killed hub is replaced at once, a stale hub.json naming a live process
 * stops nothing, and a second hub on a live directory is refused with the running one's pid and port.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ServiceClient } from '../../src/clients/service-client.js';
import type { ReceivedMessage } from '../../src/clients/types.js';
import { HubStartError, readHubInstance, startHub } from '../../src/hub/index.js';
import { socketPath } from '../../src/hub/liveness.js';
import { message } from '../helpers/clients.js';
import { DeviceClient } from '../../src/clients/device-client.js';
import { runCli, waitForLine } from '../helpers/cli.js';
import { tempStateDir } from '../helpers/hub.js';
import { Collector } from '../helpers/wait.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function stateDir(): string {
  const dir = tempStateDir();
  dirs.push(dir);
  return dir;
}

interface HubJson {
  devices: Record<string, string>;
  port: number;
  serviceConnectionString: string;
  caPath: string;
}

async function idsUpTo(received: Collector<ReceivedMessage>, sentinel: string): Promise<string[]> {
  await received.waitForMatch((m) => m.messageId === sentinel);
  return received.items.map((m) => m.messageId ?? '');
}

it('a hub killed with SIGKILL is replaced at once, and every queued message is delivered exactly once', async () => {
  const dir = stateDir();
  const first = runCli(['hub', '--port', '0', '--state-dir', dir, '--device', 'dev1', '--json', '--quiet']);
  const info = JSON.parse(await waitForLine(first, /^\{/)) as HubJson;
  const service = await ServiceClient.open({ connectionString: info.serviceConnectionString, ca: readFileSync(info.caPath, 'utf8') });
  const ids = Array.from({ length: 30 }, (_, i) => `killed-${i}`);
  for (const id of ids) await service.send('dev1', message({ messageId: id, ack: 'none' }));
  await service.close();

  // Started again at once: without waiting for the killed process to be reaped.
  first.child.kill('SIGKILL');
  const second = runCli(['hub', '--port', '0', '--state-dir', dir, '--device', 'dev1', '--json', '--quiet']);
  const exited = second.exited.then((code) => `exited ${code}: ${second.stderr()}`);
  const started = await Promise.race([waitForLine(second, /^\{/), exited]);
  expect(started).toMatch(/^\{/);
  expect(await first.exited).toBe('SIGKILL');

  const hub = JSON.parse(started) as HubJson;
  const ca = readFileSync(hub.caPath, 'utf8');
  const again = await ServiceClient.open({ connectionString: hub.serviceConnectionString, ca });
  await again.send('dev1', message({ messageId: 'sentinel', ack: 'none' }));
  const running = await readHubInstance(dir);
  expect(running?.pid).toBe(second.child.pid);
  const device = await DeviceClient.open({ connectionString: hub.devices.dev1 ?? '', ca });
  const received = new Collector<ReceivedMessage>();
  device.onMessage(received.push);
  expect(await idsUpTo(received, 'sentinel')).toEqual([...ids, 'sentinel']);
  await device.close();
  await again.close();
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
});

it('a hub.json naming a live process that is no hub (the test runner) does not stop a start', async () => {
  const dir = stateDir();
  writeFileSync(
    join(dir, 'hub.json'),
    JSON.stringify({ pid: process.ppid, port: 1, ports: [1], hostName: 'localhost', caPath: '/nowhere', serviceConnectionString: 'x', startedAt: '' }),
  );
  expect(await readHubInstance(dir)).toBeUndefined();
  const hub = await startHub({ stateDir: dir, port: 0 });
  expect((await readHubInstance(dir))?.port).toBe(hub.port);
  await hub.stop();
  expect(await readHubInstance(dir)).toBeUndefined();
});

it('a second hub on a live state directory is refused, naming the running one; after a stop the next starts', async () => {
  const dir = stateDir();
  const hub = await startHub({ stateDir: dir, port: 0 });
  const err = (await startHub({ stateDir: dir, port: 0 }).catch((e: unknown) => e)) as HubStartError;
  expect(err).toBeInstanceOf(HubStartError);
  expect(err.code).toBe('hub-running');
  expect(err.message).toBe(`A hub (pid ${process.pid}) is already running on ${dir}, port ${hub.port}: use it, or give another --state-dir.`);
  await hub.stop();
  const next = await startHub({ stateDir: dir, port: 0 });
  await next.stop();
});

it('a state directory too deep for a socket path still has one hub at a time', async () => {
  const dir = join(stateDir(), 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(dir, { recursive: true });
  expect(Buffer.byteLength(join(dir, 'hub.sock'))).toBeGreaterThan(108);
  expect(socketPath(dir)).not.toContain(dir);
  const hub = await startHub({ stateDir: dir, port: 0 });
  expect((await readHubInstance(dir))?.port).toBe(hub.port);
  await expect(startHub({ stateDir: dir, port: 0 })).rejects.toThrow(/already running/);
  await hub.stop();
  expect(await readHubInstance(dir)).toBeUndefined();
});

it('the socket left by a killed hub is taken over', async () => {
  const dir = stateDir();
  const child = runCli(['hub', '--port', '0', '--state-dir', dir, '--json', '--quiet']);
  await waitForLine(child, /^\{/);
  child.child.kill('SIGKILL');
  await child.exited;
  expect(readFileSync(join(dir, 'hub.json'), 'utf8')).toContain(`"pid": ${child.child.pid}`);
  expect(await readHubInstance(dir)).toBeUndefined();
  const hub = await startHub({ stateDir: dir, port: 0 });
  expect((await readHubInstance(dir))?.pid).toBe(process.pid);
  await hub.stop();
});
