/** Counts on screen (src/tui/format.ts `count`): grouped as toLocaleString('en-US') groups them, without loading ICU. */
import { describe, expect, it } from 'vitest';
import { count } from '../../src/tui/format.js';

describe('count', () => {
  it('groups thousands exactly as en-US does', () => {
    for (const n of [0, 7, 42, 999, 1000, 1001, 12_345, 100_000, 999_999, 1_000_000, 40_000, 123_456_789, 2 ** 31, Number.MAX_SAFE_INTEGER, -1, -1234, -1_000_000]) {
      expect(count(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
