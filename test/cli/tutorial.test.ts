/**
 * Issue 5, acceptance 1: Microsoft's C2D tutorial as two processes of the built CLI: `receive` (the
 * SimulatedDevice) and `send --ack full --wait` (the back end), against a hub started for the test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { deviceArgs, hubArgs, jsonLines, killStarted, execCli, startCli } from '../helpers/cli.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['demo'] });
});
afterEach(killStarted);
afterAll(async () => {
  await hub?.dispose();
});

const PAYLOAD = '{"service client sent a message": 12.3}';

describe('the tutorial, with --json', () => {
  it('receive prints the payload, both ids and the property; send prints enqueued, then Success for message_0', async () => {
    const receiver = startCli(['receive', '--count', '1', '--json', ...deviceArgs(hub, 'demo')]);
    await receiver.waitFor(/receiving as device 'demo' over mqtt/, 'stderr');

    const sender = await execCli([
      'send', 'demo', '--ack', 'full', '--wait', '--prop', 'Property=PropMsg_0', '--message-id', 'message_0',
      '--correlation-id', 'correlation_0', PAYLOAD, '--json', ...hubArgs(hub),
    ]);
    expect(sender.stderr).toBe('');
    expect(sender.code).toBe(0);
    const [sent, feedback, ...more] = jsonLines(sender.stdout);
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ type: 'sent', messageId: 'message_0', deviceId: 'demo', ack: 'full', correlationId: 'correlation_0', payload: PAYLOAD, properties: { Property: 'PropMsg_0' } });
    expect(Date.parse(String(sent?.enqueuedAt))).not.toBeNaN();
    expect(feedback).toMatchObject({ type: 'feedback', messageId: 'message_0', deviceId: 'demo', status: 'Success' });
    expect(feedback?.latencyMs).toEqual(expect.any(Number));

    const received = await receiver.exited;
    expect(received.code).toBe(0);
    const lines = jsonLines(received.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      type: 'received',
      deviceId: 'demo',
      payload: PAYLOAD,
      payloadEncoding: 'utf8',
      messageId: 'message_0',
      correlationId: 'correlation_0',
    });
    expect(lines[0]?.properties).toMatchObject({ Property: 'PropMsg_0' });
  });

  it('prints the same in words without --json, and non-UTF-8 payloads as base64', async () => {
    const receiver = startCli(['receive', '--count', '2', ...deviceArgs(hub, 'demo')]);
    await receiver.waitFor(/receiving as device/, 'stderr');
    const text = await execCli(['send', 'demo', 'hello \u001b[31mworld', '--message-id', 'words', '--content-type', 'text/plain', ...hubArgs(hub)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Sent message words to device demo: enqueued (ack none).');
    const file = join(hub.stateDir, 'payload.bin');
    writeFileSync(file, Buffer.from([0xff, 0x00, 0x01]));
    const binary = await execCli(['send', 'demo', '--file', file, '--message-id', 'file', ...hubArgs(hub)]);
    expect(binary.code).toBe(0);
    const received = await receiver.exited;
    expect(received.code).toBe(0);
    expect(received.stdout).toMatch(/Message 1 received at .* over mqtt:/);
    // The escape character from the network is shown, not interpreted.
    expect(received.stdout).toContain('Data:             hello \\u001b[31mworld');
    expect(received.stdout).toContain('Message id:       words');
    expect(received.stdout).toContain('Content type:     text/plain');
    expect(received.stdout).toContain('Data:             /wAB (binary, base64)');
  });
});
