/**
 * The hub's log quotes what clients send (link addresses, client ids): a value holding a line break or a
 * terminal control must stay inside its one line, escaped (core/display-text.ts), never forge a line of its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rawAmqp } from '../helpers/amqp.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { waitFor } from '../helpers/wait.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub({ devices: ['dev1'] });
});
afterAll(async () => hub?.dispose());

it('a link address with a newline and escape sequences is logged on one line, escaped', async () => {
  const amqp = await rawAmqp(hub);
  try {
    const address = '/devices/x\n2026-11-30T00:00:00.000Z tls: FORGED\u001b[2J\u001b]0;T\u0007\u009b1;1H\u202e';
    const before = hub.logs.length;
    const { outcome } = await amqp.attach('receiver', address);
    expect(outcome).not.toBe('open');
    await waitFor(() => hub.logs.slice(before).some((line) => line.includes('FORGED')), 5000, 'the refusal logged');
    const line = hub.logs.slice(before).find((l) => l.includes('FORGED')) as string;
    // eslint-disable-next-line no-control-regex -- no control may reach the log
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(line).toContain('/devices/x\\u000a2026-11-30T00:00:00.000Z tls: FORGED\\u001b[2J\\u001b]0;T\\u0007\\u009b1;1H\\u202e');
  } finally {
    amqp.close();
  }
});
