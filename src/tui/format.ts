/** How values are written on screen: times, sizes, latencies, payload previews, link states (widths: layout.ts). */
import type { LinkState } from '../clients/types.js';
import { displayLines, displayText } from '../core/display-text.js';

/** `HH:MM:SS.mmm`, local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/**
 * A count with thousands grouped, `12,345`, as `toLocaleString('en-US')` writes an integer; without it because
 * the first `toLocaleString` loads ICU's number formatting (≈ 10–40 ms), on the path to the first frame.
 */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A latency in at most 8 columns: `4.2 ms`, `512 ms`, `9999 ms`, `12.5 s`, `734 s`, `2.1 h`. */
export function ms(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 10) return `${n.toFixed(1)} ms`;
  if (n < 10_000) return `${Math.round(n)} ms`;
  if (n < 100_000) return `${(n / 1000).toFixed(1)} s`;
  if (n < 3_600_000) return `${Math.round(n / 1000)} s`;
  return `${(n / 3_600_000).toFixed(1)} h`;
}

function isUtf8(payload: Buffer): boolean {
  return Buffer.from(payload.toString('utf8'), 'utf8').equals(payload);
}

export function hex(payload: Buffer, max = payload.length): string {
  return [...payload.subarray(0, max)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** One line: UTF-8 text (compact JSON where it parses; line breaks as ⏎, the rest shown safely) or hex when not UTF-8. */
export function preview(payload: Buffer, width: number): string {
  if (payload.length === 0) return '(empty)';
  const head = payload.subarray(0, Math.max(width * 4, 256));
  if (!isUtf8(payload.length <= 4096 ? payload : trimUtf8(head))) {
    return `hex ${hex(payload, Math.ceil(width / 3))}`;
  }
  let text = payload.length <= 4096 ? payload.toString('utf8') : head.toString('utf8');
  if (payload.length <= 4096) {
    try {
      text = JSON.stringify(JSON.parse(text));
    } catch {
      // Not JSON: the text as it is.
    }
  }
  return displayText(oneLine(text));
}

/** A buffer cut at `n` bytes may end inside a character: drop the partial tail. */
function trimUtf8(buf: Buffer): Buffer {
  for (let cut = buf.length; cut > buf.length - 4 && cut > 0; cut--) {
    const part = buf.subarray(0, cut);
    if (isUtf8(part)) return part;
  }
  return buf;
}

export function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '⏎').replace(/\t/g, ' ');
}

/** The payload in full, as lines (each shown safely): pretty JSON, text, or a hex dump when not UTF-8. */
export function payloadLines(payload: Buffer): { kind: 'json' | 'text' | 'binary'; lines: string[] } {
  const text = payload.toString('utf8');
  if (isUtf8(payload)) {
    try {
      return { kind: 'json', lines: displayLines(JSON.stringify(JSON.parse(text), null, 2)) };
    } catch {
      return { kind: 'text', lines: displayLines(text) };
    }
  }
  const lines: string[] = [];
  for (let i = 0; i < payload.length; i += 16) {
    const chunk = payload.subarray(i, i + 16);
    const ascii = [...chunk].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${hex(chunk).padEnd(47)}  ${ascii}`);
  }
  return { kind: 'binary', lines };
}

export function linkText(state: LinkState): string {
  return state.reason && state.status !== 'connected' ? `${state.status}: ${displayText(state.reason)}` : state.status;
}

export function linkColor(state: LinkState): 'green' | 'yellow' | 'red' | 'gray' {
  switch (state.status) {
    case 'connected':
      return 'green';
    case 'connecting':
    case 'retrying':
      return 'yellow';
    case 'disconnected':
      return state.reason === 'closed' || state.reason?.startsWith('no ') ? 'gray' : 'red';
  }
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
