/**
 * The one rule for showing text that came from elsewhere (a message's payload, ids, properties, content type;
 * a device id; a feedback description; an MQTT client id or link address in the hub's log; an error from a
 * remote hub) on a terminal or in a log: it is shown on one line, as it is, except that every character a
 * terminal acts on instead of drawing, or that hides or reorders what is drawn, is written as its `\uXXXX`
 * escape, so that such text can neither drive the terminal (move the cursor, clear the screen, retitle the
 * window, colour what follows) nor forge a line or a column:
 *
 * * the C0 controls U+0000–U+001F (ESC, BEL, backspace, CR, LF, tab, NUL, ...), DEL, and the C1 controls
 *   U+0080–U+009F (U+009B is CSI, U+009D OSC, to terminals that read 8-bit controls);
 * * the bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which reorder what
 *   follows them (`\u202e` makes `txt.exe` read `exe.txt`);
 * * the line and paragraph separators U+2028, U+2029, and the invisible format characters that terminals
 *   disagree on the width of (soft hyphen U+00AD, U+180E, zero width space U+200B, U+2060–U+2064,
 *   U+206A–U+206F, U+FEFF, U+FFF9–U+FFFB).
 *
 * Everything else is drawn as it is, wide characters and emoji included: the zero width joiner and
 * non-joiner (U+200C, U+200D), variation selectors and combining marks belong to the text they are in.
 * A backslash is not escaped: `\u001b` on screen is either the escape of ESC or those six characters.
 * Multi-line views (a payload in full) split the text at its line breaks first and pass each line here.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
/** The same characters without the global flag: test() on it keeps no state between calls. */
const ANY_UNSAFE = new RegExp(UNSAFE.source);

function escape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` made safe to show on one line of a terminal or a log (see the top of this file). */
export function displayText(text: string): string {
  return ANY_UNSAFE.test(text) ? text.replace(UNSAFE, escape) : text;
}

/** Does `text` hold a character that displayText escapes? */
export function hasUnsafeText(text: string): boolean {
  return ANY_UNSAFE.test(text);
}

/**
 * Multi-line text (a payload in full) as safe lines: split at its line breaks (LF or CR LF), tabs expanded
 * to spaces up to the next multiple of 8 columns as a terminal would, and each line passed to displayText.
 */
export function displayLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => displayText(line.includes('\t') ? expandTabs(line) : line));
}

function expandTabs(line: string): string {
  return line.split('\t').reduce((out, part, i) => (i === 0 ? part : `${out}${' '.repeat(8 - (out.length % 8))}${part}`), '');
}
