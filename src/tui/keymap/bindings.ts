/**
 * Every key of the TUI: a binding is its keys, its label, when it is available (a pure function of the state,
 * availability.ts) and its handler. This one table drives the dispatcher (dispatch.ts), the status-bar hints,
 * the `?` overlay and docs/keybindings.md (docs.ts; `npm run docs:keys` regenerates it, a test checks it).
 */
import { APP_BINDINGS } from '../commands/app.js';
import type { Handler } from '../commands/context.js';
import { DEVICE_BINDINGS } from '../commands/device.js';
import { FEEDBACK_BINDINGS } from '../commands/feedback.js';
import { MENU_BINDINGS } from '../commands/menu.js';
import { PROMPT_BINDINGS } from '../commands/prompt.js';
import { FORM_BINDINGS, SEND_BINDINGS } from '../commands/send.js';
import type { Requirement } from './availability.js';

/** Where a binding applies. See `activeScopes` in dispatch.ts for which scopes are live when. */
export type Scope =
  | 'always' // even while typing
  | 'global' // anywhere, but not while typing in a field or prompt
  | 'overlay' // any overlay (help, details, connection)
  | 'connection' // the connection-strings overlay
  | 'details' // the overlays that scroll: message details, help
  | 'prompt' // a one-line prompt (paste a connection string)
  | 'menu' // a choice (transport, device, yes/no)
  | 'device' // Device pane
  | 'send' // Send pane, no field focused
  | 'form' // Send pane, typing in the form
  | 'feedback'; // Feedback pane

export interface Binding {
  /** The command's name (the same command may be bound in two scopes, each with its own handler). */
  id: string;
  /** Key names as keys.ts writes them: `q`, `G`, `ctrl+s`, `shift+tab`, `up`, `pgdn`, `home`, `enter`, `esc`, `space`, `backspace`, `delete`. */
  keys: readonly string[];
  scope: Scope;
  /** One line for the help overlay and the docs. */
  description: string;
  /** Short label for the status bar; bindings without one are not hinted there. */
  hint?: string;
  /** What must hold for it to run (availability.ts): the first one not met refuses the key, with its reason. */
  needs?: readonly Requirement[];
  /** What it does. False: it does not apply here, and the key types (in a field or the prompt). */
  run: Handler;
}

/** Every binding, scope by scope (each scope's table sits with its handlers in src/tui/commands/). */
export const BINDINGS: readonly Binding[] = [...APP_BINDINGS, ...PROMPT_BINDINGS, ...MENU_BINDINGS, ...DEVICE_BINDINGS, ...SEND_BINDINGS, ...FORM_BINDINGS, ...FEEDBACK_BINDINGS];

export const SCOPE_TITLES: Record<Scope, string> = {
  always: 'Always (even while typing)',
  global: 'Anywhere (not while typing)',
  overlay: 'Overlays',
  connection: 'Connection strings overlay',
  details: 'Message details and this help (long ones scroll)',
  prompt: 'Paste prompt',
  menu: 'Choices (transport, device, confirmations)',
  device: 'Device pane',
  send: 'Send pane (no field focused)',
  form: 'Send form (typing)',
  feedback: 'Feedback pane',
};

export const SCOPE_ORDER: readonly Scope[] = ['always', 'global', 'device', 'send', 'form', 'feedback', 'overlay', 'details', 'connection', 'prompt', 'menu'];

/** How a key is written for people: `ctrl+s` → `ctrl+s`, `up` → `↑`. */
export function displayKey(key: string): string {
  const names: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→', pgup: 'PgUp', pgdn: 'PgDn' };
  return names[key] ?? key;
}
