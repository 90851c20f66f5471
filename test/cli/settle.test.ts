/**
 * Issue 5, acceptance 2 (a device that rejects over AMQP makes `send --ack full --wait` fail with Rejected),
 * what --settle cannot do over MQTT, and Ctrl+C ending `receive` and `feedback` with exit code 130.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { openRegistry } from '../helpers/clients.js';
import { deviceArgs, hubArgs, jsonLines, killStarted, execCli, startCli } from '../helpers/cli.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['rejecter', 'quiet'] });
});
afterEach(killStarted);
afterAll(async () => {
  await hub?.dispose();
});

describe('receive --settle', () => {
  it('reject over AMQP: send --ack full --wait prints Rejected and exits 1', async () => {
    const receiver = startCli(['receive', '--transport', 'amqp', '--settle', 'reject', '--count', '1', ...deviceArgs(hub, 'rejecter')]);
    await receiver.waitFor(/receiving as device 'rejecter' over amqp/, 'stderr');

    const sender = await execCli(['send', 'rejecter', 'no thanks', '--ack', 'full', '--wait', '--message-id', 'refused-1', '--json', ...hubArgs(hub)]);
    expect(sender.code).toBe(1);
    const feedback = jsonLines(sender.stdout).find((line) => line.type === 'feedback');
    expect(feedback).toMatchObject({ messageId: 'refused-1', deviceId: 'rejecter', status: 'Rejected' });
    expect(sender.stderr).toMatch(/^iot-c2d: 1 of 1 message\(s\) not delivered: refused-1 Rejected\.\n$/m);

    const received = await receiver.exited;
    expect(received.code).toBe(0);
    expect(received.stdout).toContain('Message id:       refused-1');
    expect(received.stdout).toContain('Settled:          rejected');
  });

  it('reject or abandon over MQTT is a usage error (exit 2) that says why and what to use', async () => {
    const result = await execCli(['receive', '--settle', 'abandon', ...deviceArgs(hub, 'rejecter')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'iot-c2d: --settle abandon is not available over mqtt: the device SDK acknowledges (completes) each MQTT message as it arrives. Use --transport amqp, amqp-ws or http.\n',
    );
  });
});

describe('Ctrl+C', () => {
  it('ends receive: connections closed, exit 130', async () => {
    const registry = openRegistry(hub);
    const receiver = startCli(['receive', '--transport', 'amqp', ...deviceArgs(hub, 'quiet')]);
    // At once, as a user would: "receiving" is printed only once the C2D link is attached, and a close that
    // came during the attach used to hang in the AMQP SDK (3 s, then "did not close").
    await receiver.waitFor(/receiving as device 'quiet'/, 'stderr');
    expect((await registry.get('quiet')).connectionState).toBe('Connected');
    receiver.signal('SIGINT');
    const result = await receiver.exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('iot-c2d: stopped: 0 message(s) received.');
    // Closed by the command, not left to the exit: no "did not close within" note.
    expect(result.stderr).not.toContain('did not close');
    expect((await registry.get('quiet')).connectionState).toBe('Disconnected');
  });

  it('ends feedback: exit 130', async () => {
    const reader = startCli(['feedback', ...hubArgs(hub)]);
    await reader.waitFor(/reading feedback from/, 'stderr');
    reader.signal('SIGINT');
    const result = await reader.exited;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('iot-c2d: stopped: 0 record(s) printed.');
  });
});
