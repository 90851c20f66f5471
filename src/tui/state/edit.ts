/**
 * Editing text at a cursor, for the Send form's fields and the paste prompt. Pure functions over plain data.
 * The cursor is an offset into the string (UTF-16 units, as `slice` counts) that always sits between two
 * code points: moving and deleting step over a surrogate pair as one character, so an emoji is never split.
 * Lines are separated by `\n`; a column counts code points from the start of its line.
 */

export interface Editing {
  text: string;
  cursor: number;
  /** The column ↑/↓ aim for, kept while they move through shorter lines; any other edit forgets it. */
  goal?: number;
}

export type EditOp =
  | { kind: 'insert'; text: string }
  | { kind: 'delete-back' }
  | { kind: 'delete-forward' }
  | { kind: 'left' }
  | { kind: 'right' }
  | { kind: 'up' }
  | { kind: 'down' }
  | { kind: 'line-start' }
  | { kind: 'line-end' }
  /** Empty the whole text (ctrl+u). */
  | { kind: 'clear' }
  /** Delete from the cursor to the end of its line (ctrl+k). */
  | { kind: 'delete-to-end' };

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** `at` within the text and not inside a surrogate pair (moved back to the pair's start). */
export function clampCursor(text: string, at: number): number {
  const i = Math.max(0, Math.min(text.length, Math.trunc(at)));
  return i > 0 && i < text.length && isLow(text.charCodeAt(i)) && isHigh(text.charCodeAt(i - 1)) ? i - 1 : i;
}

/** The offset one code point before `at`. */
function before(text: string, at: number): number {
  if (at <= 0) return 0;
  return at >= 2 && isLow(text.charCodeAt(at - 1)) && isHigh(text.charCodeAt(at - 2)) ? at - 2 : at - 1;
}

/** The offset one code point after `at`. */
function after(text: string, at: number): number {
  if (at >= text.length) return text.length;
  return isHigh(text.charCodeAt(at)) && at + 1 < text.length && isLow(text.charCodeAt(at + 1)) ? at + 2 : at + 1;
}

function lineStart(text: string, at: number): number {
  return at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
}

function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', at);
  return nl < 0 ? text.length : nl;
}

/** Code points from `from` to `to`. */
function columns(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i = after(text, i)) n++;
  return n;
}

/** The offset `column` code points into the line that starts at `start`, or its end when it is shorter. */
function atColumn(text: string, start: number, column: number): number {
  const end = lineEnd(text, start);
  let i = start;
  for (let n = 0; n < column && i < end; n++) i = after(text, i);
  return i;
}

/** The cursor's line (0-based) and its offset into that line, for drawing the caret. */
export function cursorLine(text: string, cursor: number): { line: number; offset: number } {
  const at = clampCursor(text, cursor);
  const start = lineStart(text, at);
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) line++;
  return { line, offset: at - start };
}

export function applyEdit(editing: Editing, op: EditOp): Editing {
  const { text } = editing;
  const at = clampCursor(text, editing.cursor);
  switch (op.kind) {
    case 'insert':
      return { text: text.slice(0, at) + op.text + text.slice(at), cursor: at + op.text.length };
    case 'delete-back': {
      const from = before(text, at);
      return { text: text.slice(0, from) + text.slice(at), cursor: from };
    }
    case 'delete-forward':
      return { text: text.slice(0, at) + text.slice(after(text, at)), cursor: at };
    case 'left':
      return { text, cursor: before(text, at) };
    case 'right':
      return { text, cursor: after(text, at) };
    case 'line-start':
      return { text, cursor: lineStart(text, at) };
    case 'line-end':
      return { text, cursor: lineEnd(text, at) };
    case 'clear':
      return { text: '', cursor: 0 };
    case 'delete-to-end': {
      const end = lineEnd(text, at);
      // At the end of a line, the line break goes (as in a shell or Emacs).
      return { text: text.slice(0, at) + text.slice(end === at && at < text.length ? at + 1 : end), cursor: at };
    }
    case 'up':
    case 'down': {
      const start = lineStart(text, at);
      const goal = editing.goal ?? columns(text, start, at);
      if (op.kind === 'up') {
        // On the first line there is no line above: the cursor stays.
        if (start === 0) return { text, cursor: at, goal };
        return { text, cursor: atColumn(text, lineStart(text, start - 1), goal), goal };
      }
      const end = lineEnd(text, at);
      if (end === text.length) return { text, cursor: at, goal };
      return { text, cursor: atColumn(text, end + 1, goal), goal };
    }
  }
}
