/**
 * The hub takes a chunk of whole PUBACKs straight to their messages, ahead of aedes's parser
 * (src/hub/mqtt/puback-reader.ts), and hands aedes everything else as it came. A raw MQTT device over TLS
 * (bytes written by hand, mqtt-packet reading the hub's answers) acknowledges in the shapes a device's TCP
 * stream can take: several PUBACKs in one write, a PUBACK split across two writes, PUBACKs with a PINGREQ
 * behind them. Every message must complete (Success feedback, queue empty) and the PINGREQ be answered.
 */
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { caBundle } from '../../src/clients/trust.js';
import type { ServiceClient } from '../../src/clients/service-client.js';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import { message, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import type { Collector } from '../helpers/wait.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = 'raw-acks';

let hub: TestHub;
let service: ServiceClient;
let feedback: Collector<FeedbackRecord>;

beforeAll(async () => {
  hub = await startTestHub({ devices: [DEVICE] });
  ({ service, feedback } = await openService(hub));
});
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

/** A device speaking MQTT byte by byte: what it writes goes out as given; what the hub sends is parsed. */
async function rawDevice(): Promise<{ socket: TLSSocket; received: Packet[]; write(bytes: Buffer): Promise<void> }> {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(DEVICE)).key as string;
  const socket = connect({ host: 'localhost', port: hub.port, servername: 'localhost', ca: caBundle(hub.caPem) });
  socket.setNoDelay(true);
  const received: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (packet: Packet) => received.push(packet));
  socket.on('data', (chunk: Buffer) => parser.parse(chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const write = (bytes: Buffer): Promise<void> => new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  await write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: DEVICE,
      clean: true,
      keepalive: 60,
      username: `localhost/${DEVICE}/?api-version=2021-04-12`,
      password: Buffer.from(createSasToken(`localhost/devices/${DEVICE}`, key, Math.floor(Date.now() / 1000) + 3600)),
    }),
  );
  await waitFor(() => received.some((p) => p.cmd === 'connack' && p.returnCode === 0), undefined, 'CONNACK');
  await write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `devices/${DEVICE}/messages/devicebound/#`, qos: 1 }] }));
  await waitFor(() => received.some((p) => p.cmd === 'suback'), undefined, 'SUBACK');
  return { socket, received, write };
}

const puback = (messageId: number): Buffer => mqttPacket.generate({ cmd: 'puback', messageId });

it('PUBACKs together, split across writes, and followed by another packet each complete their message', async () => {
  const device = await rawDevice();
  const ids = ['together-1', 'together-2', 'split', 'before-ping-1', 'before-ping-2'];
  for (const messageId of ids) await service.send(DEVICE, message({ messageId, payload: Buffer.from(messageId), ack: 'full' }));
  await waitFor(() => device.received.filter((p) => p.cmd === 'publish').length === ids.length, undefined, 'every PUBLISH');
  const packetIdOf = new Map(
    device.received.flatMap((p) => (p.cmd === 'publish' ? [[decodeURIComponent(/%24\.mid=([^&]*)/.exec(p.topic)?.[1] ?? ''), p.messageId as number] as const] : [])),
  );
  const ack = (id: string): Buffer => puback(packetIdOf.get(id) as number);
  const completed = (...which: string[]): Promise<unknown> =>
    waitFor(() => which.every((id) => feedback.items.some((f) => f.originalMessageId === id && f.statusCode === 'Success')), undefined, `Success for ${which.join(', ')}`);

  // Two PUBACKs in one write.
  await device.write(Buffer.concat([ack('together-1'), ack('together-2')]));
  await completed('together-1', 'together-2');

  // One PUBACK in two writes (its first half alone is no whole PUBACK).
  const split = ack('split');
  await device.write(split.subarray(0, 2));
  await device.write(split.subarray(2));
  await completed('split');

  // PUBACKs with a PINGREQ behind them: aedes parses the chunk and answers the ping.
  await device.write(Buffer.concat([ack('before-ping-1'), ack('before-ping-2'), mqttPacket.generate({ cmd: 'pingreq' })]));
  await completed('before-ping-1', 'before-ping-2');
  await waitFor(() => device.received.some((p) => p.cmd === 'pingresp'), undefined, 'PINGRESP');

  expect(hub.queueDepth(DEVICE)).toBe(0);
  expect(feedback.items.filter((f) => ids.includes(f.originalMessageId)).map((f) => f.statusCode)).toEqual(ids.map(() => 'Success'));
  device.socket.destroy();
});

it('a PUBACK for a packet id the hub never sent changes nothing, and the connection goes on', async () => {
  const device = await rawDevice();
  await device.write(puback(4242));
  await service.send(DEVICE, message({ messageId: 'after-stray', payload: Buffer.from('x'), ack: 'full' }));
  const publish = await waitFor(() => device.received.find((p) => p.cmd === 'publish'), undefined, 'the PUBLISH');
  expect(hub.queueDepth(DEVICE)).toBe(1);
  await device.write(puback(publish.messageId as number));
  await waitFor(() => feedback.items.some((f) => f.originalMessageId === 'after-stray' && f.statusCode === 'Success'), undefined, 'Success');
  expect(hub.queueDepth(DEVICE)).toBe(0);
  device.socket.destroy();
});
