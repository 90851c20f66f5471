/** One row per message sent in this run (and feedback for messages sent elsewhere), with latencies. */
import { Box, Text } from 'ink';
import { cell, clock, ms } from '../format.js';
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

function line(row: FeedbackRow, wide: boolean, width: number): string {
  const status = row.mine ? row.status : `${row.status} (elsewhere)`;
  const head = `${cell(row.sentMs ? clock(row.sentMs) : '', 12)} ${cell(row.ack ? ACK_SHORT[row.ack] : '', 4)} ${cell(status, 21)} ${cell(ms(row.enqueueLatency), 7)} ${cell(ms(row.receiptLatency), 7)} ${cell(ms(row.feedbackLatency), 7)} `;
  const device = wide ? `${cell(row.deviceId, 12)} ` : '';
  return cell(head + device + row.messageId, width);
}

export function FeedbackPane({ state, height, width }: { state: State; height: number; width: number }): React.JSX.Element {
  const rows = visibleRows(state);
  const { counts, medianMs } = feedbackSummary(state);
  const wide = width >= 100;
  const remote = !state.local && state.service.feedbackEnabled;
  const listHeight = Math.max(1, height - 4 - (remote ? 1 : 0));
  const { start, selected } = windowOf(rows.length, state.feedback.cursor, listHeight);
  const visible = rows.slice(start, start + listHeight);
  const current = rows[selected];
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end">
        {counts.length === 0 ? 'Nothing sent yet.' : counts.map(([status, n]) => `${status} ${n.toLocaleString('en-US')}`).join(' · ')}
        {medianMs !== undefined ? ` · median to feedback ${ms(medianMs)}` : ''}
        <Text color="cyan">{` · filter: ${state.feedback.filter} (/)`}</Text>
      </Text>
      {remote ? (
        <Text color="yellow" wrap="truncate-end">
          Reading feedback takes it off this hub's single feedback queue (--no-feedback leaves it to another reader).
        </Text>
      ) : null}
      <Text dimColor wrap="truncate-end">
        {`${cell('sent', 12)} ${cell('ack', 4)} ${cell('status', 21)} ${cell('enqueue', 7)} ${cell('device', 7)} ${cell('fback', 7)} ${wide ? `${cell('to device', 12)} ` : ''}messageId`}
      </Text>
      {visible.length === 0 ? (
        <Text dimColor>{state.feedback.rows.size === 0 ? 'Send a message from the Send pane (2): its fate shows here.' : 'No row matches the filter (/ for the next one).'}</Text>
      ) : (
        visible.map((row, i) => (
          <Text key={row.messageId} inverse={start + i === selected && state.feedback.cursor !== undefined} color={STATUS_COLOR[row.status]} wrap="truncate-end">
            {line(row, wide, width)}
          </Text>
        ))
      )}
      <Box flexGrow={1} />
      <Text wrap="truncate-end" dimColor>
        {current ? `${current.messageId} → ${current.deviceId}${current.note ? `: ${current.note}` : current.record ? `: ${current.record.description}` : ''}` : ' '}
      </Text>
    </Box>
  );
}
