/**
 * `receive` and `feedback` keep running through a hub SIGKILL and restart: they retry until the hub is back,
 * then receive what is sent after it. Before, nothing but an unref'd retry timer was left while the hub was
 * down, so Node ran out of work and both exited (code 13, an unsettled top-level await) without a word.
 */
import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, expect, it } from 'vitest';
import { runCli, waitForLine } from '../helpers/cli.js';
import { tempStateDir } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
// Whatever a failed run left running (hubs above all) is killed.
const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
const run = (args: string[]): ReturnType<typeof runCli> => {
  const running = runCli(args);
  started.push(running.child);
  return running;
};

it.each(['mqtt', 'amqp'])('%s: receive and feedback retry through a hub SIGKILL and restart, and get what is sent after it', async (transport) => {
  const hubArgs = ['hub', '--state-dir', stateDir, '--device', 'listener', '--json', '--quiet'];
  const first = run([...hubArgs, '--port', '0']);
  const { port } = JSON.parse(await waitForLine(first, /^\{/)) as { port: number };

  const receive = run(['receive', 'listener', '--state-dir', stateDir, '--transport', transport]);
  const feedback = run(['feedback', '--state-dir', stateDir]);
  await waitFor(() => /receiving as device/.test(receive.stderr()) && /reading feedback/.test(feedback.stderr()), 30_000, 'receive and feedback connected');

  first.child.kill('SIGKILL');
  await first.exited;
  await waitFor(() => /retrying/.test(receive.stderr()) && /retrying/.test(feedback.stderr()), 30_000, 'both retrying');
  // The hub stays down for longer than the first retry delays: the commands must not run out of work meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(receive.child.exitCode).toBeNull();
  expect(feedback.child.exitCode).toBeNull();

  const second = run([...hubArgs, '--port', String(port)]);
  await waitForLine(second, /^\{/);
  const send = run(['send', 'listener', 'after the restart', '--message-id', 'after-restart', '--ack', 'full', '--state-dir', stateDir]);
  expect(await send.exited).toBe(0);

  await waitFor(() => /Message id: +after-restart/.test(receive.stdout()), 60_000, 'the message sent after the restart received');
  await waitFor(() => /Feedback for message after-restart on device listener: Success/.test(feedback.stdout()), 60_000, 'its feedback printed');

  // Each says it is back, so that its user knows the retrying is over.
  await waitFor(() => /connected again\./.test(receive.stderr()) && /feedback link back\./.test(feedback.stderr()), 30_000, 'both back');
  for (const command of [receive, feedback]) command.child.kill('SIGINT');
  for (const command of [receive, feedback]) expect(await command.exited).toBe(130); // Ctrl+C, as README says
  second.child.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 180_000);
