/**
 * `iot-c2d purge <deviceId>`: empties the device's C2D queue and prints how many messages were purged. Each
 * purged message sent with --ack negative or full yields a `Purged` feedback record.
 */
import type { CommandModule } from 'yargs';
import { checkId } from '../../core/iothub-names.js';
import { hubOptions, resolveHub } from '../connection.js';
import type { CommonArgs } from '../connection.js';
import { explainFailure } from '../failures.js';
import { Output } from '../output.js';
import { EXIT, UsageError } from '../usage.js';

interface PurgeArgs extends CommonArgs {
  deviceId: string;
}

/** What `purge --json` prints. */
export interface PurgedLine {
  type: 'purged';
  deviceId: string;
  purged: number;
}

export const purgeCommand: CommandModule<object, PurgeArgs> = {
  command: 'purge <deviceId>',
  describe: "Empty a device's C2D queue and print how many messages were purged",
  builder: (y) =>
    hubOptions(y.positional('deviceId', { type: 'string', demandOption: true, describe: 'The device whose queue to empty' }))
      .example('$0 purge demo', "Drop every message waiting for device demo on the local hub")
      .example('$0 purge demo --json', 'Print {"type":"purged","deviceId":"demo","purged":N}'),
  handler: async (args) => {
    const problem = checkId('device id', args.deviceId);
    if (problem) throw new UsageError(problem);
    const hub = await resolveHub(args);
    const { RegistryClient } = await import('../../clients/registry-client.js');
    const registry = new RegistryClient({ connectionString: hub.connectionString, ...(hub.ca ? { ca: hub.ca } : {}) });
    let purged: number;
    try {
      purged = await registry.purge(args.deviceId);
    } catch (err) {
      throw explainFailure(err, args.deviceId);
    }
    const line: PurgedLine = { type: 'purged', deviceId: args.deviceId, purged };
    new Output(args.json).record(line, () => `Purged ${purged} message(s) from the queue of device ${args.deviceId}.`);
    process.exitCode = EXIT.ok;
  },
};
