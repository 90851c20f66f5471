/**
 * The wrappers when the hub goes away and comes back: both sides show "retrying" with the reason, and
 * reconnect by themselves (issue: TUI, behaviour under faults; the clients carry it).
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import type { LinkState } from '../../src/clients/types.js';
import type { DeviceTransport } from '../../src/core/types.js';
import { startHub } from '../../src/hub/index.js';
import { message, openDevice, openRegistry, openService } from '../helpers/clients.js';
import { tempStateDir } from '../helpers/hub.js';
import { sdkRegistry } from '../helpers/sdk-registry.js';
import { Collector, waitFor } from '../helpers/wait.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

it.each<DeviceTransport>(['mqtt', 'amqp'])('service and %s device show retrying while the hub is down, then reconnect and deliver', async (transport) => {
  const hub = await startHub({ stateDir, port: 0 });
  const { service, feedback } = await openService(hub);
  const { device, received } = await openDevice(hub, 'steady', { transport });
  const deviceStates = new Collector<LinkState>();
  const serviceStates = new Collector<LinkState>();
  device.onState(deviceStates.push);
  service.onState(serviceStates.push);

  await hub.stop();
  await deviceStates.waitForMatch((s) => s.status === 'retrying');
  await serviceStates.waitForMatch((s) => s.status === 'retrying');
  await waitFor(() => /Nothing is listening at localhost:\d+/.test(device.state().reason ?? ''), 5000, 'the reason');

  const again = await startHub({ stateDir, port: hub.port });
  await waitFor(() => device.state().status === 'connected' && service.state().status === 'connected', 15_000, 'both sides back');
  await service.send('steady', message({ messageId: `back-${transport}`, ack: 'full' }));
  await received.waitForMatch((m) => m.messageId === `back-${transport}`);
  expect((await feedback.waitForMatch((r) => r.originalMessageId === `back-${transport}`)).statusCode).toBe('Success');
  await device.close();
  await service.close();
  await again.stop();
});

it.each<DeviceTransport>(['mqtt', 'amqp', 'amqp-ws'])('a device over %s that is deleted is disconnected, and the wrapper says why', async (transport) => {
  const hub = await startHub({ stateDir, port: 0 });
  const { device } = await openDevice(hub, `doomed-${transport}`, { transport });
  await openRegistry(hub).delete(`doomed-${transport}`);
  // MQTT's CONNACK carries no reason (the hub's log has it); AMQP's refusal does.
  const why = transport === 'mqtt' ? /refused the key of device 'doomed-mqtt'/ : new RegExp(`^Device 'doomed-${transport}' is not registered on this hub \\(deleted\\?\\): create it \\(iot-c2d device create doomed-${transport}\\) or check the id\\.$`);
  await waitFor(() => device.state().status === 'retrying' && why.test(device.state().reason ?? ''), 10_000, 'the reason');
  await device.close();
  await hub.stop();
});

it.each<DeviceTransport>(['amqp'])('a device over %s that is disabled is told so, not to check its key', async (transport) => {
  const hub = await startHub({ stateDir, port: 0 });
  const { device } = await openDevice(hub, `off-${transport}`, { transport });
  const registry = sdkRegistry(hub);
  const twin = (await registry.get(`off-${transport}`)).responseBody;
  await registry.update({ ...twin, status: 'disabled' } as never);
  const why = `Device 'off-${transport}' is disabled on this hub: set its status to enabled in the registry (az iot hub device-identity update --set status=enabled).`;
  await waitFor(() => device.state().status === 'retrying' && device.state().reason === why, 15_000, `the reason (${device.state().reason ?? ''})`);
  await device.close();
  await hub.stop();
});

it('a device over http that is deleted stays "retrying" (it said "connected again" after each attempt, until its first poll was refused)', async () => {
  const refusedPolls: string[] = [];
  const hub = await startHub({ stateDir, port: 0, log: (line) => /GET \/devices\/doomed-http\/messages\/devicebound refused/.test(line) && refusedPolls.push(line) });
  const { device } = await openDevice(hub, 'doomed-http', { transport: 'http' });
  const states = new Collector<LinkState>();
  device.onState(states.push);
  await openRegistry(hub).delete('doomed-http');
  await states.waitForMatch((s) => s.status === 'retrying' && /refused the key of device 'doomed-http'/.test(s.reason ?? ''));
  // The polls left until the first attempt (after 0.25 s), then the attempts (after 1, 2, 5 s), each refused.
  await waitFor(() => refusedPolls.length >= 7, 20_000, 'attempts refused');
  expect(states.items.map((s) => s.status)).not.toContain('connected');
  await device.close();
  await hub.stop();
});

it.each<DeviceTransport>(['mqtt', 'amqp'])('the service and a %s device that lost their connections once notice the second loss too', async (transport) => {
  let hub = await startHub({ stateDir, port: 0 });
  const port = hub.port;
  const { service } = await openService(hub);
  const { device, received } = await openDevice(hub, `twice-${transport}`, { transport });
  for (const round of [1, 2]) {
    const states = new Collector<LinkState>();
    const serviceStates = new Collector<LinkState>();
    const stops = [device.onState(states.push), service.onState(serviceStates.push)];
    await hub.stop();
    await states.waitForMatch((s) => s.status === 'retrying');
    await serviceStates.waitForMatch((s) => s.status === 'retrying');
    hub = await startHub({ stateDir, port });
    await states.waitForMatch((s) => s.status === 'connected', 15_000);
    await serviceStates.waitForMatch((s) => s.status === 'connected', 15_000);
    for (const stop of stops) stop();
    await service.send(`twice-${transport}`, message({ messageId: `round-${round}` }));
    await received.waitForMatch((m) => m.messageId === `round-${round}`);
  }
  await device.close();
  await service.close();
  await hub.stop();
});

it('two MQTT clients of one device: the one dropped right after connecting is told why', async () => {
  const hub = await startHub({ stateDir, port: 0 });
  const first = await openDevice(hub, 'shared-id');
  const states = new Collector<LinkState>();
  first.device.onState(states.push);
  // The second connection as the same device drops the first, which reconnects and drops the second...
  const second = await openDevice(hub, 'shared-id');
  second.device.onState(states.push);
  const hinted = await states.waitForMatch((s) => s.status === 'retrying' && /^Another client may have connected as device 'shared-id'/.test(s.reason ?? ''));
  expect(hinted.reason).toMatch(/the connection was lost \d+\.\d s after connecting \(IoT Hub keeps one connection per device/);
  await first.device.close();
  await second.device.close();
  await hub.stop();
});

it('two AMQP clients of one device: the older receiver is detached (amqp:link:stolen), as IoT Hub drops the older connection, and its wrapper says why', async () => {
  const hub = await startHub({ stateDir, port: 0, log: () => undefined });
  const { service } = await openService(hub);
  const first = await openDevice(hub, 'shared-amqp', { transport: 'amqp' });
  const states = new Collector<LinkState>();
  first.device.onState(states.push);
  const second = await openDevice(hub, 'shared-amqp', { transport: 'amqp' });
  const told = await states.waitForMatch((s) => s.status === 'retrying' && /^Another client may have connected as device 'shared-amqp'/.test(s.reason ?? ''), 15_000);
  expect(told.reason).toMatch(/IoT Hub keeps one connection per device and drops the older one/);
  // Whichever holds the device now gets the message: none is left connected and starving.
  await service.send('shared-amqp', message({ messageId: 'to-the-holder' }));
  await waitFor(() => [...first.received.items, ...second.received.items].some((m) => m.messageId === 'to-the-holder'), 15_000, 'the message at one of them');
  await first.device.close();
  await second.device.close();
  await service.close();
  await hub.stop();
});
