/** A hub that cannot listen says which port, with a code to act on, and leaves nothing listening behind. */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { HubStartError, startHub } from '../../src/hub/index.js';
import { tempStateDir } from '../helpers/hub.js';

const stateDir = tempStateDir();
const held: Server[] = [];
afterAll(() => {
  for (const server of held) server.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

it('a taken second port is named in the error (code port-in-use), and the first port is released', async () => {
  const taken = await listenOn(0);
  held.push(taken);
  const err = (await startHub({ stateDir, port: 0, extraPorts: [portOf(taken)] }).catch((e: unknown) => e)) as HubStartError;
  expect(err).toBeInstanceOf(HubStartError);
  expect(err.code).toBe('port-in-use');
  expect(err.message).toBe(`Port ${portOf(taken)} is in use: give another with --port (0 picks a free one).`);

  // The first port was listening when the second failed: it is free again, as is the state directory.
  const free = await listenOn(0);
  const firstPort = portOf(free);
  free.close();
  const again = await startHub({ stateDir, port: firstPort, extraPorts: [portOf(taken)] }).catch((e: unknown) => e as Error);
  expect((again as Error).message).toMatch(new RegExp(`^Port ${portOf(taken)} is in use`));
  const reuse = await listenOn(firstPort);
  reuse.close();
  const hub = await startHub({ stateDir, port: firstPort });
  expect(hub.port).toBe(firstPort);
  await hub.stop();
});
