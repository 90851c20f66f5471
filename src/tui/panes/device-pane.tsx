/** Received messages, newest last, following the tail unless the user moved up. */
import { Box, Text } from 'ink';
import { displayText } from '../../core/display-text.js';
import { clock, count, preview } from '../format.js';
import { fitColumns, tableRow } from '../layout.js';
import type { ColumnSpec } from '../layout.js';
import type { MessageView, State } from '../state/types.js';

/** ASCII on purpose: a row of plain ASCII is measured and drawn several times faster by Ink (string-width). */
const SETTLED_MARK: Record<string, string> = { acknowledged: '+', completed: '+', rejected: 'x', abandoned: '@' };

/** Which slice of the list is on screen: the selected row stays visible, the tail when following. */
export function windowOf(length: number, cursor: number | undefined, height: number): { start: number; selected: number } {
  const selected = cursor ?? length - 1;
  const start = Math.max(0, Math.min(length - height, selected - height + 1));
  return { start: Math.max(0, start), selected };
}

type ColumnId = 'time' | 'mark' | 'device' | 'messageId' | 'corrId' | 'size' | 'props' | 'payload';

/** The columns, most important kept longest: the messageId goes last, the mark with it. */
const COLUMNS: ReadonlyArray<ColumnSpec<ColumnId>> = [
  { id: 'time', width: 12, min: 8, priority: 3 },
  { id: 'mark', width: 1, priority: 9 },
  { id: 'device', width: 22, min: 8, priority: 4 },
  { id: 'messageId', width: 16, min: 10, priority: 10 },
  { id: 'corrId', width: 10, min: 6, priority: 2 },
  { id: 'size', width: 7, min: 5, priority: 5 },
  { id: 'props', width: 3, priority: 1 },
  { id: 'payload', width: 8, priority: 6, grow: true },
];
const TITLES: Record<ColumnId, string> = { time: 'time', mark: ' ', device: 'device (conn)', messageId: 'messageId', corrId: 'corrId', size: 'size', props: 'pr', payload: 'payload' };

/** The Device pane's columns at `width`; the device column only when the list holds more than one connection. */
export function deviceColumns(width: number, severalConnections: boolean): Array<{ id: ColumnId; width: number }> {
  return fitColumns(
    COLUMNS.filter((c) => c.id !== 'device' || severalConnections),
    width,
  );
}

function row(view: MessageView, columns: ReadonlyArray<{ id: ColumnId; width: number }>): string {
  const m = view.message;
  const payloadWidth = columns.find((c) => c.id === 'payload')?.width ?? 0;
  return tableRow(columns, {
    time: clock(m.receivedMs),
    mark: SETTLED_MARK[view.settled ?? ''] ?? '.',
    device: `${displayText(view.deviceId)} ${m.transport} #${view.connection}`,
    messageId: displayText(m.messageId ?? ''),
    corrId: displayText(m.correlationId ?? ''),
    size: `${view.size}B`,
    props: `${m.properties.length}p`,
    payload: payloadWidth > 0 ? preview(m.payload, payloadWidth) : '',
  });
}

export function DevicePane({ state, height, width }: { state: State; height: number; width: number }): React.JSX.Element {
  const d = state.device;
  if (!d.configured && d.messages.length === 0) {
    return (
      <Box flexDirection="column" height={height}>
        <Text color={d.error ? 'red' : undefined} wrap="wrap">
          {d.error ? displayText(d.error) : 'No device connected.'}
        </Text>
        <Text> </Text>
        <Text wrap="wrap">Press p to paste a device connection string (HostName=…;DeviceId=…;SharedAccessKey=…), or start with --device.</Text>
        <Text wrap="wrap">The Send pane works without a device.</Text>
      </Box>
    );
  }
  const listHeight = Math.max(1, height - 2);
  const { start, selected } = windowOf(d.messages.length, d.cursor, listHeight);
  const visible = d.messages.slice(start, start + listHeight);
  // Connections only grow: the list holds several when its first and last messages came over different ones.
  const several = d.messages.length > 1 && (d.messages[0] as MessageView).connection !== (d.messages[d.messages.length - 1] as MessageView).connection;
  const columns = deviceColumns(width, several);
  const held = d.total > d.messages.length ? ` (holding the newest ${count(d.messages.length)})` : '';
  const mqtt = d.transport === 'mqtt' || d.transport === 'mqtt-ws';
  const mqttManual = d.settleMode === 'manual' && mqtt;
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end" color={d.error ? 'red' : mqttManual ? 'yellow' : undefined}>
        {d.error
          ? displayText(d.error)
          : mqttManual
            ? 'Manual settle, but MQTT acknowledges each message on arrival: reject and abandon are unavailable (t: amqp or http).'
            : `${count(d.total)} received${held} · ${d.cursor === undefined ? 'following the tail' : `row ${selected + 1} of ${d.messages.length} (G: follow)`}${mqtt ? ' · reject/abandon unavailable over MQTT (acknowledged on arrival)' : ''}`}
      </Text>
      <Text dimColor wrap="truncate-end">
        {tableRow(columns, TITLES)}
      </Text>
      {visible.length === 0 ? (
        <Text dimColor>No messages yet. Send one from the Send pane (2).</Text>
      ) : (
        visible.map((view, i) => (
          <Text key={view.uid} inverse={start + i === selected} wrap="truncate-end">
            {row(view, columns)}
          </Text>
        ))
      )}
    </Box>
  );
}
