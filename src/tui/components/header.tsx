/**
 * Two lines: the hub, the service side and the feedback receiver; the device, its transport and queue. A line
 * that does not fit the terminal says it in fewer words, states first (their reasons left to the status line
 * and the connection overlay), so that a narrow terminal still shows every link's state and the queue:
 * `svc ● connected  fb ● connected  local localhost:8883`, `dev ● connected  queue 0/50  demo-device mqtt auto`.
 */
import { Box, Text } from 'ink';
import type { LinkState } from '../../clients/types.js';
import { displayText } from '../../core/display-text.js';
import { LIMITS } from '../../core/types.js';
import { linkColor, linkText } from '../format.js';
import { displayWidth } from '../layout.js';
import type { State } from '../state/types.js';

/** A link's state; `brief`: its status word alone, without the reason. */
function Link({ label, state, brief = false }: { label: string; state: LinkState; brief?: boolean }): React.JSX.Element {
  return (
    <Text>
      {label} <Text color={linkColor(state)}>● {brief ? state.status : linkText(state)}</Text>
    </Text>
  );
}

export function Header({ state, width }: { state: State; width: number }): React.JSX.Element {
  const d = state.device;
  const depth = d.queueDepth;
  const queueColor = depth === undefined ? 'gray' : depth >= LIMITS.queueDepth ? 'red' : depth >= LIMITS.queueDepth * 0.8 ? 'yellow' : 'green';
  const queueText = depth === undefined ? 'queue ?' : depth >= LIMITS.queueDepth ? `queue ${depth}/${LIMITS.queueDepth} FULL` : depth >= LIMITS.queueDepth * 0.8 ? `queue ${depth}/${LIMITS.queueDepth} nearly full` : `queue ${depth}/${LIMITS.queueDepth}`;
  const hub = displayText(state.hubLabel);
  const service = linkText(state.service.link);
  const feedback = linkText(state.service.feedbackLink);
  const deviceId = d.id === undefined ? '(none)' : displayText(d.id);
  const settle = d.settleMode === 'auto' ? 'auto-complete' : 'manual';
  const hubFits = displayWidth(`iot-c2d hub ${hub}  service ● ${service}  feedback ● ${feedback}`) <= width;
  const deviceFits = displayWidth(`device ${deviceId} ${d.transport} ● ${linkText(d.link)}  ${queueText}  settle ${settle}`) <= width;
  return (
    <Box flexDirection="column" width={width}>
      {hubFits ? (
        <Text wrap="truncate-end">
          <Text bold color="cyan">
            iot-c2d
          </Text>{' '}
          hub <Text bold>{hub}</Text>
          {'  '}
          <Link label="service" state={state.service.link} />
          {'  '}
          <Link label="feedback" state={state.service.feedbackLink} />
        </Text>
      ) : (
        <Text wrap="truncate-end">
          <Link label="svc" state={state.service.link} brief />
          {'  '}
          <Link label="fb" state={state.service.feedbackLink} brief />
          {'  '}
          <Text bold>{hub}</Text>
        </Text>
      )}
      {deviceFits ? (
        <Text wrap="truncate-end">
          device <Text bold>{deviceId}</Text> {d.transport} <Text color={linkColor(d.link)}>● {linkText(d.link)}</Text>
          {'  '}
          <Text color={queueColor}>{queueText}</Text>
          {'  '}settle {settle}
        </Text>
      ) : (
        <Text wrap="truncate-end">
          <Link label="dev" state={d.link} brief />
          {'  '}
          <Text color={queueColor}>{queueText}</Text>
          {'  '}
          <Text bold>{deviceId}</Text> {d.transport} {d.settleMode === 'auto' ? 'auto' : 'manual'}
        </Text>
      )}
    </Box>
  );
}
