/**
 * The hub core's C2D message life cycle through its facade, without sockets: an in-memory store and a clock
 * the test advances (no timers, no sleeps), as aedes tests its handlers. Each state change of
 * src/hub/core/c2d-queue.ts and the feedback record it produces.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createSasToken } from '../../../src/core/sas.js';
import type { AckMode, FeedbackRecord } from '../../../src/core/types.js';
import { LIMITS } from '../../../src/core/types.js';
import type { C2dConsumer, NewMessage } from '../../../src/hub/core/c2d-queue.js';
import type { HubError } from '../../../src/hub/core/errors.js';
import { HubCore } from '../../../src/hub/core/hub-core.js';
import type { LockedMessage } from '../../../src/hub/core/model.js';
import { HubStore } from '../../../src/hub/core/store.js';
import { ManualClock } from '../../helpers/manual-clock.js';

const LOCK_MS = 60_000;
const MAX_DELIVERIES = 3;
const TTL_MS = 3_600_000;

let clock: ManualClock;
let store: HubStore;
let core: HubCore;
let feedback: FeedbackRecord[];

function open(): HubCore {
  return new HubCore(store, { hostName: 'hub.test', clock, lockTimeoutMs: LOCK_MS, maxDeliveryCount: MAX_DELIVERIES, defaultTtlMs: TTL_MS });
}

beforeEach(() => {
  clock = new ManualClock();
  store = HubStore.inMemory(clock);
  core = open();
  core.createDevice({ deviceId: 'd1' });
  feedback = [];
  core.attachFeedbackReader({ credit: () => 1, send: (records, settled) => (feedback.push(...records), settled(true)) });
});

/** Enqueues and lets the store commit; the outcome the sender is told (undefined: enqueued). */
function send(messageId: string, ack: AckMode = 'full', more: Partial<NewMessage> = {}): HubError | undefined | 'pending' {
  let outcome: HubError | undefined | 'pending' = 'pending';
  core.enqueue({ deviceId: 'd1', messageId, ack, properties: [], body: Buffer.from(messageId), ...more }, (err) => {
    outcome = err;
  });
  clock.flush();
  return outcome;
}

/** A consumer that holds what it is given, with `credit` slots. */
function consumer(credit = 10): C2dConsumer & { got: LockedMessage[] } {
  const got: LockedMessage[] = [];
  return { got, credit: () => credit - got.length, deliver: (locked) => got.push(locked) };
}

const statuses = (): string[] => feedback.map((f) => `${f.originalMessageId}:${f.statusCode}`);

describe('HubCore message life cycle', () => {
  it('enqueue is told only once the message is stored; delivery locks it; complete removes it with a Success record', () => {
    let told: HubError | undefined | 'pending' = 'pending';
    core.enqueue({ deviceId: 'd1', messageId: 'm1', ack: 'full', properties: [['k', 'v']], body: Buffer.from('hi') }, (err) => (told = err));
    expect(told).toBe('pending');
    clock.flush();
    expect(told).toBeUndefined();
    expect(core.queueDepth('d1')).toBe(1);

    const device = consumer();
    core.attachConsumer('d1', device);
    expect(device.got).toHaveLength(1);
    const [locked] = device.got as [LockedMessage];
    expect(locked.message).toMatchObject({ messageId: 'm1', deliveryCount: 0, properties: [['k', 'v']] });
    expect(core.queueDepth('d1')).toBe(1);

    expect(core.settle('d1', locked.lockToken, 'complete')).toBe(true);
    expect(core.settle('d1', locked.lockToken, 'complete')).toBe(false);
    clock.flush();
    expect(core.queueDepth('d1')).toBe(0);
    expect(feedback).toEqual([
      expect.objectContaining({ originalMessageId: 'm1', deviceId: 'd1', statusCode: 'Success', description: 'Success', enqueuedTimeUtc: new Date(clock.now()).toISOString() }),
    ]);
    // The completion is on disk: a core reopened on the store finds no message.
    expect(open().queueDepth('d1')).toBe(0);
  });

  it('reject dead-letters with a Rejected record; positive acks ask for no record of it', () => {
    send('neg', 'negative');
    send('pos', 'positive');
    const device = consumer();
    core.attachConsumer('d1', device);
    for (const locked of device.got) core.settle('d1', locked.lockToken, 'reject');
    clock.flush();
    expect(statuses()).toEqual(['neg:Rejected']);
    expect(core.queueDepth('d1')).toBe(0);
  });

  it('abandon requeues with the delivery count up; at the maximum it is DeliveryCountExceeded', () => {
    send('a1');
    const device = consumer(100);
    core.attachConsumer('d1', device);
    for (let i = 0; i < MAX_DELIVERIES; i++) {
      const locked = device.got.at(-1) as LockedMessage;
      expect(locked.message.deliveryCount).toBe(i);
      core.settle('d1', locked.lockToken, 'abandon');
    }
    clock.flush();
    expect(device.got).toHaveLength(MAX_DELIVERIES);
    expect(statuses()).toEqual(['a1:DeliveryCountExceeded']);
    expect(core.queueDepth('d1')).toBe(0);
  });

  it('a polling device may ask for its own lock time (HTTP IotHub-MessageLockTimeout), shorter or longer than the hub\'s', () => {
    send('s1');
    const short = core.receive('d1', 5_000) as LockedMessage;
    clock.advance(5_000);
    core.sweep();
    const again = core.receive('d1', LOCK_MS * 3) as LockedMessage;
    expect(again.message.messageId).toBe('s1');
    expect(again.lockToken).not.toBe(short.lockToken);
    clock.advance(LOCK_MS * 3 - 1);
    core.sweep();
    expect(core.receive('d1')).toBeUndefined();
    clock.advance(1);
    core.sweep();
    expect(core.receive('d1')?.message.messageId).toBe('s1');
  });

  it('a lock that times out puts the message back (the old lock settles nothing), without counting a delivery', () => {
    send('l1');
    const first = core.receive('d1') as LockedMessage;
    expect(core.receive('d1')).toBeUndefined();
    clock.advance(LOCK_MS - 1);
    core.sweep();
    expect(core.receive('d1')).toBeUndefined();
    clock.advance(1);
    core.sweep();
    const again = core.receive('d1') as LockedMessage;
    expect(again.message.messageId).toBe('l1');
    expect(again.message.deliveryCount).toBe(0);
    expect(again.lockToken).not.toBe(first.lockToken);
    expect(core.settle('d1', first.lockToken, 'complete')).toBe(false);
    expect(core.settle('d1', again.lockToken, 'complete')).toBe(true);
  });

  it('a message past its time to live is dead-lettered as Expired, locked or not', () => {
    send('short', 'full', { expiryMs: clock.now() + 5_000 });
    send('default');
    core.receive('d1');
    clock.advance(5_000);
    core.sweep();
    clock.flush();
    expect(statuses()).toEqual(['short:Expired']);
    clock.advance(TTL_MS);
    core.sweep();
    clock.flush();
    expect(statuses()).toEqual(['short:Expired', 'default:Expired']);
    expect(core.queueDepth('d1')).toBe(0);
  });

  it('purge empties the queue, locked messages included, with a Purged record each', () => {
    for (const id of ['p1', 'p2', 'p3']) send(id);
    core.receive('d1');
    expect(core.purge('d1')).toBe(3);
    clock.flush();
    expect(statuses()).toEqual(['p1:Purged', 'p2:Purged', 'p3:Purged']);
    expect(core.queueDepth('d1')).toBe(0);
    expect(() => core.purge('nobody')).toThrow(expect.objectContaining({ code: 'DeviceNotFound' }));
  });

  it('a full queue refuses the next message to its sender', () => {
    for (let i = 0; i < LIMITS.queueDepth; i++) expect(send(`q${i}`)).toBeUndefined();
    const refused = send('one-too-many');
    expect(refused).toMatchObject({ code: 'DeviceMaximumQueueDepthExceeded' });
    expect(core.queueDepth('d1')).toBe(LIMITS.queueDepth);
  });

  it('refuses bad messages at once: unknown device, unknown ack, a $. property', () => {
    expect(send('x', 'full', { deviceId: 'ghost' })).toMatchObject({ code: 'DeviceNotFound' });
    expect(send('x', 'sometimes' as AckMode)).toMatchObject({ code: 'ArgumentInvalid' });
    expect(send('x', 'full', { properties: [['$.mid', 'other']] })).toMatchObject({ code: 'ArgumentInvalid' });
    expect(core.queueDepth('d1')).toBe(0);
  });

  it('deleting a device ends its connections and drops its queue and its feedback records', () => {
    const closed: string[] = [];
    const leave = core.connected('d1', () => closed.push('d1'));
    expect(core.isConnected('d1')).toBe(true);
    send('gone');
    const device = consumer();
    core.attachConsumer('d1', device);
    core.settle('d1', (device.got[0] as LockedMessage).lockToken, 'reject');
    // Its Rejected record waits for the event loop's turn to reach the reader; the device goes first.
    core.deleteDevice('d1', '*');
    clock.flush();
    expect(feedback).toEqual([]);
    expect(closed).toEqual(['d1']);
    expect(core.queueDepth('d1')).toBe(0);
    expect(core.device('d1')).toBeUndefined();
    expect(send('after')).toMatchObject({ code: 'DeviceNotFound' });
    leave();
    expect(core.isConnected('d1')).toBe(false);
  });

  it('disabling a device ends its connections and its grants no longer let it act', () => {
    const key = core.requireDevice('d1').primaryKey as string;
    const token = createSasToken('hub.test/devices/d1', key, Math.floor(clock.now() / 1000) + 3600);
    const result = core.authenticate({ token });
    if (!result.ok) throw new Error(result.reason);
    expect(core.deviceAllowed('d1', [result.grant])).toBe(true);
    expect(core.deviceAllowed('d2', [result.grant])).toBe(false);
    const closed: string[] = [];
    core.connected('d1', () => closed.push('closed'));
    core.updateDevice({ deviceId: 'd1', status: 'disabled' }, '*');
    expect(closed).toEqual(['closed']);
    expect(core.deviceAllowed('d1', [result.grant])).toBe(false);
    expect(core.authenticate({ token })).toMatchObject({ ok: false, reason: "Device 'd1' is disabled." });
    // The token's expiry is read on the injected clock.
    core.updateDevice({ deviceId: 'd1', status: 'enabled' }, '*');
    clock.advance(3600_000);
    expect(core.authenticate({ token })).toMatchObject({ ok: false, reason: 'The SAS token has expired.' });
  });

  it('a new consumer takes over a device: what the old one held is delivered again', () => {
    send('t1');
    const old = consumer();
    core.attachConsumer('d1', old);
    const replacement = consumer();
    core.attachConsumer('d1', replacement);
    expect(replacement.got.map((l) => l.message.messageId)).toEqual(['t1']);
    expect(core.settle('d1', (old.got[0] as LockedMessage).lockToken, 'complete')).toBe(false);
  });

  it('messages survive a restart of the core on the same store, their locks do not', () => {
    send('r1');
    core.receive('d1');
    const reopened = open();
    expect(reopened.queueDepth('d1')).toBe(1);
    expect(reopened.receive('d1')?.message.messageId).toBe('r1');
  });

  it('a message keeps every field across a restart (its stored document is written at the commit), its delivery count too', () => {
    send('all', 'negative', {
      correlationId: 'c1',
      userId: 'u1',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      expiryMs: clock.now() + 5_000,
      properties: [['k', 'v'], ['k2', 'v2']],
      body: Buffer.from('{"a":1}'),
    });
    send('plain', 'none');
    const first = core.receive('d1') as LockedMessage;
    expect(core.settle('d1', first.lockToken, 'abandon')).toBe(true);
    clock.flush();
    const before = [core.receive('d1')?.message, core.receive('d1')?.message];
    expect(before.map((m) => m?.messageId)).toEqual(['all', 'plain']);
    const reopened = open();
    const after = [reopened.receive('d1')?.message, reopened.receive('d1')?.message];
    expect(after).toEqual(before);
    expect(after[0]).toMatchObject({ messageId: 'all', deliveryCount: 1, expirySet: true, ack: 'negative' });
    expect(after[1]).toMatchObject({ messageId: 'plain', deliveryCount: 0, expirySet: false, ack: 'none' });
    expect(Object.keys(after[1] as object)).not.toContain('correlationId');
  });
});
