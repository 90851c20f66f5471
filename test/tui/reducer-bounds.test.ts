/** The feedback rows are bounded; the counts on the tabs and in the summary follow the rows that are held. */
import { expect, it } from 'vitest';
import { MAX_ROWS, initialState, reducer } from '../../src/tui/state/reducer.js';
import type { StreamEvent } from '../../src/tui/state/types.js';
import { pendingCount } from '../../src/tui/selectors.js';

it('evicting the oldest rows takes their statuses out of the counts', () => {
  let state = initialState({ hubLabel: 'test', local: true, transport: 'mqtt', feedbackEnabled: true });
  const extra = 250;
  const events: StreamEvent[] = [];
  for (let i = 0; i < MAX_ROWS + extra; i++) {
    events.push({ type: 'send-started', deviceId: 'd', message: { messageId: `m${i}`, payload: Buffer.from('x'), properties: [], ack: 'full' }, atMs: i });
  }
  // In two batches: rows evicted in a later batch were counted in an earlier one.
  state = reducer(state, { type: 'batch', events: events.slice(0, MAX_ROWS) });
  state = reducer(state, { type: 'batch', events: events.slice(MAX_ROWS) });
  expect(state.feedback.rows.size).toBe(MAX_ROWS);
  expect(pendingCount(state)).toBe(MAX_ROWS);
  expect(state.feedback.counts.sending).toBe(MAX_ROWS);
  expect(state.feedback.rows.has('m0')).toBe(false);
  expect(state.feedback.rows.has(`m${MAX_ROWS + extra - 1}`)).toBe(true);
});
