#!/usr/bin/env node
/**
 * The `iot-c2d` command line: yargs wires each command to the layers below. Every failure ends as one line
 * on stderr with exit code 1 (runtime) or 2 (usage); see usage.ts.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createRequire } from 'node:module';
import { ConnectionStringError } from '../core/connection-string.js';
import { hubCommand } from './commands/hub.js';
import { tuiCommand } from './commands/tui.js';
import { EXIT, UsageError, fail } from './usage.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('iot-c2d')
    .usage('$0 [command] [options]\n\nAzure IoT Hub cloud-to-device messaging from one terminal, on a local hub or on Azure.\nWith no command: the terminal UI (iot-c2d tui).')
    .command(tuiCommand)
    .command(hubCommand)
    .strict()
    .version(version)
    .alias('v', 'version')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 80))
    .fail((message, err) => {
      if (err) throw err;
      throw new UsageError(`${message} (iot-c2d --help lists commands and options)`);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConnectionStringError) fail(err.message, EXIT.usage);
    else fail(err instanceof Error ? err.message : String(err), EXIT.failure);
  }
}

await main(hideBin(process.argv));
