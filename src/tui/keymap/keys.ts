/**
 * Ink's (input, key) pair as one key name, absorbing Ink 6's quirks: backspace arrives as `key.delete`, `esc`
 * also sets `key.meta`, ctrl+letter arrives as the letter with `key.ctrl`, a paste arrives as one string.
 * Backspace (DEL, 0x7f) and the forward-delete key (`ESC [ 3 ~`) both arrive as `key.delete` with no input:
 * only the raw text of the input event tells them apart, so the App hands it over too (`raw`).
 */
import type { Key } from 'ink';

export type KeyPress =
  /** A named key or chord: `ctrl+s`, `tab`, `enter`, `up`, or a single printable character (`q`, `G`, `?`). */
  | { name: string; text?: undefined }
  /** Text to insert (a paste, or a character with no name). */
  | { name?: undefined; text: string };

/** The forward-delete key's sequences: `ESC [3~`, with modifiers `ESC [3;5~`, rxvt's `ESC [3$` and `ESC [3^`. */
// eslint-disable-next-line no-control-regex -- an escape sequence is what this looks for
const FORWARD_DELETE = /^\u001b\[3[~;$^]/;

export function keyName(input: string, key: Key, raw = ''): KeyPress | undefined {
  if (key.tab) return { name: key.shift ? 'shift+tab' : 'tab' };
  if (key.return) return { name: 'enter' };
  if (key.escape) return { name: 'esc' };
  if (key.upArrow) return { name: 'up' };
  if (key.downArrow) return { name: 'down' };
  if (key.leftArrow) return { name: 'left' };
  if (key.rightArrow) return { name: 'right' };
  if (key.pageUp) return { name: 'pgup' };
  if (key.pageDown) return { name: 'pgdn' };
  if (key.home) return { name: 'home' };
  if (key.end) return { name: 'end' };
  if (key.delete && FORWARD_DELETE.test(raw)) return { name: 'delete' };
  if (key.backspace || key.delete) return { name: 'backspace' };
  if (key.ctrl && input.length === 1) return { name: `ctrl+${input.toLowerCase()}` };
  if (input === ' ') return { name: 'space' };
  if (input.length === 0) return undefined;
  // Control characters that Ink did not name (and stray escape sequences) are not text.
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  const text = input.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
  if (text.length === 0) return undefined;
  if ([...text].length === 1) return { name: text };
  return { text };
}

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL = /[\u0000-\u001f\u007f]/;

function controlKey(ch: string): KeyPress | undefined {
  if (ch === '\t') return { name: 'tab' };
  if (ch === '\r') return { name: 'enter' };
  if (ch === '\n') return { text: '\n' };
  if (ch === '\u007f' || ch === '\b') return { name: 'backspace' };
  const code = ch.charCodeAt(0);
  if (code >= 1 && code <= 26) return { name: `ctrl+${String.fromCharCode(code + 96)}` };
  return undefined;
}

/**
 * The key presses in one input event. Ink hands a run of plain characters over as one string even when it
 * holds tabs, returns or backspaces (typing faster than it reads, or a paste): split those into the keys.
 * `raw` is the input event as the terminal sent it (see the top of this file).
 */
export function keyPresses(input: string, key: Key, raw = ''): KeyPress[] {
  // esc then a key, read together, arrives as meta+key (alt+key does too): treat it as the two keys.
  if (key.meta && !key.escape && !key.ctrl && [...input].length === 1 && !CONTROL.test(input)) return [{ name: 'esc' }, { name: input }];
  if (input.length <= 1 || !CONTROL.test(input) || input.startsWith('\u001b')) {
    const one = keyName(input, key, raw);
    return one ? [one] : [];
  }
  const out: KeyPress[] = [];
  let run = '';
  for (const ch of input) {
    if (!CONTROL.test(ch)) {
      run += ch;
      continue;
    }
    if (run) out.push([...run].length === 1 ? { name: run } : { text: run });
    run = '';
    const k = controlKey(ch);
    if (k) out.push(k);
  }
  if (run) out.push([...run].length === 1 ? { name: run } : { text: run });
  return out;
}
