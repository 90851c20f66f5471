/**
 * Two lines: the hub, the service side and the feedback receiver; the device, its transport and queue. In a
 * terminal too narrow for a line's words and status words, it says it in fewer words, states first (their
 * reasons left to the status line), so that every link's state and the queue still show:
 * `svc ● connected  fb ● connected  hub local localhost:8883`, `device ● connected  queue 0/50  demo-device mqtt auto`.
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
  const deviceId = d.id === undefined ? '(none)' : displayText(d.id);
  const settle = d.settleMode === 'auto' ? 'auto-complete' : 'manual';
  // In full words when they fit with each state's status word (a reason after it may still be cut), and a hub
  // label of up to 24 columns: a longer label (a joined hub's story) is cut where it would be before. Measured
  // with "*" for "●" (both one column): ASCII text is measured without the segmenter, which loads ICU, and the
  // first frame is drawn without ICU (bench/README.md).
  const shortHub = [...hub].slice(0, 24).join('');
  const hubFits = displayWidth(`iot-c2d hub ${shortHub}  service * ${state.service.link.status}  feedback * ${state.service.feedbackLink.status}`) <= width;
  const deviceFits = displayWidth(`device ${deviceId} ${d.transport} * ${d.link.status}  ${queueText}  settle ${settle}`) <= width;
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
          hub <Text bold>{hub}</Text>
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
          <Link label="device" state={d.link} brief />
          {'  '}
          <Text color={queueColor}>{queueText}</Text>
          {'  '}
          <Text bold>{deviceId}</Text> {d.transport} {d.settleMode === 'auto' ? 'auto' : 'manual'}
        </Text>
      )}
    </Box>
  );
}
