/**
 * Issue 5, acceptance 3: `send --count 100 --rate 0` to a device that is offline, then `purge` reports how
 * many were purged, and `feedback --message-id` reports Purged for one of them.
 *
 * A device's C2D queue holds 50 messages (IoT Hub's limit): the 51st send is refused, and `send` stops there
 * with exit 1 and one line saying how many were sent. So 50 are purged.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { hubArgs, jsonLines, killStarted, execCli } from '../helpers/cli.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['offline'] });
});
afterEach(killStarted);
afterAll(async () => {
  await hub?.dispose();
});

describe('send --count, purge, feedback', () => {
  it('sends until the queue is full, purges them all, and reports Purged for one', async () => {
    const sent = await execCli(['send', 'offline', 'reading', '--count', '100', '--rate', '0', '--ack', 'full', '--message-id', 'm', '--json', ...hubArgs(hub)]);
    expect(sent.code).toBe(1);
    const lines = jsonLines(sent.stdout);
    expect(lines).toHaveLength(50);
    expect(lines.map((line) => line.messageId)).toEqual(Array.from({ length: 50 }, (_, i) => `m-${i}`));
    expect(sent.stderr).toBe(
      "iot-c2d: Sent 50 of 100 messages, then the hub refused message m-50: Device 'offline' already has 50 messages waiting (the IoT Hub queue limit): let it receive them, or purge its queue.\n",
    );
    expect(hub.queueDepth('offline')).toBe(50);

    const purged = await execCli(['purge', 'offline', '--json', ...hubArgs(hub)]);
    expect(purged.code).toBe(0);
    expect(jsonLines(purged.stdout)).toEqual([{ type: 'purged', deviceId: 'offline', purged: 50 }]);
    expect(hub.queueDepth('offline')).toBe(0);

    const feedback = await execCli(['feedback', '--message-id', 'm-7', '--timeout', '20', '--json', ...hubArgs(hub)]);
    const records = jsonLines(feedback.stdout);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 'feedback', messageId: 'm-7', deviceId: 'offline', status: 'Purged', description: 'Message purged' });
    // Not Success: exit 1, like send --wait.
    expect(feedback.code).toBe(1);
    expect(feedback.stderr).toContain('iot-c2d: Message m-7 was not delivered: Purged.');
    // The other 49 records came in the same batch: said on stderr, not dropped silently.
    expect(feedback.stderr.match(/feedback from elsewhere: message m-\d+ on device offline: Purged/g)).toHaveLength(49);
  });

  it('purge in words, and of a missing device: not found, exit 1', async () => {
    const empty = await execCli(['purge', 'offline', ...hubArgs(hub)]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('Purged 0 message(s) from the queue of device offline.\n');
    const missing = await execCli(['purge', 'ghost', ...hubArgs(hub)]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^iot-c2d: Device 'ghost' not found on this hub: iot-c2d device create ghost creates it/);
  });
});
