/**
 * The TUI's sender with the real service client, through a hub SIGKILL and restart during a 500-message
 * repeat: the repeat ends (each message enqueued or refused), and once the hub is back the same client sends
 * again, without restarting anything. (azure-iothub 1.16.6 could lose the client for good: docs/sdk-notes.md.)
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import { ServiceClient } from '../../src/clients/service-client.js';
import { Sender } from '../../src/tui/sender.js';
import { emptyForm } from '../../src/tui/state/form.js';
import { initialState } from '../../src/tui/state/reducer.js';
import { Store } from '../../src/tui/state/store.js';
import { runCli, waitForLine } from '../helpers/cli.js';
import { tempStateDir } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

interface HubJson {
  port: number;
  caPath: string;
  serviceConnectionString: string;
  devices: Record<string, string>;
}

it('a repeat of 500 through a hub SIGKILL and restart ends, and the same service client sends again', async () => {
  const first = runCli(['hub', '--port', '0', '--state-dir', stateDir, '--device', 'steady', '--json', '--quiet']);
  const info = JSON.parse(await waitForLine(first, /^\{/)) as HubJson;
  const ca = readFileSync(info.caPath, 'utf8');
  const device = await DeviceClient.open({ connectionString: info.devices.steady ?? '', ca });
  const service = await ServiceClient.open({ connectionString: info.serviceConnectionString, ca });

  const store = new Store(initialState({ hubLabel: 'test', local: true, transport: 'mqtt', feedbackEnabled: false }));
  const sender = new Sender(store);
  store.dispatch({ type: 'form', form: { ...emptyForm('steady'), payload: 'tick', ack: 'none', repeat: '500', rate: '100' } });
  const repeat = sender.send(service);
  await waitFor(() => (store.getState().send.repeat?.enqueued ?? 0) >= 50, 30_000, '50 enqueued');
  first.child.kill('SIGKILL');
  await first.exited;
  const second = runCli(['hub', '--port', String(info.port), '--state-dir', stateDir, '--device', 'steady', '--device', 'fresh', '--json', '--quiet']);
  await waitForLine(second, /^\{/);

  await repeat;
  const view = store.getState().send.repeat;
  expect(view?.running).toBe(false);
  expect((view?.enqueued ?? 0) + (view?.refused ?? 0)).toBe(500);

  // The same client, not a new one: back by itself, and it sends (to a device whose queue the repeat did not fill).
  await waitFor(() => service.state().status === 'connected', 30_000, 'the service side back');
  store.dispatch({ type: 'form', form: { ...emptyForm('fresh'), payload: 'again', messageId: 'after-restart', ack: 'none' } });
  await sender.send(service);
  expect(store.getState().send.result?.text).toMatch(/^✓ Enqueued after-restart for fresh/);

  await service.close();
  await device.close();
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 120_000);
