/**
 * C2D message rules that `send`, the TUI's form and its Device pane share: how repeated sends number their
 * message ids, what id comes next after a send, and which settlements a transport offers. Pure functions.
 * (What IoT Hub accepts in a message is checked in iothub-names.ts and clients/outgoing.ts.)
 */
import type { DeviceTransport } from './types.js';

const TRAILING_NUMBER = /^(.*?)(\d+)$/;

/** `message_9` advanced by 3 is `message_12`; `m007` by 1 is `m008`; undefined when `id` ends in no number. */
function advance(id: string, by: number): string | undefined {
  const match = TRAILING_NUMBER.exec(id);
  if (!match) return undefined;
  const digits = match[2] as string;
  const next = (BigInt(digits) + BigInt(by)).toString();
  return `${match[1] as string}${next.padStart(digits.length, '0')}`;
}

/**
 * The message id of the `index`-th (from 0) of `count` messages sent with the id `base`: `base` itself for
 * one message; for several, ids that end in a number count on from it (`message_0`, `message_1`, …), others
 * get `-<index>` (`m-0`, `m-1`, …).
 */
export function repeatMessageId(base: string, index: number, count: number): string {
  if (count === 1) return base;
  return advance(base, index) ?? `${base}-${index}`;
}

/**
 * The id to offer for the next send after `count` messages went out with the id `base`: it counts on when
 * `base` ends in a number (`message_0` → `message_1`, as the tutorial numbers them), else it stays.
 */
export function nextMessageId(base: string, count: number): string {
  return advance(base, count) ?? base;
}

export type Settlement = 'complete' | 'reject' | 'abandon';

/** Can a device over `transport` settle a message this way? Why not, in one sentence; undefined when it can. */
export function settleUnavailable(transport: DeviceTransport, how: Settlement): string | undefined {
  if (how === 'complete') return undefined;
  return transport === 'mqtt' || transport === 'mqtt-ws'
    ? 'MQTT has no reject or abandon: the device acknowledges (completes) each message as it arrives. Use amqp or http to settle by hand.'
    : undefined;
}

/** Does the device acknowledge each message as it arrives (nothing left to settle by hand)? */
export function acknowledgesOnArrival(transport: DeviceTransport): boolean {
  return transport === 'mqtt' || transport === 'mqtt-ws';
}
