/**
 * `iot-c2d send <deviceId> [payload]`: the back-end side of the C2D tutorial (and of
 * `az iot device c2d-message send`): sends one message, or `--count` of them at `--rate` per second, and with
 * `--wait` reads the hub's feedback queue until every sent message has its record.
 *
 * The hub has one feedback queue for the whole hub: a record about a message this command did not send is
 * taken off the queue too (AMQP feedback is a batch, accepted whole), so it is printed on stderr as
 * "feedback from elsewhere" rather than lost silently.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { checkOutgoing } from '../../clients/outgoing.js';
import { repeatMessageId } from '../../core/c2d-rules.js';
import { feedbackLine, sentLine } from '../../clients/records.js';
import type { OutgoingMessage } from '../../clients/types.js';
import { checkId } from '../../core/iothub-names.js';
import type { AckMode, FeedbackStatus } from '../../core/types.js';
import { ACK_MODES, LIMITS } from '../../core/types.js';
import { hubOptions, resolveHub } from '../connection.js';
import type { CommonArgs } from '../connection.js';
import { explainFailure } from '../failures.js';
import { closeWithin, exitCodeFor, latch, timer, watchInterrupt } from '../interrupt.js';
import type { StopSignal } from '../interrupt.js';
import { Output, elsewhereNote, feedbackText, note } from '../output.js';
import { EXIT, UsageError, fail } from '../usage.js';

interface SendArgs extends CommonArgs {
  deviceId: string;
  payload?: string;
  file?: string;
  'message-id'?: string;
  'correlation-id'?: string;
  'user-id'?: string;
  prop?: string[];
  ack?: AckMode;
  expiry?: number;
  'content-type'?: string;
  'content-encoding'?: string;
  count: number;
  rate: number;
  wait: boolean;
  timeout?: number;
}

const DEFAULT_WAIT_SECONDS = 60;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readPayload(args: SendArgs): Promise<Buffer> {
  if (args.payload !== undefined && args.file !== undefined) {
    throw new UsageError('Give the payload once: as an argument or with --file, not both.');
  }
  if (args.payload !== undefined) return Buffer.from(args.payload, 'utf8');
  if (args.file === '-') return readStdin();
  if (args.file !== undefined) {
    try {
      return readFileSync(args.file);
    } catch (err) {
      throw new UsageError(`--file "${args.file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): give a readable file, or "-" for stdin.`);
    }
  }
  if (!process.stdin.isTTY) return readStdin();
  throw new UsageError(`Give a payload: as an argument (iot-c2d send ${args.deviceId} '{"temperature": 21}'), with --file <path>, or on stdin.`);
}

function parseProps(props: string[]): Array<[string, string]> {
  return props.map((prop) => {
    const eq = prop.indexOf('=');
    if (eq <= 0) throw new UsageError(`--prop "${prop}" is not key=value: write it like --prop Property=PropMsg_0.`);
    return [prop.slice(0, eq), prop.slice(eq + 1)];
  });
}

/** The message id of the i-th message (core/c2d-rules.ts numbers them, as the TUI does); a new UUID without --message-id. */
function messageIdFor(args: SendArgs, i: number): string {
  const base = args['message-id'];
  return base === undefined ? randomUUID() : repeatMessageId(base, i, args.count);
}

function ackFor(args: SendArgs): AckMode {
  const ack = args.ack ?? (args.wait ? 'full' : 'none');
  if (args.wait && (ack === 'none' || ack === 'negative')) {
    throw new UsageError(`--wait waits for each message's feedback, and --ack ${ack} asks for none on delivery: use --ack full (the default with --wait) or positive.`);
  }
  return ack;
}

function listIds(ids: string[]): string {
  return ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
}

export const sendCommand: CommandModule<object, SendArgs> = {
  command: 'send <deviceId> [payload]',
  describe: 'Send a C2D message to a device (the back end of the tutorial), and with --wait print its feedback',
  builder: (y) =>
    hubOptions(
      y
        .positional('deviceId', { type: 'string', demandOption: true, describe: 'The device to send to' })
        .positional('payload', { type: 'string', describe: 'The message body (else --file, else stdin when it is not a terminal)' }),
    )
      .option('file', { type: 'string', describe: 'Read the payload from this file ("-": stdin)' })
      .option('message-id', { type: 'string', describe: 'Message id (default: a new UUID; with --count, an id ending in a number counts on from it (m_0, m_1, ...), any other gets -0, -1, ...)' })
      .option('correlation-id', { type: 'string', describe: 'Correlation id' })
      .option('user-id', { type: 'string', describe: 'User id (AMQP user-id: who the message is from)' })
      .option('prop', { type: 'string', array: true, nargs: 1, describe: 'Custom property key=value (repeatable)' })
      .option('ack', { choices: ACK_MODES, describe: 'Feedback to ask the hub for (default: full with --wait, else none)' })
      .option('expiry', { type: 'number', describe: "Seconds until the message expires (default: the hub's, 1 hour on IoT Hub; at most 2 days)" })
      .option('content-type', { type: 'string', describe: 'Content type, e.g. application/json' })
      .option('content-encoding', { type: 'string', describe: 'Content encoding, e.g. utf-8' })
      .option('count', { type: 'number', default: 1, describe: `Send this many messages (a device queue holds ${LIMITS.queueDepth}: sending stops at the first refusal)` })
      .option('rate', { type: 'number', default: 0, describe: 'Messages per second with --count (0: as fast as the hub confirms them)' })
      .option('wait', { type: 'boolean', default: false, describe: "Wait for each message's feedback and print it; exit 1 unless every one is Success" })
      .option('timeout', { type: 'number', describe: `With --wait: seconds to wait for the feedback (default ${DEFAULT_WAIT_SECONDS}; 0: no limit)` })
      .example(
        `$0 send demo --ack full --wait --prop Property=PropMsg_0 --message-id message_0 --correlation-id correlation_0 '{"service client sent a message": 12.3}'`,
        'The tutorial: send one message and wait for the device to complete it',
      )
      .example('$0 send demo --count 10 --rate 2 --file reading.json', 'Send a file ten times, two per second, to the local hub')
      .example('echo hello | $0 send demo --hub "$IOTHUB_CONNECTION_STRING" --json', 'Payload from stdin, to the hub of a connection string, JSON output')
      .check((args) => {
        if (!Number.isInteger(args.count) || args.count < 1) throw new Error(`--count ${args.count} is not a positive whole number.`);
        if (!(args.rate >= 0)) throw new Error(`--rate ${args.rate} is not a number of messages per second (0: no pause).`);
        if (args.expiry !== undefined && !(args.expiry > 0 && args.expiry <= LIMITS.maxTtlMs / 1000)) {
          throw new Error(`--expiry ${args.expiry} is not 1 to ${LIMITS.maxTtlMs / 1000} seconds (IoT Hub keeps a C2D message at most 2 days).`);
        }
        if (args.timeout !== undefined && !(args.timeout >= 0)) throw new Error(`--timeout ${args.timeout} is not a number of seconds.`);
        if (args.timeout !== undefined && !args.wait) throw new Error('--timeout is how long --wait waits for feedback: add --wait, or drop --timeout.');
        return true;
      }),
  handler: async (args) => {
    const deviceId = args.deviceId;
    const idProblem = checkId('device id', deviceId);
    if (idProblem) throw new UsageError(idProblem);
    const ack = ackFor(args);
    const properties = parseProps(args.prop ?? []);
    const payload = await readPayload(args);
    const template: OutgoingMessage = { payload, properties, ack };
    if (args['correlation-id'] !== undefined) template.correlationId = args['correlation-id'];
    if (args['user-id'] !== undefined && args['user-id'] !== '') template.userId = args['user-id'];
    if (args['content-type'] !== undefined) template.contentType = args['content-type'];
    if (args['content-encoding'] !== undefined) template.contentEncoding = args['content-encoding'];
    const problem = checkOutgoing({ ...template, messageId: messageIdFor(args, args.count - 1) });
    if (problem) throw new UsageError(problem);

    const hub = await resolveHub(args);
    const out = new Output(args.json);
    const { ServiceClient } = await import('../../clients/service-client.js');
    const service = await ServiceClient.open({ connectionString: hub.connectionString, ...(hub.ca ? { ca: hub.ca } : {}) });
    const interrupt = watchInterrupt();
    service.onState((state) => {
      if (state.status === 'retrying') note(`connection to the hub lost, retrying: ${state.reason ?? 'no reason given'}`);
    });

    // With --wait, feedback is read from before the first send, matched by message id.
    const sentAt = new Map<string, number | undefined>();
    const outcomes = new Map<string, FeedbackStatus>();
    const allIn = latch();
    let sent = 0;
    let finishedSending = false;
    const checkAllIn = (): void => {
      if (finishedSending && outcomes.size >= sent) allIn.resolve();
    };
    try {
      if (args.wait) {
        await service.startFeedback((batch) => {
          for (const record of batch.records) {
            const id = record.originalMessageId;
            if (!sentAt.has(id) || outcomes.has(id)) {
              elsewhereNote(record, 'not a message this command is waiting for');
              continue;
            }
            outcomes.set(id, record.statusCode);
            out.record(feedbackLine(record, batch.receivedMs, sentAt.get(id)), () => feedbackText(record, sentAt.get(id) === undefined ? undefined : batch.receivedMs - (sentAt.get(id) as number)));
          }
          checkAllIn();
        });
      }

      let signal: StopSignal | undefined;
      void interrupt.signal.then((s) => (signal = s));
      const started = Date.now();
      for (let i = 0; i < args.count && signal === undefined; i++) {
        if (args.rate > 0 && i > 0) {
          const pause = timer(Math.max(0, started + (i * 1000) / args.rate - Date.now()));
          await Promise.race([pause.done, interrupt.signal]);
          pause.cancel();
          if (signal !== undefined) break;
        }
        const message: OutgoingMessage = { ...template, messageId: messageIdFor(args, i) };
        if (args.expiry !== undefined) message.expiryMs = Date.now() + args.expiry * 1000;
        const id = message.messageId as string;
        if (args.wait) sentAt.set(id, undefined);
        try {
          const result = await service.send(deviceId, message);
          if (args.wait) sentAt.set(id, result.enqueuedMs);
          sent += 1;
          out.record(sentLine(deviceId, message, result), () => `Sent message ${id} to device ${deviceId}: enqueued (ack ${ack}).`);
        } catch (err) {
          sentAt.delete(id);
          const reason = explainFailure(err, deviceId).message;
          const progress = args.count > 1 ? `Sent ${sent} of ${args.count} messages, then the hub refused message ${id}: ` : '';
          fail(`${progress}${reason}`, EXIT.failure);
          return;
        }
      }
      if (signal !== undefined) {
        fail(`interrupted after sending ${sent} of ${args.count} message(s).`, exitCodeFor(signal));
        return;
      }
      if (!args.wait) {
        process.exitCode = EXIT.ok;
        return;
      }

      finishedSending = true;
      checkAllIn();
      const seconds = args.timeout ?? DEFAULT_WAIT_SECONDS;
      const deadline = timer(seconds === 0 ? undefined : seconds * 1000);
      const ended = await Promise.race([allIn.promise.then(() => 'all' as const), deadline.done.then(() => 'timeout' as const), interrupt.signal]);
      deadline.cancel();
      const ids = [...sentAt.keys()];
      const missing = ids.filter((id) => !outcomes.has(id));
      const negative = ids.filter((id) => outcomes.has(id) && outcomes.get(id) !== 'Success');
      if (ended === 'SIGINT' || ended === 'SIGTERM') {
        fail(`interrupted while waiting for feedback: ${missing.length} of ${ids.length} message(s) had none yet.`, exitCodeFor(ended));
      } else if (missing.length > 0) {
        const which = ids.length === 1 ? `message ${missing[0]}` : `${missing.length} of ${ids.length} messages (${listIds(missing)})`;
        const negatives = negative.length > 0 ? `; ${negative.length} had negative feedback` : '';
        fail(
          `No feedback within ${seconds} s for ${which}${negatives}: is device '${deviceId}' receiving (iot-c2d receive ${deviceId})? A message waits in its queue until it expires; --timeout waits longer.`,
          EXIT.failure,
        );
      } else if (negative.length > 0) {
        const details = negative.slice(0, 3).map((id) => `${id} ${outcomes.get(id)}`).join(', ');
        fail(`${negative.length} of ${ids.length} message(s) not delivered: ${details}${negative.length > 3 ? ', ...' : ''}.`, EXIT.failure);
      } else {
        process.exitCode = EXIT.ok;
      }
    } finally {
      interrupt.dispose();
      await closeWithin(service);
    }
  },
};
