/**
 * What a command's handler may use: the state, the store, the connections and the sender. The controller
 * makes one for each key press. Handlers live with their bindings (one file per scope in this directory).
 */
import type { Connections } from '../connections.js';
import type { TuiConnector } from '../connector.js';
import type { Sender } from '../sender.js';
import type { Action, MenuItem, MenuPurpose, Notice, PendingX509, PromptPurpose, State } from '../state/types.js';

export interface Act {
  /** The state now (read again after each dispatch). */
  readonly state: State;
  dispatch(action: Action): void;
  readonly connections: Connections;
  readonly sender: Sender;
  readonly connector: TuiConnector;
  /** Rows a page of the lists holds (the App measures it from the terminal). */
  readonly pageSize: number;
  /** The key that ran the command (`menu-pick` reads its digit). */
  readonly key: string;
  /** Closes everything and ends the TUI. */
  quit(): Promise<void>;
}

/** A command's handler. False: it does not apply here, and the key types (in a field or the prompt). */
export type Handler = (act: Act) => boolean | void;

export function notice(act: Act, level: Notice['level'], text: string): void {
  act.dispatch({ type: 'notice', notice: { level, text } });
}

export function openMenu(act: Act, purpose: MenuPurpose, title: string, items: MenuItem[], selected = 0, note?: string): void {
  act.dispatch({ type: 'overlay', overlay: { kind: 'menu', purpose, title, items, selected, ...(note ? { note } : {}) } });
}

/** Opens the one-line prompt for `purpose`, holding `text`; `x509`: the X.509 device whose files it asks for. */
export function openPrompt(act: Act, purpose: PromptPurpose, text = '', x509?: PendingX509): void {
  act.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose, text, cursor: text.length, ...(x509 ? { x509 } : {}) } });
}

export function closeOverlay(act: Act): void {
  act.dispatch({ type: 'overlay', overlay: undefined });
}
