/** Moving the selection in the Device pane's messages and the Feedback pane's rows. */
import { visibleRows } from '../selectors.js';
import type { Act } from './context.js';

export type Move = 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom';

/** Moves the current pane's selection; at the last row the list follows the tail again. */
export function move(act: Act, how: Move): void {
  const s = act.state;
  const list = s.pane === 'device' ? 'device' : 'feedback';
  const length = list === 'device' ? s.device.messages.length : visibleRows(s).length;
  if (length === 0) return;
  const current = (list === 'device' ? s.device.cursor : s.feedback.cursor) ?? length - 1;
  const page = Math.max(1, act.pageSize - 1);
  const target = { up: current - 1, down: current + 1, 'page-up': current - page, 'page-down': current + page, top: 0, bottom: length - 1 }[how];
  const clamped = Math.max(0, Math.min(length - 1, target));
  act.dispatch({ type: 'cursor', list, cursor: clamped >= length - 1 && how !== 'up' && how !== 'top' ? undefined : clamped });
}
