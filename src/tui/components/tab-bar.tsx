/** `1 Device (received)`, `2 Send`, `3 Feedback (pending)`: the current pane inverted. */
import { Text } from 'ink';
import { count } from '../format.js';
import { pendingCount } from '../selectors.js';
import type { PaneId, State } from '../state/types.js';

export function TabBar({ state }: { state: State }): React.JSX.Element {
  const tabs: Array<[PaneId, string]> = [
    ['device', `1 Device (${count(state.device.total)})`],
    ['send', `2 Send${state.send.repeat?.running ? ` (${state.send.repeat.started}/${state.send.repeat.total})` : ''}`],
    ['feedback', `3 Feedback (${count(pendingCount(state))} pending)`],
  ];
  return (
    <Text wrap="truncate-end">
      {tabs.map(([pane, label]) => (
        <Text key={pane} inverse={state.pane === pane} bold={state.pane === pane}>
          {` ${label} `}
        </Text>
      ))}
    </Text>
  );
}
