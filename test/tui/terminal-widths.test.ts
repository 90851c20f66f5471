/**
 * The TUI's widths agree with the terminal's: no code point is drawn by xterm.js wider than layout.ts counts
 * it, so no line it fits to a pane can wrap (src/tui/terminal-widths.ts, npm run widths).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { terminalWidthsSource } from '../../scripts/terminal-widths.js';
import { displayWidth, fit } from '../../src/tui/layout.js';

describe('terminal widths', () => {
  it('src/tui/terminal-widths.ts is what the installed xterm.js and string-width generate (npm run widths)', () => {
    expect(readFileSync(new URL('../../src/tui/terminal-widths.ts', import.meta.url), 'utf8')).toBe(terminalWidthsSource());
  }, 60_000);

  it('marks newer than Unicode 6 count a column each, as xterm.js draws them; older ones none', () => {
    const marks = `x${'\u1ab0'.repeat(40)}y`;
    expect(displayWidth(marks)).toBe(42);
    expect(displayWidth(fit(marks, 10))).toBeLessThanOrEqual(10);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\u2fe0\u115f')).toBe(4);
  });
});
