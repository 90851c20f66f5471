/** Where the keys go: the pane, the overlay, and whether a form field is being typed in. Pure. */
import type { State } from '../state/types.js';

export interface KeyContext {
  pane: 'device' | 'send' | 'feedback';
  overlay: 'help' | 'details' | 'connection' | 'prompt' | 'menu' | undefined;
  /** A field of the Send form has focus. */
  typing: boolean;
}

export function keyContext(state: State): KeyContext {
  const overlay = state.overlay?.kind;
  return { pane: state.pane, overlay, typing: state.pane === 'send' && state.send.focus !== undefined && overlay === undefined };
}
