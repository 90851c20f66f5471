/**
 * Issue: the embedded hub, acceptance 1-3: a device over MQTT receives C2D messages intact, the service gets
 * the enqueue result and feedback, and the hub refuses what IoT Hub refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientError } from '../../src/clients/errors.js';
import type { DeviceClient } from '../../src/clients/device-client.js';
import type { ServiceClient } from '../../src/clients/service-client.js';
import type { ReceivedMessage } from '../../src/clients/types.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';
import { rejectionOf } from '../helpers/wait.js';

const SPECIALS = "!#$%&'*+-.^_`|~";

let hub: TestHub;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;
let device: DeviceClient;
let received: Collector<ReceivedMessage>;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['dev1', 'offline'] });
  ({ service, feedback } = await openService(hub));
  ({ device, received } = await openDevice(hub, 'dev1'));
});

afterAll(async () => {
  await device?.close();
  await service?.close();
  await hub?.dispose();
});


describe('a device over MQTT', () => {
  it('receives payload, ids, content type and encoding, expiry and special-character properties intact', async () => {
    const payload = Buffer.from('{"température": "21.5 °C", "emoji": "📦"}', 'utf8');
    const expiryMs = Date.now() + 10 * 60_000;
    const { messageId } = await service.send('dev1', {
      payload,
      messageId: 'msg-1',
      correlationId: `corr${SPECIALS}`,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      expiryMs,
      ack: 'full',
      properties: [
        [`name${SPECIALS}`, `value${SPECIALS}`],
        ['plain', 'a'],
      ],
    });
    expect(messageId).toBe('msg-1');
    const got = await received.waitForMatch((m) => m.messageId === 'msg-1');
    expect(got.payload.equals(payload)).toBe(true);
    expect(got.correlationId).toBe(`corr${SPECIALS}`);
    expect(got.contentType).toBe('application/json');
    expect(got.contentEncoding).toBe('utf-8');
    expect(Date.parse(got.expiryTimeUtc ?? '')).toBe(expiryMs);
    expect(got.to).toBe('/devices/dev1/messages/deviceBound');
    expect(got.properties).toContainEqual([`name${SPECIALS}`, `value${SPECIALS}`]);
    expect(got.properties).toContainEqual(['plain', 'a']);
  });

  it('receives binary payloads byte for byte', async () => {
    const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await service.send('dev1', message({ payload, messageId: 'binary-1', ack: 'none' }));
    const got = await received.waitForMatch((m) => m.messageId === 'binary-1');
    expect(got.payload.equals(payload)).toBe(true);
  });

  it('gives Success feedback for ack full, with the original id, device and generation id', async () => {
    await service.send('dev1', message({ messageId: 'ack-full-1', ack: 'full' }));
    const record = await feedback.waitForMatch((r) => r.originalMessageId === 'ack-full-1');
    expect(record.statusCode).toBe('Success');
    expect(record.deviceId).toBe('dev1');
    expect(record.deviceGenerationId).toBe(hub.ensureDevice('dev1').generationId);
  });

  it('gives no feedback for ack none (checked against a later ack full message, feedback is in order)', async () => {
    await service.send('dev1', message({ messageId: 'ack-none-1', ack: 'none' }));
    await service.send('dev1', message({ messageId: 'ack-full-after-none', ack: 'full' }));
    await feedback.waitForMatch((r) => r.originalMessageId === 'ack-full-after-none');
    await received.waitForMatch((m) => m.messageId === 'ack-none-1');
    expect(feedback.items.some((r) => r.originalMessageId === 'ack-none-1')).toBe(false);
  });
});

describe('refusals', () => {
  it('refuses a property name or value outside IoT Hub’s character set, naming it', async () => {
    const err = await rejectionOf<ClientError>(service.send('dev1', message({ properties: [['has space', 'x']] })));
    expect(err.message).toMatch(/Property name "has space" contains a space/);
    const err2 = await rejectionOf<ClientError>(service.send('dev1', message({ properties: [['ok', 'a/b']] })));
    expect(err2.message).toMatch(/value of property "ok" contains "\/"/);
  });

  it('reports an unknown device as not found (DeviceNotFoundError)', async () => {
    const err = await rejectionOf<ClientError>(service.send('no-such-device', message()));
    expect(err.kind).toBe('device-not-found');
    expect((err.cause as Error).name).toBe('DeviceNotFoundError');
    expect(err.message).toMatch(/no-such-device.*not registered/);
  });

  it('refuses the 51st queued message (DeviceMaximumQueueDepthExceededError)', async () => {
    for (let i = 0; i < 50; i++) await service.send('offline', message({ ack: 'none', messageId: `q-${i}` }));
    expect(hub.queueDepth('offline')).toBe(50);
    const err = await rejectionOf<ClientError>(service.send('offline', message({ ack: 'none' })));
    expect(err.kind).toBe('queue-full');
    expect((err.cause as Error).name).toBe('DeviceMaximumQueueDepthExceededError');
  });

  it('refuses a message of 64 KB + 1 byte before sending it, naming the size and the limit', async () => {
    const big = message({ payload: Buffer.alloc(64 * 1024 + 1, 0x61), ack: 'none' });
    const err = await rejectionOf<ClientError>(service.send('dev1', big));
    expect(err.message).toMatch(/65537 bytes.*at most 65536/);
  });

  it('never delivers an expired message, and reports Expired when ack asks', async () => {
    const { device: late, received: lateReceived } = await openDevice(hub, 'expiring', { autoComplete: true });
    await late.close();
    await service.send('expiring', message({ messageId: 'exp-negative', ack: 'negative', expiryMs: Date.now() + 300 }));
    await service.send('expiring', message({ messageId: 'exp-none', ack: 'none', expiryMs: Date.now() + 300 }));
    const record = await feedback.waitForMatch((r) => r.originalMessageId === 'exp-negative');
    expect(record.statusCode).toBe('Expired');
    const { device: again, received: againReceived } = await openDevice(hub, 'expiring');
    await service.send('expiring', message({ messageId: 'after-expiry', ack: 'full' }));
    await againReceived.waitForMatch((m) => m.messageId === 'after-expiry');
    expect(againReceived.items.map((m) => m.messageId)).toEqual(['after-expiry']);
    expect(lateReceived.items).toEqual([]);
    expect(feedback.items.some((r) => r.originalMessageId === 'exp-none')).toBe(false);
    await again.close();
  });
});
