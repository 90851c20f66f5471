import { describe, expect, it } from 'vitest';
import { checkId, checkPropertyName, checkPropertyValue, c2dMessageBytes } from '../../src/core/iothub-names.js';
import { decodePropertyBag, encodePropertyBag } from '../../src/core/property-bag.js';

describe('MQTT property bag', () => {
  it('encodes every character that would break the SDK’s parser, and decodes back', () => {
    const system = { messageId: 'm/1', to: '/devices/d/messages/deviceBound', correlationId: 'c&1=2' };
    const properties: Array<[string, string]> = [["k!#$%&'*+-.^_`|~", "v!#$%&'*+-.^_`|~"], ['empty', '']];
    const bag = encodePropertyBag(system, properties);
    expect(bag).not.toMatch(/\//);
    expect(bag.split('&')).toHaveLength(5);
    expect(bag.startsWith('%24.mid=m%2F1&%24.to=%2Fdevices')).toBe(true);
    expect(bag).toContain('empty=');
    expect(decodePropertyBag(bag)).toEqual({ system, properties });
  });
});

describe('IoT Hub names', () => {
  it('accepts the documented characters and names the first bad one', () => {
    expect(checkPropertyName("a!#$%&'*+-.^_`|~Z9")).toBeUndefined();
    expect(checkPropertyName('a b')).toMatch(/contains a space/);
    expect(checkPropertyValue('k', 'é')).toMatch(/value of property "k" contains "é"/);
    expect(checkId('device id', 'dev-1:a.b+c%d_e#f*g?h!i(j)k,l=m@n;o$p\'q')).toBeUndefined();
    expect(checkId('device id', 'a/b')).toMatch(/contains "\/"/);
    expect(checkId('message id', 'x'.repeat(129))).toMatch(/129 characters/);
    expect(checkId('message id', '')).toMatch(/empty/);
  });

  it('counts body, system values and property names and values', () => {
    expect(c2dMessageBytes(Buffer.alloc(10), ['abc', undefined], [['kk', 'vvv']])).toBe(10 + 3 + 5);
  });
});
