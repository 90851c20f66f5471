/** The C2D rules `send` and the TUI share: repeat numbering, the next id, what a transport can settle. */
import { describe, expect, it } from 'vitest';
import { nextMessageId, repeatMessageId, settleUnavailable } from '../../src/core/c2d-rules.js';

describe('C2D message rules', () => {
  it('numbers repeats: ids ending in a number count on, others get -<index>; one message keeps its id', () => {
    expect([0, 1, 2].map((i) => repeatMessageId('message_0', i, 3))).toEqual(['message_0', 'message_1', 'message_2']);
    expect([0, 1].map((i) => repeatMessageId('m', i, 2))).toEqual(['m-0', 'm-1']);
    expect(repeatMessageId('m007', 3, 5)).toBe('m010');
    expect(repeatMessageId('m', 0, 1)).toBe('m');
    expect(repeatMessageId('x99999999999999999999', 1, 2)).toBe('x100000000000000000000');
  });

  it('the next id after a send counts on from a trailing number, else stays', () => {
    expect(nextMessageId('message_0', 1)).toBe('message_1');
    expect(nextMessageId('message_9', 3)).toBe('message_12');
    expect(nextMessageId('hello', 1)).toBe('hello');
  });

  it('MQTT completes on arrival: no reject or abandon; other transports settle every way', () => {
    expect(settleUnavailable('mqtt', 'reject')).toMatch(/MQTT has no reject/);
    expect(settleUnavailable('mqtt-ws', 'abandon')).toMatch(/MQTT/);
    expect(settleUnavailable('mqtt', 'complete')).toBeUndefined();
    expect(settleUnavailable('amqp', 'reject')).toBeUndefined();
    expect(settleUnavailable('http', 'abandon')).toBeUndefined();
  });
});
