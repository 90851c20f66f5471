/**
 * Widths on a terminal: the display width of text (wide characters, emoji, combining marks) and table columns
 * that fit a width by giving up the least important first. Pure functions.
 *
 * Terminals disagree about emoji sequences (a thumbs-up with a skin tone is 2 columns in one, 4 in another,
 * and xterm.js draws it in 2 narrow cells). A line that is wider on the terminal than the layout thought wraps
 * and scrolls the whole screen, so a cluster of several code points is counted at its widest: the sum of its
 * code points' widths, or its own width when that is more. Such text may end a little short; it never wraps.
 * A code point counts as wide as any terminal we know draws it: xterm.js keeps Unicode 6's widths, so a mark
 * added since is a column there (none to string-width), and a line of such marks would wrap
 * (terminal-widths.ts).
 */
import stringWidth from 'string-width';
import { DRAWN_ONE, DRAWN_TWO } from './terminal-widths.js';

/** Made on first use: the first Intl.Segmenter loads ICU (≈ 10–20 ms), which the first frame does not need. */
let segmenter: Intl.Segmenter | undefined;
const ASCII = /^[\x20-\x7e]*$/;

/**
 * The grapheme clusters of `text`, in order. V8's segmenter gets slower with every step on a long string
 * (60,000 characters took 23 s, a 60 KB payload line in the Send form), so it is given the text a piece at a
 * time. The clusters near a piece's end may be cut short by it (a cluster, or a surrogate pair, split at the
 * cut): they are segmented again at the start of the next piece.
 */
export function* graphemes(text: string): Generator<string> {
  const PIECE = 512;
  const MARGIN = 64;
  let start = 0;
  while (start < text.length) {
    const end = Math.min(text.length, start + PIECE);
    const last = end === text.length;
    const piece = text.slice(start, end);
    let taken = 0;
    for (const { segment, index } of (segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' })).segment(piece)) {
      // A first cluster that reaches the margin is one of hundreds of code units (combining marks): kept as is.
      if (!last && taken > 0 && index + segment.length > piece.length - MARGIN) break;
      yield segment;
      taken = index + segment.length;
    }
    if (last) return;
    start += taken;
  }
}

/** The columns one code point may take, at most: string-width's count, or a terminal's when that is more. */
function codePointWidth(cp: string): number {
  const counted = stringWidth(cp);
  if (counted >= 2) return counted;
  if (DRAWN_TWO.test(cp)) return 2;
  return counted === 0 && DRAWN_ONE.test(cp) ? 1 : counted;
}

/** The columns one grapheme cluster may take, at most. */
function clusterWidth(cluster: string): number {
  if (cluster.length === 1) return codePointWidth(cluster);
  let sum = 0;
  for (const cp of cluster) sum += codePointWidth(cp);
  return Math.max(stringWidth(cluster), sum);
}

/** The columns `text` may take on a terminal (see the top of this file). */
export function displayWidth(text: string): number {
  if (ASCII.test(text)) return text.length;
  let width = 0;
  for (const segment of graphemes(text)) width += clusterWidth(segment);
  return width;
}

/**
 * `text` in at most `width` columns: cut at a grapheme boundary, with `…` when cut (`ellipsis`), and padded
 * with spaces to exactly `width` when `pad`.
 */
export function fit(text: string, width: number, options: { pad?: boolean; ellipsis?: boolean } = {}): string {
  const { pad = false, ellipsis = true } = options;
  if (width <= 0) return '';
  if (ASCII.test(text)) {
    if (text.length > width) return ellipsis ? `${text.slice(0, width - 1)}…` : text.slice(0, width);
    return pad ? text.padEnd(width) : text;
  }
  const room = ellipsis ? width - 1 : width;
  let out = '';
  let used = 0;
  let cut = false;
  let atRoom = '';
  let usedAtRoom = 0;
  for (const segment of graphemes(text)) {
    const w = clusterWidth(segment);
    if (used + w > width) {
      cut = true;
      break;
    }
    out += segment;
    used += w;
    if (used <= room) {
      atRoom = out;
      usedAtRoom = used;
    }
  }
  if (cut && ellipsis) {
    out = `${atRoom}…`;
    used = usedAtRoom + 1;
  }
  return pad && used < width ? out + ' '.repeat(width - used) : out;
}

/** The end of `text` in at most `width` columns, with `…` in front when cut (a line scrolled to its caret). */
export function fitTail(text: string, width: number): string {
  if (width <= 0) return '';
  // Only the end can show: never segment more than the last few code units per column.
  const tail = text.length > width * 16 + 64 ? text.slice(-(width * 16 + 64)) : text;
  if (tail === text && displayWidth(text) <= width) return text;
  const clusters = [...graphemes(tail)];
  // The first cluster of a cut tail may be the end of a longer one.
  if (tail !== text) clusters.shift();
  let out = '';
  let used = 1;
  for (let i = clusters.length - 1; i >= 0; i--) {
    const w = clusterWidth(clusters[i] as string);
    if (used + w > width) break;
    out = (clusters[i] as string) + out;
    used += w;
  }
  return `…${out}`;
}

/** A table column: its ideal width, the least it can shrink to, and how important it is to keep. */
export interface ColumnSpec<Id extends string = string> {
  id: Id;
  /** Ideal width in columns. */
  width: number;
  /** It may shrink to this before any column is dropped (default: its width, it does not shrink). */
  min?: number;
  /** Higher is kept longer: the lowest-priority column shrinks, then goes first. */
  priority: number;
  /** Takes whatever width is left over (at most one column; its `width` is then its minimum). */
  grow?: boolean;
}

/**
 * The columns that fit in `total` columns with `gap` between each, in their given order, each with its width.
 * First every column shrinks to its `min`, least important first; then the least important go (and what
 * they leave goes back to those that shrank). The most important column stays even alone, cut to `total`.
 */
export function fitColumns<Id extends string>(specs: ReadonlyArray<ColumnSpec<Id>>, total: number, gap = 1): Array<{ id: Id; width: number }> {
  const kept = specs.map((s) => ({ spec: s, width: s.width }));
  const used = (): number => kept.reduce((n, c) => n + c.width, 0) + gap * Math.max(0, kept.length - 1);
  const byPriority = [...kept].sort((a, b) => a.spec.priority - b.spec.priority);
  for (const c of byPriority) {
    if (used() <= total) break;
    const min = c.spec.min ?? c.spec.width;
    c.width = Math.max(min, c.width - (used() - total));
  }
  for (const c of byPriority) {
    if (used() <= total || kept.length === 1) break;
    kept.splice(kept.indexOf(c), 1);
  }
  if (kept.length === 1 && used() > total) (kept[0] as { width: number }).width = Math.max(0, total);
  // Room that dropping freed goes back to the columns that shrank, most important first.
  for (const c of [...kept].sort((a, b) => b.spec.priority - a.spec.priority)) {
    const slack = total - used();
    if (slack <= 0) break;
    c.width += Math.min(slack, c.spec.width - c.width);
  }
  const grow = kept.find((c) => c.spec.grow);
  if (grow) grow.width += Math.max(0, total - used());
  return kept.map((c) => ({ id: c.spec.id, width: c.width }));
}

/** One table row: each column's text cut (no ellipsis: ASCII rows stay ASCII, which Ink draws fastest) to its width. */
export function tableRow<Id extends string>(columns: ReadonlyArray<{ id: Id; width: number }>, cells: Partial<Record<Id, string>>, gap = 1): string {
  const sep = ' '.repeat(gap);
  return columns.map((c, i) => fit(cells[c.id] ?? '', c.width, { pad: i < columns.length - 1, ellipsis: false })).join(sep);
}
