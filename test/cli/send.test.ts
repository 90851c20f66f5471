/**
 * Issue 5, acceptance 5: `send --wait --timeout 2` to a device that never connects exits 1 with a timeout
 * message. Also: feedback records for other messages are not lost silently, and send's usage errors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { hubArgs, jsonLines, killStarted, execCli } from '../helpers/cli.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['never', 'elsewhere'] });
});
afterEach(killStarted);
afterAll(async () => {
  await hub?.dispose();
});

describe('send --wait', () => {
  it('to a device that never connects: exit 1 after --timeout with a timeout message', async () => {
    const result = await execCli(['send', 'never', 'anyone?', '--wait', '--timeout', '2', '--message-id', 'lonely', ...hubArgs(hub)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('Sent message lonely to device never: enqueued (ack full).\n');
    expect(result.stderr).toBe(
      "iot-c2d: No feedback within 2 s for message lonely: is device 'never' receiving (iot-c2d receive never)? A message waits in its queue until it expires; --timeout waits longer.\n",
    );
    // Still queued for when the device connects.
    expect(hub.queueDepth('never')).toBe(1);
  });

  it('prints records about other messages on stderr instead of dropping them', async () => {
    // A Purged record waiting in the hub's feedback queue, about a message this send did not send.
    expect((await execCli(['send', 'elsewhere', 'old', '--ack', 'full', '--message-id', 'stale-1', ...hubArgs(hub)])).code).toBe(0);
    expect((await execCli(['purge', 'elsewhere', ...hubArgs(hub)])).stdout).toContain('Purged 1 message(s)');

    const result = await execCli(['send', 'elsewhere', 'new', '--wait', '--timeout', '1', '--message-id', 'fresh-1', '--json', ...hubArgs(hub)]);
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).map((line) => line.type)).toEqual(['sent']);
    expect(result.stderr).toContain(
      "iot-c2d: feedback from elsewhere: message stale-1 on device elsewhere: Purged (not a message this command is waiting for; it is now off the hub's feedback queue).\n",
    );
  });
});

describe('a policy without ServiceConnect', () => {
  const asPolicy = (policy: string): string[] => ['--hub', hub.serviceConnectionString(policy), '--ca', hub.caPath];
  const sentence = (policy: string): string =>
    `iot-c2d: Policy "${policy}" does not have the ServiceConnect permission this needs: use a policy that has it (iothubowner has every one) in the service connection string.\n`;

  it('feedback exits 1 naming the permission (it retried for ever: "feedback link lost, retrying: the hub closed the connection")', async () => {
    const result = await execCli(['feedback', '--timeout', '20', ...asPolicy('registryRead')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`iot-c2d: reading feedback from localhost:${hub.port} (Ctrl+C to stop).\n${sentence('registryRead')}`);
  });

  it('send --wait exits 1 with that one line, at once (it waited ~45 s, then added a line about the connection not closing)', async () => {
    const result = await execCli(['send', 'never', 'x', '--wait', '--timeout', '20', ...asPolicy('device')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(sentence('device'));
  });
});

describe('send: usage errors exit 2 with one line', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['--prop without =', ['--prop', 'novalue'], /^iot-c2d: --prop "novalue" is not key=value: write it like --prop Property=PropMsg_0\.\n$/],
    ['a property name IoT Hub refuses', ['--prop', 'bad name=1'], /^iot-c2d: Property name "bad name" contains a space: IoT Hub allows ASCII letters, digits and/],
    ['iothub-ack as a property', ['--ack', 'full', '--prop', 'iothub-ack=none'], /^iot-c2d: Property name "iothub-ack" is reserved: ask for feedback with the ack setting \(--ack\), not with a property\.\n$/],
    ['another iothub- name', ['--prop', 'iothub-app-x=1'], /^iot-c2d: Property name "iothub-app-x" is reserved: names starting with "iothub-" are IoT Hub's own/],
    ['a $. name (an MQTT system property)', ['--prop', '$.mid=zzz'], /^iot-c2d: Property name "\$\.mid" is reserved: names starting with "\$\." are IoT Hub's system properties/],
    ['--wait with --ack none', ['--wait', '--ack', 'none'], /^iot-c2d: --wait waits for each message's feedback, and --ack none asks for none on delivery/],
    ['--timeout without --wait', ['--timeout', '5'], /^iot-c2d: --timeout is how long --wait waits for feedback: add --wait, or drop --timeout\./],
    ['an unknown --ack', ['--ack', 'maybe'], /^iot-c2d: --ack "maybe" is not one of its choices: give none, positive, negative, full\.\n$/],
    ['--count 0', ['--count', '0'], /^iot-c2d: --count 0 is not a positive whole number\./],
    // AMQP symbols are ASCII: the SDK would send "applicatiïn/json" as "applicatinn/json" without a word.
    ['a content type that is not ASCII', ['--content-type', 'applicati\u00efn/json'], /^iot-c2d: The content type "applicati\u00efn\/json" has a character that is not printable ASCII \(\u00ef\): IoT Hub carries it as an AMQP symbol; use e\.g\. application\/json\.\n$/],
    ['a content encoding with a control character', ['--content-encoding', 'utf-8\u001b'], /^iot-c2d: The content encoding "utf-8\\u001b" has a character that is not printable ASCII \(\\u001b\): IoT Hub carries it as an AMQP symbol; use e\.g\. utf-8\.\n$/],
  ];
  it.each(cases)('%s', async (_name, extra, message) => {
    const result = await execCli(['send', 'never', 'payload', ...extra, ...hubArgs(hub)]);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.code).toBe(2);
  });

  it('a device the hub does not know: exit 1, not found', async () => {
    const result = await execCli(['send', 'ghost', 'boo', ...hubArgs(hub)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^iot-c2d: Device 'ghost' not found on this hub/);
  });

  it('takes the payload from stdin when none is given', async () => {
    const result = await execCli(['send', 'never', '--json', '--message-id', 'piped', ...hubArgs(hub)], { stdin: 'from a pipe' });
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)).toEqual([expect.objectContaining({ type: 'sent', messageId: 'piped', payload: 'from a pipe', ack: 'none' })]);
  });
});
