#!/usr/bin/env node
/**
 * The `iot-c2d` command line: yargs wires each command to the layers below. Every failure ends as one line
 * on stderr with exit code 1 (runtime) or 2 (usage); see usage.ts.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createRequire } from 'node:module';
import { ConnectionStringError } from '../core/connection-string.js';
import { installCodeCache } from './code-cache.js';
import { DEVICE_SUBCOMMANDS, deviceCommand } from './commands/device.js';
import { feedbackCommand } from './commands/feedback.js';
import { hubCommand } from './commands/hub.js';
import { purgeCommand } from './commands/purge.js';
import { receiveCommand } from './commands/receive.js';
import { sendCommand } from './commands/send.js';
import { tuiCommand } from './commands/tui.js';
import { EXIT, UsageError, choiceError, fail, unknownSubcommand } from './usage.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };
const EXIT_GRACE_MS = 1000;

// Before any command loads an SDK from node_modules.
installCodeCache();

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('iot-c2d')
    .usage('$0 [command] [options]\n\nAzure IoT Hub cloud-to-device messaging from one terminal, on a local hub or on Azure.\nWith no command: the terminal UI (iot-c2d tui).')
    .command(tuiCommand)
    .command(hubCommand)
    .command(sendCommand)
    .command(receiveCommand)
    .command(feedbackCommand)
    .command(deviceCommand)
    .command(purgeCommand)
    .demandCommand(1, 'Give a command: iot-c2d --help lists them.')
    .strict()
    .version(version)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 80))
    // Parsing and validation only (.check, choices, unknown flags): handlers are async, and their errors reject
    // parseAsync instead. So whatever arrives here is a usage error, a UsageError from a .check() or not.
    .fail((message, err) => {
      if (err instanceof UsageError || err instanceof ConnectionStringError) throw err;
      if (err) throw new UsageError(err.message);
      const sentence = unknownSubcommand(argv, { device: DEVICE_SUBCOMMANDS }) ?? choiceError(message);
      if (sentence) throw new UsageError(sentence);
      throw new UsageError(`${message} (iot-c2d --help lists commands and options)`);
    });
  try {
    await parser.parseAsync();
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

await main(hideBin(process.argv));
