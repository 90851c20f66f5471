/**
 * The hub killed and restarted while `send --count 500 --rate 100` runs: the command finishes, or exits 1
 * saying how many it sent; it never hangs. (azure-iothub 1.16.6 could lose its service client for good to
 * a self-referencing NotConnectedError: docs/sdk-notes.md.)
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import { runCli, waitForLine } from '../helpers/cli.js';
import { tempStateDir } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

interface HubJson {
  port: number;
  caPath: string;
  devices: Record<string, string>;
}

it('send --count 500 --rate 100 through a hub SIGKILL and restart: finishes, or exits 1 saying how many were sent', async () => {
  const first = runCli(['hub', '--port', '0', '--state-dir', stateDir, '--device', 'steady', '--json', '--quiet']);
  const info = JSON.parse(await waitForLine(first, /^\{/)) as HubJson;
  // A device that keeps the queue drained, reconnecting by itself after the restart.
  const device = await DeviceClient.open({ connectionString: info.devices.steady ?? '', ca: readFileSync(info.caPath, 'utf8') });

  const send = runCli(['send', 'steady', 'tick', '--count', '500', '--rate', '100', '--ack', 'none', '--state-dir', stateDir]);
  await waitFor(() => (send.stdout().match(/^Sent message/gm)?.length ?? 0) >= 50, 30_000, '50 sends');
  first.child.kill('SIGKILL');
  await first.exited;
  const second = runCli(['hub', '--port', String(info.port), '--state-dir', stateDir, '--device', 'steady', '--json', '--quiet']);
  await waitForLine(second, /^\{/);

  const code = await send.exited;
  const sent = send.stdout().match(/^Sent message/gm)?.length ?? 0;
  if (code === 0) expect(sent).toBe(500);
  else {
    expect(code).toBe(1);
    expect(send.stderr()).toContain(`Sent ${sent} of 500 messages`);
  }
  expect(send.stderr()).not.toMatch(/unexpected error|Maximum call stack/);

  await device.close();
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 120_000);
