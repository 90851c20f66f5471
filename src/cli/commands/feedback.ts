/**
 * `iot-c2d feedback`: reads the hub's feedback queue and prints each record as it arrives (Success, Expired,
 * DeliveryCountExceeded, Rejected, Purged). `--device` and `--message-id` filter what is printed; with
 * `--message-id` the command ends at that message's record (exit 0 when it is Success, 1 otherwise).
 *
 * Reading takes records off the hub's single feedback queue, whatever the filter: records that do not match
 * are printed on stderr ("feedback from elsewhere") instead of being dropped silently.
 */
import type { CommandModule } from 'yargs';
import { feedbackLine } from '../../clients/records.js';
import type { FeedbackRecord } from '../../core/types.js';
import { hubOptions, resolveHub } from '../connection.js';
import type { CommonArgs } from '../connection.js';
import { closeWithin, exitCodeFor, latch, timer, watchInterrupt } from '../interrupt.js';
import { Output, elsewhereNote, feedbackText, note } from '../output.js';
import { EXIT, fail } from '../usage.js';

interface FeedbackArgs extends CommonArgs {
  device?: string;
  'message-id'?: string;
  timeout?: number;
}

/** `--device` takes an id; a device connection string is accepted too (its DeviceId is used). */
function deviceFilter(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const fromString = /(?:^|;)\s*DeviceId=([^;]+)/.exec(value);
  return fromString ? (fromString[1] as string).trim() : value;
}

export const feedbackCommand: CommandModule<object, FeedbackArgs> = {
  command: 'feedback',
  describe: "Print the hub's feedback records (delivery outcomes of C2D messages sent with --ack) as they arrive",
  builder: (y) =>
    hubOptions(y)
      .option('device', { type: 'string', describe: 'Print only the records of this device id' })
      .option('message-id', { type: 'string', describe: "Wait for this message's record, print it and exit (0 if Success, else 1)" })
      .option('timeout', { type: 'number', describe: 'Stop after this many seconds (exit 1 if the --message-id record has not come)' })
      .example('$0 feedback', 'Print every feedback record of the local hub until Ctrl+C')
      .example('$0 feedback --message-id message_0 --timeout 30', "Wait up to 30 s for message_0's outcome")
      .example('$0 feedback --device demo --json', "Device demo's records, one JSON object per line")
      .check((args) => {
        if (args.timeout !== undefined && !(args.timeout > 0)) throw new Error(`--timeout ${args.timeout} is not a positive number of seconds.`);
        return true;
      }),
  handler: async (args) => {
    const deviceId = deviceFilter(args.device);
    const messageId = args['message-id'];
    const hub = await resolveHub(args);
    const out = new Output(args.json);
    const { ServiceClient } = await import('../../clients/service-client.js');
    const service = await ServiceClient.open({ connectionString: hub.connectionString, ...(hub.ca ? { ca: hub.ca } : {}) });
    const interrupt = watchInterrupt();
    const deadline = timer(args.timeout === undefined ? undefined : args.timeout * 1000);
    const found = latch<FeedbackRecord>();
    let matched: FeedbackRecord | undefined;
    let printed = 0;
    let wasRetrying = false;
    // Refused for good (a policy without ServiceConnect): nothing will come, so say why and stop.
    const refused = latch<string>();
    service.onFeedbackState((state) => {
      if (state.status === 'disconnected' && state.reason !== 'closed') refused.resolve(state.reason ?? 'the feedback link was closed');
      else if (state.status === 'retrying') {
        wasRetrying = true;
        note(`feedback link lost, retrying: ${state.reason ?? 'no reason given'}`);
      } else if (state.status === 'connected' && wasRetrying) {
        wasRetrying = false;
        note('feedback link back.');
      }
    });
    try {
      await service.startFeedback((batch) => {
        for (const record of batch.records) {
          const wanted = (deviceId === undefined || record.deviceId === deviceId) && (messageId === undefined || record.originalMessageId === messageId);
          if (!wanted || matched) {
            elsewhereNote(record, matched ? `read after message ${messageId}'s record` : 'filtered out by --device/--message-id');
            continue;
          }
          printed += 1;
          out.record(feedbackLine(record, batch.receivedMs), () => feedbackText(record));
          if (messageId !== undefined) {
            matched = record;
            found.resolve(record);
          }
        }
      });
      const filters = [deviceId !== undefined ? `device ${deviceId}` : '', messageId !== undefined ? `message ${messageId}` : ''].filter(Boolean).join(', ');
      note(`reading feedback${filters ? ` for ${filters}` : ''} from ${hub.parsed.hostName} (Ctrl+C to stop).`);
      const ended = await Promise.race([found.promise, deadline.done.then(() => 'timeout' as const), interrupt.signal, refused.promise.then((reason) => ({ refused: reason }))]);
      if (typeof ended === 'object' && 'refused' in ended) {
        fail(ended.refused, EXIT.failure);
      } else if (ended === 'SIGINT' || ended === 'SIGTERM') {
        note(`stopped: ${printed} record(s) printed.`);
        process.exitCode = exitCodeFor(ended);
      } else if (ended === 'timeout') {
        if (messageId !== undefined) {
          fail(`No feedback for message ${messageId} within ${args.timeout} s: was it sent with --ack full (or negative), and has its device settled it (or has it expired)?`, EXIT.failure);
        } else {
          note(`stopped after ${args.timeout} s (--timeout): ${printed} record(s) printed.`);
          process.exitCode = EXIT.ok;
        }
      } else if (ended.statusCode !== 'Success') {
        fail(`Message ${messageId} was not delivered: ${ended.statusCode}.`, EXIT.failure);
      } else {
        process.exitCode = EXIT.ok;
      }
    } finally {
      deadline.cancel();
      interrupt.dispose();
      await closeWithin(service);
    }
  },
};
