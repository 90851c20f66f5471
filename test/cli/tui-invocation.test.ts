/**
 * The start-up's fast path to the TUI (src/cli/tui-invocation.ts): a command line it takes gives the TUI
 * exactly the options yargs gives it for the same command line; anything else it leaves to yargs.
 */
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { tuiCommand } from '../../src/cli/commands/tui.js';
import type { TuiArgs } from '../../src/cli/commands/tui.js';
import { tuiInvocation } from '../../src/cli/tui-invocation.js';

const KEYS = ['hub', 'device', 'ca', 'transport', 'state-dir', 'port', 'feedback'] as const;

/** What yargs hands the TUI's handler for `argv` (the same command definition), or the error it reports. */
async function yargsArgs(argv: string[]): Promise<Partial<TuiArgs> | { error: string }> {
  let seen: Partial<TuiArgs> | undefined;
  try {
    await yargs(argv)
      .command({ ...tuiCommand, handler: (args) => void (seen = args) })
      .strict()
      .exitProcess(false)
      .fail((message, err) => {
        throw err ?? new Error(message);
      })
      .parseAsync();
  } catch (err) {
    return { error: (err as Error).message };
  }
  const picked: Partial<TuiArgs> = {};
  for (const key of KEYS) if (seen?.[key] !== undefined) Object.assign(picked, { [key]: seen[key] });
  return picked;
}

const TAKEN = [
  [],
  ['tui'],
  ['--port', '0'],
  ['--port=65535'],
  ['tui', '--state-dir', '/tmp/x y', '--port', '8884', '--transport', 'amqp-ws', '--no-feedback'],
  ['--hub', 'HostName=h.example;SharedAccessKeyName=service;SharedAccessKey=abc='],
  ['--hub=HostName=h;SharedAccessKeyName=s;SharedAccessKey=k=', '--device', 'HostName=h;DeviceId=d;SharedAccessKey=k', '--ca', 'ca.pem'],
  ['--feedback'],
  ['--transport=http', '--state-dir=/tmp/s'],
];

const LEFT_TO_YARGS = [
  ['--help'],
  ['-h'],
  ['--version'],
  ['-v'],
  ['send', 'dev', 'hi'],
  ['tui', 'extra'],
  ['foo'],
  ['--bogus'],
  ['-x'],
  ['--port', '99999'],
  ['--port', '-1'],
  ['--port', '08080'],
  ['--port', '0x10'],
  ['--port', '1e3'],
  ['--port', '1', '--port', '2'],
  ['--port'],
  ['--hub'],
  ['--hub', ''],
  ['--hub', '"quoted"'],
  ['--hub', '--device', 'x'],
  ['--transport', 'carrier-pigeon'],
  ['--feedback', 'false'],
  ['--feedback=false'],
  ['--no-feedback', '--feedback'],
  ['--stateDir', '/tmp/x'],
  ['--no-hub'],
  ['--'],
  ['tui', 'tui'],
];

describe('the fast path to the TUI', () => {
  it.each(TAKEN)('takes %j with the options yargs gives', async (...argv: string[]) => {
    const fast = tuiInvocation(argv);
    expect(fast).toBeDefined();
    expect(fast).toEqual(await yargsArgs(argv));
  });

  it.each(LEFT_TO_YARGS)('leaves %j to yargs', (...argv: string[]) => {
    expect(tuiInvocation(argv)).toBeUndefined();
  });
});
