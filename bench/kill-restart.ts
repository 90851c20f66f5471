/**
 * `npm run bench:kill-restart` (not a test): the hub's process group is killed with SIGKILL and a new hub is
 * started on the same state directory at once, ROUNDS times (default 20). Before each kill, 10 messages
 * (one per device) are sent and acknowledged as enqueued. At the end one device client per device reads its
 * queue; the script prints how many starts succeeded and how many messages were lost or delivered twice.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { ServiceClient } from '../src/clients/service-client.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 20);
const DEVICES = Array.from({ length: 10 }, (_, i) => `dev${i}`);

interface Started {
  child: ChildProcessWithoutNullStreams;
  info?: { serviceConnectionString: string; caPath: string; devices: Record<string, string> };
  failure?: string;
}

/** Starts `iot-c2d hub` in its own process group; resolves when it printed its JSON, or exited. */
function startHub(stateDir: string): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'hub', '--port', '0', '--state-dir', stateDir, '--json', '--quiet', ...DEVICES.flatMap((d) => ['--device', d])], {
    detached: true,
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  return new Promise((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve({ child, info: JSON.parse(line) as Started['info'] });
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => resolve({ child, failure: `exit ${code}: ${err.trim()}` }));
  });
}

const stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-kill-'));
const sent: string[] = [];
let startsOk = 0;
const failures: string[] = [];
let hub = await startHub(stateDir);
for (let round = 0; round < ROUNDS; round++) {
  if (!hub.info) {
    failures.push(`round ${round}: ${hub.failure}`);
    break;
  }
  startsOk += 1;
  const service = await ServiceClient.open({ connectionString: hub.info.serviceConnectionString, ca: readFileSync(hub.info.caPath, 'utf8') });
  for (const device of DEVICES) {
    const messageId = `r${round}-${device}`;
    await service.send(device, { messageId, payload: Buffer.from(messageId), properties: [], ack: 'none' });
    sent.push(messageId);
  }
  await service.close();
  process.kill(-(hub.child.pid as number), 'SIGKILL');
  // At once: not waiting for the killed process to be reaped.
  hub = await startHub(stateDir);
}
if (hub.info) startsOk += 1;
else failures.push(`last start: ${hub.failure}`);

const seen = new Map<string, number>();
if (hub.info) {
  const ca = readFileSync(hub.info.caPath, 'utf8');
  const service = await ServiceClient.open({ connectionString: hub.info.serviceConnectionString, ca });
  for (const device of DEVICES) await service.send(device, { messageId: `end-${device}`, payload: Buffer.from('end'), properties: [], ack: 'none' });
  await service.close();
  await Promise.all(
    DEVICES.map(async (deviceId) => {
      const client = await DeviceClient.open({ connectionString: hub.info?.devices[deviceId] ?? '', ca });
      await new Promise<void>((resolve) => {
        client.onMessage((m) => {
          if (m.messageId === `end-${deviceId}`) resolve();
          else if (m.messageId) seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
        });
      });
      await client.close();
    }),
  );
  process.kill(-(hub.child.pid as number), 'SIGTERM');
}
const lost = sent.filter((id) => !seen.has(id)).length;
const twice = [...seen.values()].filter((n) => n > 1).length;
console.log(`| kills | starts that succeeded | messages enqueued | lost | delivered twice |`);
console.log(`|---|---|---|---|---|`);
console.log(`| ${ROUNDS} | ${startsOk} of ${ROUNDS + 1} | ${sent.length} | ${lost} | ${twice} |`);
for (const failure of failures) console.log(`start failed: ${failure}`);
rmSync(stateDir, { recursive: true, force: true });
process.exit(failures.length === 0 && lost === 0 && twice === 0 ? 0 : 1);
