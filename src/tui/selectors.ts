/** Derived views of the state for the panes: filtered feedback rows, the summary line, the tab counts. */
import { median } from './format.js';
import type { FeedbackRow, State } from './state/types.js';

const FEEDBACK_DONE = new Set(['Success', 'Rejected', 'Expired', 'DeliveryCountExceeded', 'Purged']);
/** The Feedback pane's filters, in the order `/` steps through them (`rowMatches` says what each lets through). */
export const FEEDBACK_FILTERS = ['all', 'pending', 'Success', 'Rejected', 'Expired', 'DeliveryCountExceeded', 'Purged', 'no feedback', 'refused', 'elsewhere'] as const;

export function rowMatches(row: FeedbackRow, filter: string): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'pending':
      return row.status === 'sending' || row.status === 'enqueued' || row.status === 'received';
    case 'no feedback':
      return row.status === 'no feedback requested' || row.status === 'no feedback expected';
    case 'elsewhere':
      return !row.mine;
    default:
      return row.status === filter;
  }
}

let cache: { rows: State['feedback']['rows']; filter: string; out: FeedbackRow[] } | undefined;

/** The feedback rows the filter lets through, oldest first (memoised on the rows map and the filter). */
export function visibleRows(state: State): FeedbackRow[] {
  const { rows, filter } = state.feedback;
  if (cache && cache.rows === rows && cache.filter === filter) return cache.out;
  const out: FeedbackRow[] = [];
  for (const row of rows.values()) if (rowMatches(row, filter)) out.push(row);
  cache = { rows, filter, out };
  return out;
}

/** Rows waiting for their outcome: the count the tab shows. */
export function pendingCount(state: State): number {
  const c = state.feedback.counts;
  return (c.sending ?? 0) + (c.enqueued ?? 0) + (c.received ?? 0);
}

let medianCache: { latencies: number[]; length: number; value: number | undefined } | undefined;

export function feedbackSummary(state: State): { counts: Array<[string, number]>; medianMs: number | undefined } {
  const counts = Object.entries(state.feedback.counts).filter(([, n]) => n > 0);
  counts.sort((a, b) => Number(FEEDBACK_DONE.has(b[0])) - Number(FEEDBACK_DONE.has(a[0])));
  const lat = state.feedback.latencies;
  if (!medianCache || medianCache.latencies !== lat || medianCache.length !== lat.length) medianCache = { latencies: lat, length: lat.length, value: median(lat) };
  return { counts, medianMs: medianCache.value };
}

/** The connection overlay's lines: the strings in use, keys masked, and the CA path. */
export function connectionInfo(state: State): { service?: string; device?: string; caPath?: string } {
  return {
    ...(state.service.masked ? { service: state.service.masked } : {}),
    ...(state.device.masked ? { device: state.device.masked } : {}),
    ...(state.caPath ? { caPath: state.caPath } : {}),
  };
}
