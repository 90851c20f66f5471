/** Keys that work anywhere (quit, panes, help, connection strings) and in every overlay, with their handlers. */
import { writeSecrets } from '../files.js';
import { count } from '../format.js';
import type { Binding } from '../keymap/bindings.js';
import { PANES } from '../state/types.js';
import type { PaneId } from '../state/types.js';
import { closeOverlay, openMenu } from './context.js';
import type { Act } from './context.js';
import { focus } from './send.js';

/** Goes to `pane`; the form takes the keys at once when there is something to send with (else p pastes a string). */
function goTo(act: Act, pane: PaneId): void {
  act.dispatch({ type: 'pane', pane });
  if (pane === 'send' && act.state.service.configured) focus(act, act.state.send.lastFocus);
}

function step(act: Act, by: 1 | -1): void {
  const i = PANES.indexOf(act.state.pane);
  goTo(act, PANES[(i + by + PANES.length) % PANES.length] as PaneId);
}

/** q: quits at once, unless a repeated send is running: then it asks, saying how many would be left unsent. */
function askQuit(act: Act): void {
  const r = act.state.send.repeat;
  if (!r?.running) return void act.quit();
  const unsent = count(r.total - r.started);
  openMenu(act, 'quit', `A repeated send is running: ${count(r.started)} of ${count(r.total)} sent, ${unsent} not sent yet. Quit?`, [
    { label: 'No, keep sending', value: 'no' },
    { label: `Yes, quit and leave ${unsent} unsent`, value: 'yes' },
  ]);
}

function scroll(act: Act, by: 1 | -1): void {
  const o = act.state.overlay;
  if (o?.kind === 'details' || o?.kind === 'help') act.dispatch({ type: 'overlay', overlay: { ...o, scroll: Math.max(0, o.scroll + by) } });
}

export const APP_BINDINGS: readonly Binding[] = [
  { id: 'quit-now', keys: ['ctrl+c'], scope: 'always', description: 'Quit: close the clients (and the embedded hub), restore the terminal', run: (act) => void act.quit() },
  { id: 'quit', keys: ['q'], scope: 'global', description: 'Quit', hint: 'quit', run: askQuit },
  { id: 'pane-device', keys: ['1'], scope: 'global', description: 'Go to the Device pane', run: (act) => goTo(act, 'device') },
  { id: 'pane-send', keys: ['2'], scope: 'global', description: 'Go to the Send pane', run: (act) => goTo(act, 'send') },
  { id: 'pane-feedback', keys: ['3'], scope: 'global', description: 'Go to the Feedback pane', hint: 'panes', run: (act) => goTo(act, 'feedback') },
  { id: 'pane-prev', keys: ['['], scope: 'global', description: 'Previous pane', run: (act) => step(act, -1) },
  { id: 'pane-next', keys: [']'], scope: 'global', description: 'Next pane', run: (act) => step(act, 1) },
  {
    id: 'help',
    keys: ['?'],
    scope: 'global',
    description: 'Show or hide this help',
    hint: 'help',
    run: (act) => act.dispatch({ type: 'overlay', overlay: act.state.overlay?.kind === 'help' ? undefined : { kind: 'help', scroll: 0 } }),
  },
  {
    id: 'connection',
    keys: ['i'],
    scope: 'global',
    description: 'Show the connection strings (keys masked) and the CA path',
    hint: 'conn',
    run: (act) => act.dispatch({ type: 'overlay', overlay: act.state.overlay?.kind === 'connection' ? undefined : { kind: 'connection' } }),
  },

  { id: 'close', keys: ['esc'], scope: 'overlay', description: 'Close the overlay', hint: 'close', run: closeOverlay },
  {
    id: 'write-secrets',
    keys: ['w'],
    scope: 'connection',
    description: 'Write the connection strings unmasked to a private file (mode 0600) and show its path',
    hint: 'write unmasked',
    run: (act) => {
      const { serviceCs, deviceCs } = act.connections;
      act.dispatch({ type: 'overlay', overlay: writeSecrets(act.connector.secretsDir, { service: serviceCs, device: deviceCs, caPath: act.connector.caPath }) });
    },
  },
  { id: 'scroll-up', keys: ['up', 'k'], scope: 'details', description: 'Scroll up', hint: 'scroll', run: (act) => scroll(act, -1) },
  { id: 'scroll-down', keys: ['down', 'j'], scope: 'details', description: 'Scroll down', run: (act) => scroll(act, 1) },
];
