/** Two `send --wait` in parallel on one hub: each gets the feedback of its own messages, and both exit 0. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDevice } from '../helpers/clients.js';
import { execCli, hubArgs } from '../helpers/cli.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['both'] });
});
afterAll(async () => {
  await hub?.dispose();
});

it('two send --wait at once each see their own Success records', async () => {
  const { device } = await openDevice(hub, 'both');
  const run = (who: string) =>
    execCli(['send', 'both', `from ${who}`, '--count', '10', '--message-id', who, '--ack', 'full', '--wait', '--timeout', '60', '--json', ...hubArgs(hub)]);
  const [a, b] = await Promise.all([run('a'), run('b')]);
  for (const [who, result] of [['a', a], ['b', b]] as const) {
    expect(result.stderr).not.toMatch(/No feedback within/);
    expect(result.code).toBe(0);
    const feedback = result.stdout.split('\n').filter((l) => l.includes('"feedback"'));
    expect(feedback).toHaveLength(10);
    for (const line of feedback) expect(line).toContain(`"messageId":"${who}-`);
  }
  await device.close();
}, 60_000);
