/** One row per message sent in this run (and feedback for messages sent elsewhere), with latencies. */
import { Box, Text } from 'ink';
import { displayText } from '../../core/display-text.js';
import { clock, count, ms } from '../format.js';
import { fit, fitColumns, tableRow } from '../layout.js';
import type { ColumnSpec } from '../layout.js';
import { feedbackSummary, visibleRows } from '../selectors.js';
import type { FeedbackRow, RowStatus, State } from '../state/types.js';
import { windowOf } from './device-pane.js';

const STATUS_COLOR: Partial<Record<RowStatus, string>> = {
  Success: 'green',
  Rejected: 'red',
  Expired: 'red',
  DeliveryCountExceeded: 'red',
  Purged: 'yellow',
  refused: 'red',
  sending: 'gray',
  enqueued: 'yellow',
  received: 'cyan',
};
const ACK_SHORT = { none: 'none', positive: 'pos', negative: 'neg', full: 'full' } as const;

type ColumnId = 'sent' | 'ack' | 'status' | 'enqueue' | 'device' | 'fback' | 'to' | 'messageId';

/** The columns, most important kept longest: the messageId goes last, then the status. */
const COLUMNS: ReadonlyArray<ColumnSpec<ColumnId>> = [
  { id: 'sent', width: 12, min: 8, priority: 2 },
  { id: 'ack', width: 4, priority: 3 },
  { id: 'status', width: 21, min: 9, priority: 9 },
  { id: 'enqueue', width: 8, priority: 4 },
  { id: 'device', width: 8, priority: 5 },
  { id: 'fback', width: 8, priority: 6 },
  { id: 'to', width: 12, min: 8, priority: 1 },
  { id: 'messageId', width: 12, priority: 10, grow: true },
];
const TITLES: Record<ColumnId, string> = { sent: 'sent', ack: 'ack', status: 'status', enqueue: 'enqueue', device: 'device', fback: 'fback', to: 'to device', messageId: 'messageId' };

/** The Feedback pane's columns at `width` (the "to device" column only from 100 columns). */
export function feedbackColumns(width: number): Array<{ id: ColumnId; width: number }> {
  return fitColumns(
    COLUMNS.filter((c) => c.id !== 'to' || width >= 100),
    width,
  );
}

function line(row: FeedbackRow, columns: ReadonlyArray<{ id: ColumnId; width: number }>): string {
  return tableRow(columns, {
    sent: row.sentMs ? clock(row.sentMs) : '',
    ack: row.ack ? ACK_SHORT[row.ack] : '',
    status: row.mine ? row.status : `${row.status} (elsewhere)`,
    enqueue: ms(row.enqueueLatency),
    device: ms(row.receiptLatency),
    fback: ms(row.feedbackLatency),
    to: displayText(row.deviceId),
    messageId: displayText(row.messageId),
  });
}

export function FeedbackPane({ state, height, width }: { state: State; height: number; width: number }): React.JSX.Element {
  const rows = visibleRows(state);
  const { counts, medianMs } = feedbackSummary(state);
  const columns = feedbackColumns(width);
  const remote = !state.local && state.service.feedbackEnabled;
  const listHeight = Math.max(1, height - 4 - (remote ? 1 : 0));
  const { start, selected } = windowOf(rows.length, state.feedback.cursor, listHeight);
  const visible = rows.slice(start, start + listHeight);
  const current = rows[selected];
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        {counts.length === 0 ? 'Nothing sent yet.' : counts.map(([status, n]) => `${status} ${count(n)}`).join(' · ')}
        {medianMs !== undefined ? ` · median to feedback ${ms(medianMs)}` : ''}
        <Text color="cyan">{` · filter: ${state.feedback.filter} (/)`}</Text>
      </Text>
      {remote ? (
        <Text color="yellow" wrap="truncate-end">
          Reading feedback takes it off this hub's single feedback queue (--no-feedback leaves it to another reader).
        </Text>
      ) : null}
      <Text dimColor wrap="truncate-end">
        {tableRow(columns, TITLES)}
      </Text>
      {visible.length === 0 ? (
        <Text dimColor>{state.feedback.rows.size === 0 ? 'Send a message from the Send pane (2): its fate shows here.' : 'No row matches the filter (/ for the next one).'}</Text>
      ) : (
        visible.map((row, i) => (
          <Text key={row.messageId} inverse={start + i === selected && state.feedback.cursor !== undefined} color={STATUS_COLOR[row.status]} wrap="truncate-end">
            {line(row, columns)}
          </Text>
        ))
      )}
      <Box flexGrow={1} />
      <Text wrap="truncate-end" dimColor>
        {current ? fit(displayText(`${current.messageId} → ${current.deviceId}${current.note ? `: ${current.note}` : current.record ? `: ${current.record.description}` : ''}`), width) : ' '}
      </Text>
    </Box>
  );
}
