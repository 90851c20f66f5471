/**
 * The AMQP links IoT Hub serves, by address:
 *
 * | peer attaches       | address                              | needs                   |
 * |---------------------|--------------------------------------|-------------------------|
 * | sender (C2D send)   | `/messages/devicebound`              | ServiceConnect          |
 * | receiver (feedback) | `/messages/serviceBound/feedback`    | ServiceConnect          |
 * | receiver (device)   | `/devices/{id}/messages/devicebound` | DeviceConnect for {id}  |
 * | sender (telemetry)  | `/devices/{id}/messages/events`      | DeviceConnect for {id}  |
 * | both (device twin)  | `/devices/{id}/twin`                 | DeviceConnect for {id}  |
 * | both (methods)      | `/devices/{id}/methods/devicebound`  | DeviceConnect for {id}  |
 *
 * Addresses are matched case-insensitively, as the documentation writes them both ways, and may be absolute
 * (`amqps://{host}/messages/devicebound`, as uAMQP and the C SDK write them).
 *
 * Twins and direct methods are not this hub's subject, but the C SDK opens the twin links whenever it starts
 * over AMQP and fails if they are refused, and device apps ask for their twin or register method handlers
 * beside C2D: twin requests are answered as an empty twin would answer them, the method links are attached
 * and no method call ever comes on them.
 */
import type { Connection, Delivery, Message, Sender } from 'rhea';
import rhea from 'rhea';
import { randomUUID } from 'node:crypto';
import type { FeedbackRecord } from '../../core/types.js';
import { grantsService } from '../core/auth.js';
import type { Grant } from '../core/auth.js';
import type { HubErrorCode } from '../core/errors.js';
import type { C2dConsumer, FeedbackReader, HubCore, Settlement } from '../core/hub-core.js';
import { EMPTY_TWIN } from '../core/model.js';
import type { LockedMessage } from '../core/model.js';
import { deviceOfAddress, fromServiceMessage, relativeAddress, toDeviceMessage } from './convert.js';
import type { Link } from './convert.js';

export type Outcome = 'accepted' | 'released' | 'rejected' | 'modified';

export interface LinkRoute {
  /** The right the link needs, for the refusal message. */
  needs: string;
  /** The device a device link is for: a client certificate on the connection may authenticate it (X.509). */
  deviceId?: string;
  /** Do the grants the connection holds give what the link needs? */
  authorized(grants: Iterable<Grant>, nowMs: number): boolean;
  opened(): void;
  closed(): void;
  message?(message: Message, delivery: Delivery): void;
  sendable?(): void;
  settled?(delivery: Delivery, outcome: Outcome): void;
}

export const FEEDBACK_CONTENT_TYPE = 'application/vnd.microsoft.iothub.feedback.json';

const CONDITIONS: Record<HubErrorCode, string> = {
  DeviceNotFound: 'amqp:not-found',
  DeviceAlreadyExists: 'com.microsoft:device-already-exists',
  DeviceMaximumQueueDepthExceeded: 'amqp:resource-limit-exceeded',
  MessageTooLarge: 'amqp:link:message-size-exceeded',
  ArgumentInvalid: 'com.microsoft:argument-error',
  PreconditionFailed: 'com.microsoft:precondition-failed',
  Unauthorized: 'amqp:unauthorized-access',
  StorageUnavailable: 'amqp:internal-error',
};

const serviceGranted = (grants: Iterable<Grant>, nowMs: number): boolean => [...grants].some((g) => grantsService(g, 'ServiceConnect', nowMs));

/**
 * What every link of one device starts from: it needs DeviceConnect for the device (a token on the connection
 * that lets the device in, the device still registered and enabled), and does nothing on open and close.
 */
function deviceLink(core: HubCore, deviceId: string): LinkRoute {
  return {
    needs: `DeviceConnect for device '${deviceId}'`,
    deviceId,
    authorized: (grants, nowMs) => core.deviceAllowed(deviceId, grants, nowMs),
    opened: () => undefined,
    closed: () => undefined,
  };
}

/**
 * Which client a connection belongs to: the container id of its AMQP open. An SDK client keeps one container
 * for its life, so the id stays the same across its reconnects.
 */
function clientOf(connection: Connection): string | undefined {
  const id = (connection as unknown as { remote?: { open?: { container_id?: unknown } } }).remote?.open?.container_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function creditOf(sender: Sender): number {
  return sender.sendable() ? (sender as unknown as { credit: number }).credit : 0;
}

export function routeLink(core: HubCore, link: Link, address: string | undefined): LinkRoute | string {
  const lower = (address ?? '').toLowerCase();
  if (link.is_receiver() && lower === '/messages/devicebound') return c2dSendRoute(core);
  if (link.is_sender() && lower === '/messages/servicebound/feedback') return feedbackRoute(core, link as Sender);
  const receiving = deviceOfAddress(address, 'messages/devicebound');
  if (link.is_sender() && receiving !== undefined) return deviceC2dRoute(core, link as Sender, receiving);
  const sending = deviceOfAddress(address, 'messages/events');
  if (link.is_receiver() && sending !== undefined) return telemetryRoute(core, sending);
  const twin = deviceOfAddress(address, 'twin');
  if (twin !== undefined) return link.is_sender() ? twinResponseRoute(core, link as Sender, twin) : twinRequestRoute(core, link.connection, twin);
  const methods = deviceOfAddress(address, 'methods/devicebound');
  if (methods !== undefined) return { ...deviceLink(core, methods), message: (_message, delivery) => delivery.accept() };
  // The Event Hub-compatible endpoint (az iot hub monitor-events, Event Hubs clients): `/messages/events/...`.
  if (link.is_sender() && /^\/messages\/events(\/|$)/i.test(relativeAddress(address) ?? '')) {
    return `The local hub keeps no device-to-cloud messages: it takes telemetry and drops it (it serves cloud-to-device messaging), so "${address ?? ''}" cannot be read here.`;
  }
  return `No ${link.is_sender() ? 'source' : 'target'} "${address ?? ''}" on this hub.`;
}

/** The service sends C2D messages: accepted = enqueued, rejected with IoT Hub's condition otherwise. */
function c2dSendRoute(core: HubCore): LinkRoute {
  return {
    needs: 'ServiceConnect',
    authorized: serviceGranted,
    opened: () => undefined,
    closed: () => undefined,
    message: (message, delivery) => {
      const deviceId = deviceOfAddress(message.to, 'messages/devicebound');
      if (deviceId === undefined) {
        delivery.reject({ condition: 'com.microsoft:argument-error', description: `"to" must be /devices/{id}/messages/devicebound, not "${message.to ?? ''}".` });
        return;
      }
      core.enqueue(fromServiceMessage(message, deviceId, clientOf(delivery.link.connection)), (err) => {
        if (err) delivery.reject({ condition: CONDITIONS[err.code], description: err.message });
        else delivery.accept();
      });
    },
  };
}

/** The service reads feedback: batches of records as a JSON array in a data section. */
function feedbackRoute(core: HubCore, sender: Sender): LinkRoute {
  const unsettled = new Map<Delivery, (accepted: boolean) => void>();
  let detach: (() => void) | undefined;
  const owner = clientOf(sender.connection);
  const reader: FeedbackReader = {
    ...(owner === undefined ? {} : { owner }),
    credit: () => creditOf(sender),
    send: (records: FeedbackRecord[], settled) => {
      const delivery = sender.send(
        {
          message_id: randomUUID(),
          content_type: FEEDBACK_CONTENT_TYPE,
          user_id: core.hostName,
          message_annotations: { 'iothub-enqueuedtime': new Date() },
          body: rhea.message.data_section(Buffer.from(JSON.stringify(records), 'utf8')),
        },
        Buffer.from(randomUUID().replace(/-/g, ''), 'hex'),
      );
      unsettled.set(delivery, settled);
    },
  };
  return {
    needs: 'ServiceConnect',
    authorized: serviceGranted,
    opened: () => {
      detach = core.attachFeedbackReader(reader);
    },
    closed: () => {
      detach?.();
      for (const settle of unsettled.values()) settle(false);
      unsettled.clear();
    },
    sendable: () => core.pumpFeedback(),
    settled: (delivery, outcome) => {
      const settle = unsettled.get(delivery);
      if (!settle) return;
      unsettled.delete(delivery);
      settle(outcome === 'accepted');
    },
  };
}

/** Why a device's older receiver ends when another client connects as the same device. */
const STOLEN = (deviceId: string): string =>
  `Another client connected as device '${deviceId}' and now receives its cloud-to-device messages: IoT Hub serves one connection per device.`;

const SETTLEMENTS: Record<Outcome, Settlement> = { accepted: 'complete', rejected: 'reject', released: 'abandon', modified: 'abandon' };

/** A device receives C2D messages; accepted / rejected / released complete, reject or abandon them. */
function deviceC2dRoute(core: HubCore, sender: Sender, deviceId: string): LinkRoute {
  const locks = new Map<Delivery, string>();
  let detach: (() => void) | undefined;
  const consumer: C2dConsumer = {
    credit: () => creditOf(sender),
    deliver: ({ message, lockToken }: LockedMessage) => {
      const delivery = sender.send(toDeviceMessage(message, lockToken), Buffer.from(lockToken.replace(/-/g, ''), 'hex'));
      locks.set(delivery, lockToken);
    },
    // AMQP's own word for a link attached again elsewhere: the older receiver is detached, not left starving.
    replaced: () => {
      core.log(`amqp: device "${deviceId}" attached a receiver on another connection; its older receiver is detached`);
      sender.close({ condition: 'amqp:link:stolen', description: STOLEN(deviceId) });
    },
  };
  return {
    ...deviceLink(core, deviceId),
    opened: () => {
      core.markSeen(deviceId);
      detach = core.attachConsumer(deviceId, consumer);
    },
    closed: () => {
      locks.clear();
      detach?.();
      core.markSeen(deviceId);
    },
    sendable: () => core.pump(deviceId),
    settled: (delivery, outcome) => {
      const lockToken = locks.get(delivery);
      if (lockToken === undefined) return;
      locks.delete(delivery);
      core.settle(deviceId, lockToken, SETTLEMENTS[outcome]);
    },
  };
}

/** A device sends telemetry: accepted and dropped (this hub serves C2D). */
function telemetryRoute(core: HubCore, deviceId: string): LinkRoute {
  return {
    ...deviceLink(core, deviceId),
    message: (_message, delivery) => {
      core.markSeen(deviceId);
      delivery.accept();
    },
  };
}

/** A twin link's response sender, and the replies waiting for its credit. */
interface TwinResponses {
  sender: Sender;
  waiting: Message[];
}

/** The twin links' response senders, by connection and device. */
const twinSenders = new WeakMap<Connection, Map<string, TwinResponses>>();

/**
 * The hub answers twin requests on this link. A reply waits for the link's credit: the Node SDK sends its GET
 * as soon as both links are attached, before its receiver has given credit.
 */
function twinResponseRoute(core: HubCore, sender: Sender, deviceId: string): LinkRoute {
  const senders = (): Map<string, TwinResponses> => {
    let map = twinSenders.get(sender.connection);
    if (!map) twinSenders.set(sender.connection, (map = new Map()));
    return map;
  };
  const responses: TwinResponses = { sender, waiting: [] };
  return {
    ...deviceLink(core, deviceId),
    opened: () => senders().set(deviceId, responses),
    sendable: () => {
      while (responses.waiting.length > 0 && sender.sendable()) sender.send(responses.waiting.shift() as Message);
    },
    closed: () => {
      if (senders().get(deviceId) === responses) senders().delete(deviceId);
    },
  };
}

/**
 * The device sends twin requests (`operation` GET, PATCH, PUT or DELETE in the message annotations): each is
 * answered with its `correlation-id`, `status` as an AMQP int, and for a GET the empty twin.
 */
function twinRequestRoute(core: HubCore, connection: Connection, deviceId: string): LinkRoute {
  return {
    ...deviceLink(core, deviceId),
    message: (message, delivery) => {
      delivery.accept();
      const operation = String(message.message_annotations?.operation ?? '').toUpperCase();
      const reply: Message = {
        message_annotations: { status: rhea.types.wrap_int(operation === 'GET' ? 200 : 204), version: rhea.types.wrap_long(1) },
        // No body section at all but for a GET: the C SDK fails on an amqp-value body.
        body: operation === 'GET' ? rhea.message.data_section(Buffer.from(EMPTY_TWIN, 'utf8')) : rhea.message.data_sections([]),
      };
      if (message.correlation_id !== undefined) reply.correlation_id = message.correlation_id;
      const responses = twinSenders.get(connection)?.get(deviceId);
      if (!responses) core.log(`twin request of '${deviceId}' not answered: it has no twin link to answer on`);
      else if (responses.waiting.length === 0 && responses.sender.sendable()) responses.sender.send(reply);
      else responses.waiting.push(reply);
    },
  };
}
