/**
 * The TUI's embedded hub in its worker thread (src/cli/embedded-hub.ts, hub-worker.ts): what it posts back,
 * its start errors, and its stop, also before the hub is up. Real hub, real worker thread.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedHub } from '../../src/cli/embedded-hub.js';
import { readHubInstance, startHub } from '../../src/hub/index.js';
import { askPresence } from '../../src/hub/liveness.js';
import { tempStateDir } from '../helpers/hub.js';

const dirs: string[] = [];
const stateDir = (): string => {
  const dir = tempStateDir();
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('starts the hub in the worker and posts what the clients need; stop leaves no hub running and no instance file', async () => {
  const dir = stateDir();
  const hub = startEmbeddedHub({ stateDir: dir, port: 0, device: 'demo-device' });
  const ready = await hub.ready;
  if (ready.type !== 'started') throw new Error(`expected a started hub, got ${ready.type}`);
  expect(ready.port).toBeGreaterThan(0);
  expect(ready.deviceConnectionString).toMatch(new RegExp(`^HostName=localhost;DeviceId=demo-device;SharedAccessKey=[^;]+;GatewayHostName=localhost:${ready.port}$`));
  expect(ready.caPem).toContain('BEGIN CERTIFICATE');
  // This process runs it (the worker shares the pid): another program finds it as this TUI's hub.
  const instance = await readHubInstance(dir);
  expect(instance).toMatchObject({ pid: process.pid, owner: 'iot-c2d tui', port: ready.port });
  await hub.stop();
  expect(await askPresence(dir)).toBeUndefined();
  expect(existsSync(join(dir, 'hub.json'))).toBe(false);
});

it('quitting before the hub is up: the start finishes, then the hub stops; no hub runs and no instance file is left', async () => {
  const dir = stateDir();
  const hub = startEmbeddedHub({ stateDir: dir, port: 0, device: 'demo-device' });
  // At once: the worker has not even loaded the hub yet.
  await hub.stop();
  expect(await askPresence(dir)).toBeUndefined();
  expect(existsSync(join(dir, 'hub.json'))).toBe(false);
  // The state is free: a hub starts on it at once.
  const next = await startHub({ stateDir: dir, port: 0 });
  await next.stop();
});

it("a hub start error in the worker reaches the TUI as its one-line message and code, and the worker ends", async () => {
  const dir = stateDir();
  writeFileSync(join(dir, 'hub.db'), Buffer.alloc(8192, 'not a database '));
  const hub = startEmbeddedHub({ stateDir: dir, port: 0, device: 'demo-device' });
  const err = (await hub.ready.catch((e: unknown) => e)) as Error & { code?: string };
  expect(err).toBeInstanceOf(Error);
  expect(err.code).toBe('state-unusable');
  expect(err.message).toMatch(new RegExp(`^${join(dir, 'hub.db')} is damaged \\(SQLITE_\\w+\\): move it aside .*--state-dir\\.$`));
  await hub.stop();
  expect(await askPresence(dir)).toBeUndefined();
});

it("joins the hub another process runs on the state: the label says whose, and says so when that hub goes away", async () => {
  const dir = stateDir();
  const other = await startHub({ stateDir: dir, port: 0, owner: 'iot-c2d hub' });
  const hub = startEmbeddedHub({ stateDir: dir, port: 0, device: 'demo-device' });
  try {
    const ready = await hub.ready;
    expect(ready).toMatchObject({ type: 'joined', port: other.port, caPath: other.caPath, serviceConnectionString: other.serviceConnectionString() });
    if (ready.type !== 'joined') return;
    expect(ready.hubLabel).toBe(`local localhost:${other.port} (shared: iot-c2d hub, pid ${process.pid})`);
    const label = new Promise<string>((resolve) => hub.watch(resolve));
    await other.stop();
    // A standalone hub is not taken over: its user starts it again.
    expect(await label).toBe(`local localhost:${other.port} (shared: iot-c2d hub, pid ${process.pid}, has stopped: restart it, or iot-c2d, to run a hub here)`);
  } finally {
    await hub.stop();
    await other.stop();
  }
});
