/** The bottom two lines: the latest notice, and the key hints of where the user is (from the keymap). */
import { Box, Text } from 'ink';
import { displayText } from '../../core/display-text.js';
import { displayKey } from '../keymap/bindings.js';
import { fit } from '../layout.js';
import type { Binding } from '../keymap/bindings.js';
import { hints } from '../keymap/dispatch.js';
import type { KeyContext } from '../keymap/dispatch.js';
import type { Notice } from '../state/types.js';

const COLORS = { info: undefined, warning: 'yellow', error: 'red' } as const;

export function StatusBar({ ctx, notice, unavailable, width }: { ctx: KeyContext; notice: Notice | undefined; unavailable: (binding: Binding) => string | undefined; width: number }): React.JSX.Element {
  // `? help` first: whatever the width, it is on screen.
  const all = hints(ctx);
  const items = [...all.filter((b) => b.id === 'help'), ...all.filter((b) => b.id !== 'help')];
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end" color={notice ? COLORS[notice.level] : undefined}>
        {notice ? fit(displayText(notice.text), width) : ' '}
      </Text>
      <Text wrap="truncate-end">
        {items.map((b, i) => {
          const why = unavailable(b);
          const keys = b.id === 'pane-feedback' ? '1-3' : b.keys.map(displayKey).join('/');
          return (
            <Text key={`${b.id}-${i}`} dimColor={why !== undefined}>
              <Text bold color={why ? undefined : 'cyan'}>
                {keys}
              </Text>{' '}
              {b.hint}
              {'  '}
            </Text>
          );
        })}
      </Text>
    </Box>
  );
}
