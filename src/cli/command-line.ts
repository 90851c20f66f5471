/**
 * Every command line but a plain TUI start (tui-invocation.ts): yargs wires each command to the layers below
 * and reports usage errors (see main.ts for how they end).
 */
import yargs from 'yargs';
import { ConnectionStringError } from '../core/connection-string.js';
import { DEVICE_SUBCOMMANDS, deviceCommand } from './commands/device.js';
import { feedbackCommand } from './commands/feedback.js';
import { hubCommand } from './commands/hub.js';
import { purgeCommand } from './commands/purge.js';
import { receiveCommand } from './commands/receive.js';
import { sendCommand } from './commands/send.js';
import { tuiCommand } from './commands/tui.js';
import { UsageError, choiceError, unknownSubcommand } from './usage.js';

/** Parses `argv` and runs its command; rejects with a UsageError (or ConnectionStringError) for a usage error. */
export async function runCommandLine(argv: string[], version: string): Promise<void> {
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
  await parser.parseAsync();
}
