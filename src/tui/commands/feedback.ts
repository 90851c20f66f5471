/** The Feedback pane's keys and their handlers: moving, filtering, exporting. */
import { exportJsonl } from '../files.js';
import { SENT_SOMETHING } from '../keymap/availability.js';
import type { Binding } from '../keymap/bindings.js';
import { FEEDBACK_FILTERS } from '../selectors.js';
import { move } from './lists.js';

export const FEEDBACK_BINDINGS: readonly Binding[] = [
  { id: 'up', keys: ['up', 'k'], scope: 'feedback', description: 'Select the previous row', hint: 'move', run: (act) => move(act, 'up') },
  { id: 'down', keys: ['down', 'j'], scope: 'feedback', description: 'Select the next row', run: (act) => move(act, 'down') },
  { id: 'page-up', keys: ['pgup'], scope: 'feedback', description: 'One page up', run: (act) => move(act, 'page-up') },
  { id: 'page-down', keys: ['pgdn'], scope: 'feedback', description: 'One page down', run: (act) => move(act, 'page-down') },
  { id: 'top', keys: ['g'], scope: 'feedback', description: 'First row', run: (act) => move(act, 'top') },
  { id: 'bottom', keys: ['G'], scope: 'feedback', description: 'Last row, and follow the tail again', run: (act) => move(act, 'bottom') },
  {
    id: 'filter',
    keys: ['/'],
    scope: 'feedback',
    description: 'Filter by status (each press: the next status, then all)',
    hint: 'filter',
    run: (act) => {
      const i = FEEDBACK_FILTERS.indexOf(act.state.feedback.filter as (typeof FEEDBACK_FILTERS)[number]);
      act.dispatch({ type: 'filter', filter: FEEDBACK_FILTERS[(i + 1) % FEEDBACK_FILTERS.length] as string });
    },
  },
  {
    id: 'export',
    keys: ['e'],
    scope: 'feedback',
    description: 'Export sent messages and their feedback as JSON Lines; shows the file path',
    hint: 'export',
    needs: [SENT_SOMETHING],
    run: (act) => act.dispatch({ type: 'notice', notice: exportJsonl(act.state.feedback.rows.values(), act.connector.exportDir) }),
  },
];
