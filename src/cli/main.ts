#!/usr/bin/env node
/**
 * The `iot-c2d` command line. A plain TUI start (`iot-c2d`, `iot-c2d tui` with well-formed TUI options) goes
 * straight to the TUI (tui-invocation.ts), so its first frame does not wait for yargs and every other
 * command to load; every other command line is parsed by yargs (command-line.ts). Every failure ends as one
 * line on stderr with exit code 1 (runtime) or 2 (usage); see usage.ts.
 */
import { createRequire } from 'node:module';
import { ConnectionStringError } from '../core/connection-string.js';
import { installCodeCache } from './code-cache.js';
import { runTuiCommand } from './commands/tui.js';
import { tuiInvocation } from './tui-invocation.js';
import { EXIT, UsageError, fail } from './usage.js';

const EXIT_GRACE_MS = 1000;

// Before any command loads an SDK from node_modules.
installCodeCache();

export async function main(argv: string[]): Promise<void> {
  try {
    const tui = tuiInvocation(argv);
    if (tui) await runTuiCommand(tui);
    else {
      const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
      await (await import('./command-line.js')).runCommandLine(argv, version);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConnectionStringError) fail(err.message, EXIT.usage);
    else fail(err instanceof Error ? err.message : String(err), EXIT.failure);
  }
  // Every command closes what it opened; should a library still hold the event loop open, do not hang.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}

// A reader that went away (`iot-c2d feedback --json | head -1`) ends the command quietly, as in other CLIs.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  fail(`cannot write to stdout: ${err.message}.`, EXIT.failure);
  process.exit();
});
// The last net: one line, never a stack trace.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    fail(`unexpected error: ${err instanceof Error ? err.message : String(err)} (a bug: please report it with the command you ran).`, EXIT.failure);
    process.exit();
  });
}

// As yargs' hideBin: the arguments after `node` and the script.
await main(process.argv.slice(2));
