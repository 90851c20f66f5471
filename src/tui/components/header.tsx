/** Two lines: the hub, the service side and the feedback receiver; the device, its transport and queue. */
import { Box, Text } from 'ink';
import type { LinkState } from '../../clients/types.js';
import { displayText } from '../../core/display-text.js';
import { LIMITS } from '../../core/types.js';
import { linkColor, linkText } from '../format.js';
import type { State } from '../state/types.js';

function Link({ label, state }: { label: string; state: LinkState }): React.JSX.Element {
  return (
    <Text>
      {label} <Text color={linkColor(state)}>● {linkText(state)}</Text>
    </Text>
  );
}

export function Header({ state, width }: { state: State; width: number }): React.JSX.Element {
  const d = state.device;
  const depth = d.queueDepth;
  const queueColor = depth === undefined ? 'gray' : depth >= LIMITS.queueDepth ? 'red' : depth >= LIMITS.queueDepth * 0.8 ? 'yellow' : 'green';
  const queueText = depth === undefined ? 'queue ?' : depth >= LIMITS.queueDepth ? `queue ${depth}/${LIMITS.queueDepth} FULL` : depth >= LIMITS.queueDepth * 0.8 ? `queue ${depth}/${LIMITS.queueDepth} nearly full` : `queue ${depth}/${LIMITS.queueDepth}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          iot-c2d
        </Text>{' '}
        hub <Text bold>{displayText(state.hubLabel)}</Text>
        {'  '}
        <Link label="service" state={state.service.link} />
        {'  '}
        <Link label="feedback" state={state.service.feedbackLink} />
      </Text>
      <Text wrap="truncate-end">
        device <Text bold>{d.id === undefined ? '(none)' : displayText(d.id)}</Text> {d.transport} <Text color={linkColor(d.link)}>● {linkText(d.link)}</Text>
        {'  '}
        <Text color={queueColor}>{queueText}</Text>
        {'  '}settle {d.settleMode === 'auto' ? 'auto-complete' : 'manual'}
      </Text>
    </Box>
  );
}
