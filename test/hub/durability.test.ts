/**
 * Issue: the embedded hub, acceptance 6: messages wait for an offline device; the hub's state (keys, queued
 * messages, undelivered feedback) survives a clean stop and a SIGKILL, and nothing is delivered twice.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceClient } from '../../src/clients/service-client.js';
import type { ReceivedMessage } from '../../src/clients/types.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { runCli, waitForLine } from '../helpers/cli.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Waits for `ids`, then for a sentinel sent after them, and returns every message id seen. */
async function receivedExactly(received: Collector<ReceivedMessage>, ids: string[], sendSentinel: () => Promise<unknown>): Promise<string[]> {
  for (const id of ids) await received.waitForMatch((m) => m.messageId === id);
  await sendSentinel();
  await received.waitForMatch((m) => m.messageId === 'sentinel');
  return received.items.map((m) => m.messageId ?? '');
}

describe('durability', () => {
  it('delivers messages sent while the device was offline when it connects', async () => {
    const hub = await startTestHub({ devices: ['sleepy'] });
    const { service } = await openService(hub);
    for (const id of ['off-1', 'off-2', 'off-3']) await service.send('sleepy', message({ messageId: id, ack: 'none' }));
    const { device, received } = await openDevice(hub, 'sleepy');
    const ids = await receivedExactly(received, ['off-1', 'off-2', 'off-3'], () => service.send('sleepy', message({ messageId: 'sentinel', ack: 'none' })));
    expect(ids).toEqual(['off-1', 'off-2', 'off-3', 'sentinel']);
    await device.close();
    await service.close();
    await hub.dispose();
  });

  it('keeps device keys, queued messages and undelivered feedback across a clean restart', async () => {
    const stateDir = tempStateDir();
    dirs.push(stateDir);
    const first = await startTestHub({ stateDir, devices: ['dev1'] });
    const deviceCs = first.deviceConnectionString('dev1').replace(/GatewayHostName=.*$/, '');
    // No feedback reader on this hub: the Success record of kept-1 must wait in the store.
    const sender = await ServiceClient.open({ connectionString: first.serviceConnectionString(), ca: first.caPem });
    await sender.send('dev1', message({ messageId: 'kept-1', ack: 'full' }));
    const { device, received } = await openDevice(first, 'dev1');
    await received.waitForMatch((m) => m.messageId === 'kept-1');
    await device.close();
    await sender.send('dev1', message({ messageId: 'kept-2', ack: 'none' }));
    await sender.close();
    await first.stop();

    const second = await startTestHub({ stateDir });
    expect(second.deviceConnectionString('dev1').replace(/GatewayHostName=.*$/, '')).toBe(deviceCs);
    expect(second.queueDepth('dev1')).toBe(1);
    const { service, feedback } = await openService(second);
    const record = await feedback.waitForMatch((r) => r.originalMessageId === 'kept-1');
    expect(record.statusCode).toBe('Success');
    const { device: back, received: after } = await openDevice(second, 'dev1');
    await after.waitForMatch((m) => m.messageId === 'kept-2');
    expect(after.items.map((m) => m.messageId)).toEqual(['kept-2']);
    await back.close();
    await service.close();
    await second.stop();
  });

  it('loses no queued message when the hub process is killed with SIGKILL, and delivers each once', async () => {
    const stateDir = tempStateDir();
    dirs.push(stateDir);
    const child = runCli(['hub', '--port', '0', '--state-dir', stateDir, '--device', 'dev1', '--json']);
    const info = JSON.parse(await waitForLine(child, /^\{/)) as { serviceConnectionString: string; caPath: string };
    const service = await ServiceClient.open({ connectionString: info.serviceConnectionString, ca: readFileSync(info.caPath, 'utf8') });
    const ids = Array.from({ length: 20 }, (_, i) => `killed-${i}`);
    for (const id of ids) await service.send('dev1', message({ messageId: id, ack: 'none' }));
    child.child.kill('SIGKILL');
    expect(await child.exited).toBe('SIGKILL');
    await service.close();

    const hub = await startTestHub({ stateDir });
    expect(hub.queueDepth('dev1')).toBe(20);
    const { service: again } = await openService(hub);
    const { device, received } = await openDevice(hub, 'dev1');
    const seen = await receivedExactly(received, ids, () => again.send('dev1', message({ messageId: 'sentinel', ack: 'none' })));
    expect(seen).toEqual([...ids, 'sentinel']);
    await device.close();
    await again.close();
    await hub.stop();
  });
});
