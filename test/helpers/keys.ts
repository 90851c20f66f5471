/** The bytes a terminal sends for the keys the TUI tests press, for the pty (pty.ts) and Ink (tui/harness.tsx) alike. */
export const KEYS = {
  tab: '\t',
  shiftTab: '\u001b[Z',
  enter: '\r',
  esc: '\u001b',
  backspace: '\u007f',
  up: '\u001b[A',
  down: '\u001b[B',
  left: '\u001b[D',
  right: '\u001b[C',
  home: '\u001b[H',
  end: '\u001b[F',
  /** The forward-delete key (backspace is DEL, 0x7f). */
  delete: '\u001b[3~',
  /** alt+key: ESC, then the key. */
  alt: (key: string): string => `\u001b${key}`,
  ctrl: (letter: string): string => String.fromCharCode(letter.toLowerCase().charCodeAt(0) - 96),
} as const;
