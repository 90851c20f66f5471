/** Received messages, newest last, following the tail unless the user moved up. */
import { Box, Text } from 'ink';
import { cell, clock, col, preview } from '../format.js';
import type { MessageView, State } from '../state/types.js';

/** ASCII on purpose: a row of plain ASCII is measured and drawn several times faster by Ink (string-width). */
const SETTLED_MARK: Record<string, string> = { acknowledged: '+', completed: '+', rejected: 'x', abandoned: '@' };

/** Which slice of the list is on screen: the selected row stays visible, the tail when following. */
export function windowOf(length: number, cursor: number | undefined, height: number): { start: number; selected: number } {
  const selected = cursor ?? length - 1;
  const start = Math.max(0, Math.min(length - height, selected - height + 1));
  return { start: Math.max(0, start), selected };
}

function row(view: MessageView, width: number): string {
  const m = view.message;
  const fixed = `${col(clock(m.receivedMs), 12)} ${SETTLED_MARK[view.settled ?? ''] ?? '.'} ${col(m.messageId ?? '', 16)} ${col(m.correlationId ?? '', 10)} ${col(`${view.size}B`, 7)} ${col(`${m.properties.length}p`, 3)} `;
  return fixed + preview(m.payload, Math.max(8, width - fixed.length)).slice(0, Math.max(0, width - fixed.length));
}

export function DevicePane({ state, height, width }: { state: State; height: number; width: number }): React.JSX.Element {
  const d = state.device;
  if (!d.configured && d.messages.length === 0) {
    return (
      <Box flexDirection="column" height={height}>
        <Text color={d.error ? 'red' : undefined} wrap="wrap">
          {d.error ?? 'No device connected.'}
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
  const held = d.total > d.messages.length ? ` (holding the newest ${d.messages.length.toLocaleString('en-US')})` : '';
  const mqtt = d.transport === 'mqtt' || d.transport === 'mqtt-ws';
  const mqttManual = d.settleMode === 'manual' && mqtt;
  return (
    <Box flexDirection="column" height={height}>
      <Text wrap="truncate-end" color={d.error ? 'red' : mqttManual ? 'yellow' : undefined}>
        {d.error
          ? d.error
          : mqttManual
            ? 'Manual settle, but MQTT acknowledges each message on arrival: reject and abandon are unavailable (t: amqp or http).'
            : `${d.total.toLocaleString('en-US')} received${held} · ${d.cursor === undefined ? 'following the tail' : `row ${selected + 1} of ${d.messages.length} (G: follow)`}${mqtt ? ' · reject/abandon unavailable over MQTT (acknowledged on arrival)' : ''}`}
      </Text>
      <Text dimColor wrap="truncate-end">
        {`${cell('time', 12)}   ${cell('messageId', 16)} ${cell('corrId', 10)} ${cell('size', 7)} ${cell('pr', 3)} payload`}
      </Text>
      {visible.length === 0 ? (
        <Text dimColor>No messages yet. Send one from the Send pane (2).</Text>
      ) : (
        visible.map((view, i) => (
          <Text key={view.message.id} inverse={start + i === selected && d.cursor !== undefined} wrap="truncate-end">
            {row(view, width)}
          </Text>
        ))
      )}
    </Box>
  );
}
