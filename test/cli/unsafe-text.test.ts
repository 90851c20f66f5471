/**
 * `receive` and `feedback` print text that senders chose: ids, properties, payloads with terminal controls and
 * line breaks. The text output shows them escaped (core/display-text.ts) and a payload's lines indented under
 * its first, so that nothing drives the terminal or forges a line; --json keeps every character, escaped.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceClient } from '../../src/clients/service-client.js';
import rhea from 'rhea';
import { sendAsOtherBackEnd } from '../helpers/amqp.js';
import { message, openService } from '../helpers/clients.js';
import { deviceArgs, execCli, jsonLines, killStarted } from '../helpers/cli.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';

let hub: TestHub;
let service: ServiceClient;

beforeAll(async () => {
  hub = await startTestHub();
  ({ service } = await openService(hub));
});
afterEach(killStarted);
afterAll(async () => {
  await service?.close();
  await hub?.dispose();
});

// eslint-disable-next-line no-control-regex -- what must not reach a terminal
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const PAYLOAD = 'first\u001b[2J\u001b]0;TITLE\u0007\nMessage 2 received at 2026-01-01T00:00:00.000Z over mqtt:\n  Settled:          completed\u009b1;1H\u202e';
const CORRELATION = 'c\r\n  Message id:       forged\u001b[31m';

describe('hostile text in receive and feedback output', () => {
  it('receive prints every control escaped, and the payload lines under the Data column', async () => {
    hub.ensureDevice('hostile-text');
    // iot-c2d's own sender refuses a content type that is not ASCII text; other back ends may send one.
    await sendAsOtherBackEnd(hub, 'hostile-text', { message_id: 'hostile-1', correlation_id: CORRELATION, content_type: 'x\u001b]0;T\u0007', body: rhea.message.data_section(Buffer.from(PAYLOAD)) });
    const result = await execCli(['receive', '--count', '1', '--timeout', '20', '--transport', 'amqp', ...deviceArgs(hub, 'hostile-text')]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(RAW_CONTROL.test(line), JSON.stringify(line)).toBe(false);
    // One record: its heading, then label lines at two spaces and payload lines at the value column.
    expect(lines.filter((l) => l.startsWith('Message '))).toHaveLength(1);
    expect(lines.filter((l) => /^ {2}\S/.test(l)).map((l) => l.split(':')[0]?.trim())).toEqual(['Data', 'Message id', 'Correlation id', 'To', 'Content type', 'Ack', 'Delivery count', 'Settled']);
    expect(result.stdout).toContain('  Data:             first\\u001b[2J\\u001b]0;TITLE\\u0007\n                    Message 2 received at');
    expect(result.stdout).toContain('                      Settled:          completed\\u009b1;1H\\u202e');
    expect(result.stdout).toContain('  Correlation id:   c\\u000d\\u000a  Message id:       forged\\u001b[31m');
    expect(result.stdout).toContain('  Content type:     x\\u001b]0;T\\u0007');
  });

  it('receive --json keeps every character, and prints none of the controls raw', async () => {
    hub.ensureDevice('hostile-json');
    await service.send('hostile-json', message({ messageId: 'hostile-2', correlationId: CORRELATION, payload: Buffer.from(PAYLOAD), ack: 'none' }));
    const result = await execCli(['receive', '--count', '1', '--timeout', '20', '--transport', 'amqp', '--json', ...deviceArgs(hub, 'hostile-json')]);
    expect(result.code, result.stderr).toBe(0);
    expect(RAW_CONTROL.test(result.stdout.trimEnd())).toBe(false);
    const [line] = jsonLines(result.stdout);
    expect(line?.payload).toBe(PAYLOAD);
    expect(line?.correlationId).toBe(CORRELATION);
  });
});
