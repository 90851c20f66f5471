/**
 * Issue: every device transport: a settlement of an already-settled or unknown delivery is ignored, never an
 * error. A raw AMQP device settles a message twice (accepted, then rejected) and sends a disposition for a
 * delivery id the hub never sent; the first outcome stands and the link keeps working.
 */
import type { EventContext, Message } from 'rhea';
import rhea from 'rhea';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { rawAmqp } from '../helpers/amqp.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { Collector } from '../helpers/wait.js';

const require = createRequire(import.meta.url);
/** rhea's frame builders (not in its typings). */
const frames = require('rhea/lib/frames.js') as { disposition(fields: Record<string, unknown>): unknown };
/** rhea's outcome builders (untyped). */
const outcomes = rhea.message as unknown as Record<'accepted' | 'rejected', (fields?: object) => { described(): never }>;

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['twice'] });
});
afterAll(async () => hub?.dispose());

it('keeps the first outcome of a delivery settled twice, ignores an unknown delivery, and keeps the link', async () => {
  const { service, feedback } = await openService(hub);
  const amqp = await rawAmqp(hub);
  const key = parseDeviceConnectionString(hub.deviceConnectionString('twice')).key as string;
  expect(await amqp.putToken(createSasToken('localhost/devices/twice', key, Math.floor(Date.now() / 1000) + 600), 'localhost%2Fdevices%2Ftwice')).toBe(200);
  const receiver = amqp.connection.open_receiver({ source: { address: '/devices/twice/messages/devicebound' }, autoaccept: false });
  const arrived = new Collector<EventContext>();
  receiver.on('message', arrived.push);

  await service.send('twice', message({ messageId: 'settled-twice', ack: 'full' }));
  const first = (await arrived.waitForCount(1))[0] as EventContext;
  expect((first.message as Message).message_id).toBe('settled-twice');
  first.delivery?.accept();
  expect((await feedback.waitForMatch((r) => r.originalMessageId === 'settled-twice')).statusCode).toBe('Success');
  // Then a second outcome for the same delivery, and an outcome for a delivery id the hub never sent.
  first.delivery?.update(true, outcomes.rejected({}).described());
  const session = receiver.session as unknown as { output(frame: unknown): void };
  session.output(frames.disposition({ role: true, first: 9999, last: 9999, settled: true, state: outcomes.accepted().described() }));

  await service.send('twice', message({ messageId: 'after', ack: 'full' }));
  const second = (await arrived.waitForCount(2))[1] as EventContext;
  expect((second.message as Message).message_id).toBe('after');
  second.delivery?.accept();
  expect((await feedback.waitForMatch((r) => r.originalMessageId === 'after')).statusCode).toBe('Success');
  expect(feedback.items.filter((r) => r.originalMessageId === 'settled-twice')).toHaveLength(1);
  amqp.close();
  await service.close();
});
