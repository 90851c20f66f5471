/** The one rule for showing text from elsewhere on a terminal or in a log (src/core/display-text.ts). */
import { describe, expect, it } from 'vitest';
import { displayLines, displayText } from '../../src/core/display-text.js';

describe('displayText', () => {
  it('escapes C0, DEL, C1, bidi, separators and invisible format characters', () => {
    expect(displayText('a\u001b[2J\u0007\u0008\r\n\t\u0000\u007f')).toBe('a\\u001b[2J\\u0007\\u0008\\u000d\\u000a\\u0009\\u0000\\u007f');
    expect(displayText('\u009b2J\u0085\u009d')).toBe('\\u009b2J\\u0085\\u009d');
    expect(displayText('\u202eexe.txt\u2066\u200e\u061c')).toBe('\\u202eexe.txt\\u2066\\u200e\\u061c');
    expect(displayText('a\u2028b\u2029c\u00ad\u200b\u2060\ufeff')).toBe('a\\u2028b\\u2029c\\u00ad\\u200b\\u2060\\ufeff');
  });

  it('leaves text, wide characters, emoji sequences, joiners and combining marks as they are', () => {
    for (const text of ['plain ASCII ~!@#', 'é ü ß ñ', '中文字符', '👍🏽 👨‍👩‍👧 🇯🇵 ❤️', 'e\u0301', 'क्‍ष', 'back\\slash']) expect(displayText(text)).toBe(text);
  });
});

describe('displayLines', () => {
  it('splits at LF and CR LF, expands tabs to 8-column stops, and escapes a lone CR', () => {
    expect(displayLines('a\tb\r\nab\tc\nx\ry\u001b')).toEqual(['a       b', 'ab      c', 'x\\u000dy\\u001b']);
  });
});
