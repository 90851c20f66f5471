/**
 * Issue 5, acceptance 6: the README's tutorial section, run as written. The commands are read from the
 * README itself (between the tutorial markers), so the README and this test cannot drift apart. The only
 * change: the hub gets `--port 0` (a free port; 8883 may be taken on a test machine), and the commands share
 * a fresh XDG_STATE_HOME, so `receive` and `send` find that hub the way a user's would.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempStateDir } from '../helpers/hub.js';
import { killStarted, execCli, startCli } from '../helpers/cli.js';

afterEach(killStarted);

/** The `iot-c2d ...` lines of the sh blocks between the tutorial markers, split as sh would (quotes). */
function tutorialCommands(): string[][] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /<!-- tutorial:start[^>]*-->([\s\S]*?)<!-- tutorial:end -->/.exec(readme)?.[1];
  if (!section) throw new Error('README.md has no tutorial section between <!-- tutorial:start --> and <!-- tutorial:end -->');
  const lines = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => (block[1] as string).split('\n'));
  return lines
    .filter((line) => line.startsWith('iot-c2d '))
    .map((line) => [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? (m[3] as string)).slice(1));
}

describe('the README tutorial', () => {
  it('runs as written: hub, receive, send --ack full --wait', async () => {
    const commands = tutorialCommands();
    expect(commands.map((args) => args[0])).toEqual(['hub', 'receive', 'send']);
    const [hubCommand, receiveCommand, sendCommand] = commands as [string[], string[], string[]];
    const env = { XDG_STATE_HOME: tempStateDir() };

    const hub = startCli([...hubCommand, '--port', '0'], { env });
    await hub.waitFor(/Press Ctrl\+C to stop\./);
    const receiver = startCli(receiveCommand, { env });
    await receiver.waitFor(/receiving as device 'demo' over mqtt/, 'stderr');

    const sender = await execCli(sendCommand, { env });
    expect(sender.stdout).toMatch(/^Sent message message_0 to device demo: enqueued \(ack full\)\.\nFeedback for message message_0 on device demo: Success, \d+ ms after the enqueue\.\n$/);
    expect(sender.stderr).toMatch(/^iot-c2d: no --hub given: using the local hub on localhost:\d+ \(.*\)\.\n$/);
    expect(sender.code).toBe(0);

    await receiver.waitFor(/Settled: +completed/);
    expect(receiver.stdout).toContain('Data:             {"service client sent a message": 12.3}');
    expect(receiver.stdout).toContain('Message id:       message_0');
    expect(receiver.stdout).toContain('Correlation id:   correlation_0');
    expect(receiver.stdout).toContain('Ack:              full');
    expect(receiver.stdout).toContain('Property:         Property=PropMsg_0');

    receiver.signal('SIGINT');
    expect((await receiver.exited).code).toBe(130);
    hub.signal('SIGINT');
    const hubExit = await hub.exited;
    expect(hubExit.code).toBe(0);
    // The hub removed its instance file: the next command says no hub runs.
    const after = await execCli(['device', 'list'], { env });
    expect(after.code).toBe(2);
    expect(after.stderr).toContain(`no iot-c2d hub is running on ${join(env.XDG_STATE_HOME, 'iot-c2d', 'hub')}`);
  });
});
