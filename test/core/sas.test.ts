import { describe, expect, it } from 'vitest';
import { createSasToken, parseSasToken, signedWith, strictEncode } from '../../src/core/sas.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('SAS tokens', () => {
  it('signs sr + newline + se and verifies with the same key only', () => {
    const token = createSasToken('localhost/devices/dev1', KEY, 2_000_000_000);
    expect(token).toMatch(/^SharedAccessSignature sr=localhost%2Fdevices%2Fdev1&sig=.+&se=2000000000$/);
    const parsed = parseSasToken(token);
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(signedWith(parsed, KEY)).toBe(true);
    expect(signedWith(parsed, Buffer.alloc(32, 8).toString('base64'))).toBe(false);
    expect(signedWith({ ...parsed, se: parsed.se + 1 }, KEY)).toBe(false);
  });

  it('parses fields in any order and keeps skn', () => {
    const parsed = parseSasToken('SharedAccessSignature se=12&skn=service&sig=abc&sr=host');
    expect(parsed).toEqual({ sr: 'host', sig: 'abc', se: 12, skn: 'service' });
  });

  it('explains what is wrong with a malformed token', () => {
    expect(parseSasToken('Bearer x')).toBe('not a SharedAccessSignature token');
    expect(parseSasToken('SharedAccessSignature sr=a&sig=b')).toBe('the token needs sr, sig and se');
    expect(parseSasToken('SharedAccessSignature sr=a&sig=b&se=soon')).toMatch(/not a number/);
  });

  it('encodes like the SDKs, including ! \' ( ) *', () => {
    expect(strictEncode("a/b!'()*")).toBe('a%2Fb%21%27%28%29%2A');
  });
});
