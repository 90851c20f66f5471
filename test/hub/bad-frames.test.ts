/**
 * Issue: every device transport, acceptance 5: clients that send garbage get their connection closed (or a
 * 4xx); the hub logs one line for each and keeps serving everyone else.
 */
import { request } from 'node:https';
import { connect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { caBundle } from '../../src/clients/trust.js';
import { message, openDevice, openService } from '../helpers/clients.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['steady'] });
});
afterAll(async () => hub?.dispose());

/** Opens a TLS connection, writes `bytes`, optionally half-closes, and resolves when the hub closes it. */
function sendRaw(bytes: Buffer, end: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: 'localhost', port: hub.port, servername: 'localhost', ca: caBundle(hub.caPem) }, () => {
      socket.write(bytes);
      if (end) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => resolve());
    setTimeout(() => reject(new Error('the hub did not close the connection')), 10_000).unref();
  });
}

function hugeHttpBody(): Promise<number | 'closed'> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: 'localhost',
        port: hub.port,
        method: 'PUT',
        path: '/devices/huge?api-version=2021-04-12',
        ca: caBundle(hub.caPem),
        headers: { 'Content-Type': 'application/json', 'Content-Length': 10 * 1024 * 1024 },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve('closed'));
    req.end(Buffer.alloc(10 * 1024 * 1024, 0x20));
  });
}

it('closes garbage, truncated MQTT, junk AMQP and a 10 MB HTTP body, one log line each, while a device keeps receiving', async () => {
  const { service } = await openService(hub);
  const { device, received } = await openDevice(hub, 'steady');
  let sent = 0;
  const sending = setInterval(() => {
    void service.send('steady', message({ messageId: `steady-${sent++}`, ack: 'none' }));
  }, 20);

  const linesFor = async (what: string, act: () => Promise<unknown>): Promise<string[]> => {
    const before = hub.logs.length;
    const result = await act();
    await waitFor(() => hub.logs.length > before, 5000, `a log line for ${what}`);
    return [String(result), ...hub.logs.slice(before)];
  };

  const garbage = await linesFor('garbage', () => sendRaw(Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x42]), false));
  expect(garbage.slice(1)).toEqual([expect.stringMatching(/not AMQP, MQTT or HTTP/)]);

  // A CONNECT that announces 200 bytes and stops after 12.
  const truncated = await linesFor('truncated MQTT', () => sendRaw(Buffer.from([0x10, 0xc8, 0x01, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00]), true));
  expect(truncated.slice(1)).toHaveLength(1);

  const junkAmqp = await linesFor('junk AMQP', () => sendRaw(Buffer.concat([Buffer.from('AMQP\x00\x01\x00\x00', 'latin1'), Buffer.alloc(64, 0xee)]), false));
  expect(junkAmqp.slice(1)).toHaveLength(1);

  const huge = await linesFor('10 MB body', hugeHttpBody);
  expect(huge[0] === '413' || huge[0] === 'closed').toBe(true);
  expect(huge.slice(1)).toEqual([expect.stringMatching(/body .*too large|413/i)]);

  clearInterval(sending);
  const last = `steady-${sent}`;
  await service.send('steady', message({ messageId: last, ack: 'none' }));
  await received.waitForMatch((m) => m.messageId === last);
  expect(received.items.length).toBe(sent + 1);
  await device.close();
  await service.close();
});
