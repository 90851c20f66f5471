/** Display widths and table columns that fit the terminal (src/tui/layout.ts), the Device pane's columns, the payload editor's rows. */
import { describe, expect, it } from 'vitest';
import { displayWidth, fit, fitColumns, fitTail, graphemes } from '../../src/tui/layout.js';
import { deviceColumns } from '../../src/tui/panes/device-pane.js';
import { payloadRows } from '../../src/tui/panes/send-pane.js';

describe('display width', () => {
  it('counts wide characters as two, combining marks as none, and emoji sequences at their widest', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('漢字')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    // A thumbs-up with a skin tone: 2 columns in some terminals, 4 in others; counted as 4 so it never wraps.
    expect(displayWidth('👍🏽')).toBe(4);
    expect(displayWidth('🙂')).toBe(2);
  });

  it('fits text to a width at grapheme boundaries, with an ellipsis when cut, padded on request', () => {
    expect(fit('hello world', 5)).toBe('hell…');
    expect(fit('hi', 5, { pad: true })).toBe('hi   ');
    expect(fit('漢字漢字', 5)).toBe('漢字…');
    expect(displayWidth(fit('👍🏽👍🏽👍🏽', 9, { pad: true }))).toBe(9);
    expect(fit('👍🏽👍🏽', 5, { ellipsis: false })).toBe('👍🏽');
    expect(fit('e\u0301e\u0301e\u0301', 2, { ellipsis: false })).toBe('e\u0301e\u0301');
  });
});

describe('table columns', () => {
  const specs = [
    { id: 'a', width: 10, min: 5, priority: 1 },
    { id: 'id', width: 16, min: 10, priority: 9 },
    { id: 'b', width: 6, priority: 2 },
    { id: 'rest', width: 8, priority: 5, grow: true },
  ];

  it('gives the growing column what is left when everything fits', () => {
    expect(fitColumns(specs, 60)).toEqual([
      { id: 'a', width: 10 },
      { id: 'id', width: 16 },
      { id: 'b', width: 6 },
      { id: 'rest', width: 25 },
    ]);
  });

  it('shrinks the least important first, then drops them; the most important goes last', () => {
    expect(fitColumns(specs, 38)).toEqual([
      { id: 'a', width: 5 },
      { id: 'id', width: 16 },
      { id: 'b', width: 6 },
      { id: 'rest', width: 8 },
    ]);
    expect(fitColumns(specs, 30).map((c) => c.id)).toEqual(['id', 'b', 'rest']);
    expect(fitColumns(specs, 12)).toEqual([{ id: 'id', width: 12 }]);
    expect(fitColumns(specs, 8)).toEqual([{ id: 'id', width: 8 }]);
  });

  it('the Device pane keeps messageId at 60 columns and shows the device column only for several connections', () => {
    const narrow = deviceColumns(60, true).map((c) => c.id);
    expect(narrow).toContain('messageId');
    expect(narrow).toContain('device');
    expect(deviceColumns(120, false).map((c) => c.id)).toEqual(['time', 'mark', 'messageId', 'corrId', 'size', 'props', 'payload']);
    for (const width of [40, 60, 80, 120]) {
      const cols = deviceColumns(width, true);
      expect(cols.reduce((n, c) => n + c.width, 0) + cols.length - 1).toBeLessThanOrEqual(width);
    }
  });
});

describe('payload editor rows', () => {
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  const shown = (rows: ReturnType<typeof payloadRows>): string[] => rows.map((r) => r.value);

  it('shows every line that fits, else the lines around the caret with counts above and below', () => {
    expect(shown(payloadRows(['a', 'b'], 0, 3))).toEqual(['a', 'b']);
    expect(shown(payloadRows(lines, undefined, 3))).toEqual(['line 0', 'line 1', '… 18 more lines']);
    expect(shown(payloadRows(lines, 10, 6))).toEqual(['… 8 lines above', 'line 8', 'line 9', 'line 10', 'line 11', '… 8 more lines']);
    expect(shown(payloadRows(lines, 19, 5))).toEqual(['… 16 lines above', 'line 16', 'line 17', 'line 18', 'line 19']);
    expect(shown(payloadRows(lines, 1, 5))).toEqual(['line 0', 'line 1', 'line 2', 'line 3', '… 16 more lines']);
    for (let caret = 0; caret < 20; caret++) {
      const rows = payloadRows(lines, caret, 7);
      expect(rows).toHaveLength(7);
      expect(rows.some((r) => r.line === caret)).toBe(true);
    }
  });
});

describe('long text (a 60 KB payload line)', () => {
  const family = '👨‍👩‍👧'; // one cluster of 8 code units
  it('graphemes keeps a cluster whole where it straddles the segmenter pieces, and loses nothing', () => {
    for (const before of [440, 445, 447, 448, 505, 508, 511, 512, 513]) {
      const text = `${'x'.repeat(before)}${family}é${'y'.repeat(600)}`;
      const clusters = [...graphemes(text)];
      expect(clusters.join('')).toBe(text);
      expect(clusters[before]).toBe(family);
      expect(clusters).toHaveLength(before + 2 + 600);
    }
  });
  it('displayWidth, fit and fitTail on 60,000 characters with wide ones', () => {
    const text = `${'é'.repeat(30_000)}${'界'.repeat(15_000)}${family}`;
    expect(displayWidth(text)).toBe(30_000 + 30_000 + displayWidth(family));
    expect(fit(text, 10)).toBe(`${'é'.repeat(9)}…`);
    // The family counts 6 columns (three wide emoji), the ellipsis 1: one 界 fits before it.
    expect(fitTail(text, 9)).toBe(`…界${family}`);
  });
});
