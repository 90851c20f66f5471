/**
 * Every key of the TUI, as data. This one table drives the dispatcher (dispatch.ts), the status-bar hints,
 * the `?` overlay and docs/keybindings.md (docs.ts; `npm run docs:keys` regenerates it, a test checks it).
 */

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

export type CommandId =
  | 'quit-now'
  | 'quit'
  | 'pane-device'
  | 'pane-send'
  | 'pane-feedback'
  | 'pane-prev'
  | 'pane-next'
  | 'help'
  | 'connection'
  | 'close'
  | 'write-secrets'
  | 'scroll-up'
  | 'scroll-down'
  | 'prompt-submit'
  | 'prompt-cancel'
  | 'cursor-left'
  | 'cursor-right'
  | 'cursor-up'
  | 'cursor-down'
  | 'line-start'
  | 'line-end'
  | 'delete-back'
  | 'delete-forward'
  | 'clear-field'
  | 'delete-to-end'
  | 'payload-file'
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'open'
  | 'complete'
  | 'reject'
  | 'abandon'
  | 'settle-mode'
  | 'paste-device'
  | 'transport'
  | 'toggle-device'
  | 'edit-form'
  | 'paste-service'
  | 'send'
  | 'recall'
  | 'next-field'
  | 'prev-field'
  | 'field-enter'
  | 'leave-form'
  | 'add-property'
  | 'remove-property'
  | 'stop-repeat'
  | 'choice-next'
  | 'filter'
  | 'export'
  | 'menu-up'
  | 'menu-down'
  | 'menu-choose'
  | 'menu-pick'
  | 'menu-cancel'
  | 'purge'
  | 'switch-device';

export interface Binding {
  id: CommandId;
  /** Key names as keys.ts writes them: `q`, `G`, `ctrl+s`, `shift+tab`, `up`, `pgdn`, `home`, `enter`, `esc`, `space`, `backspace`, `delete`. */
  keys: readonly string[];
  scope: Scope;
  /** One line for the help overlay and the docs. */
  description: string;
  /** Short label for the status bar; bindings without one are not hinted there. */
  hint?: string;
  /** When the command is unavailable, and why (for the docs; the controller checks at run time). */
  unavailable?: string;
}

export const BINDINGS: readonly Binding[] = [
  { id: 'quit-now', keys: ['ctrl+c'], scope: 'always', description: 'Quit: close the clients (and the embedded hub), restore the terminal' },
  { id: 'quit', keys: ['q'], scope: 'global', description: 'Quit', hint: 'quit' },
  { id: 'pane-device', keys: ['1'], scope: 'global', description: 'Go to the Device pane' },
  { id: 'pane-send', keys: ['2'], scope: 'global', description: 'Go to the Send pane' },
  { id: 'pane-feedback', keys: ['3'], scope: 'global', description: 'Go to the Feedback pane', hint: 'panes' },
  { id: 'pane-prev', keys: ['['], scope: 'global', description: 'Previous pane' },
  { id: 'pane-next', keys: [']'], scope: 'global', description: 'Next pane' },
  { id: 'help', keys: ['?'], scope: 'global', description: 'Show or hide this help', hint: 'help' },
  { id: 'connection', keys: ['i'], scope: 'global', description: 'Show the connection strings (keys masked) and the CA path', hint: 'conn' },

  { id: 'close', keys: ['esc'], scope: 'overlay', description: 'Close the overlay', hint: 'close' },
  { id: 'write-secrets', keys: ['w'], scope: 'connection', description: 'Write the connection strings unmasked to a private file (mode 0600) and show its path', hint: 'write unmasked' },
  { id: 'scroll-up', keys: ['up', 'k'], scope: 'details', description: 'Scroll up', hint: 'scroll' },
  { id: 'scroll-down', keys: ['down', 'j'], scope: 'details', description: 'Scroll down' },

  { id: 'prompt-submit', keys: ['enter'], scope: 'prompt', description: 'Use what was typed or pasted', hint: 'connect' },
  { id: 'prompt-cancel', keys: ['esc'], scope: 'prompt', description: 'Cancel', hint: 'cancel' },
  { id: 'cursor-left', keys: ['left'], scope: 'prompt', description: 'Cursor one character left' },
  { id: 'cursor-right', keys: ['right'], scope: 'prompt', description: 'Cursor one character right' },
  { id: 'line-start', keys: ['home', 'ctrl+a'], scope: 'prompt', description: 'Cursor to the start' },
  { id: 'line-end', keys: ['end', 'ctrl+e'], scope: 'prompt', description: 'Cursor to the end' },
  { id: 'delete-back', keys: ['backspace'], scope: 'prompt', description: 'Delete the character before the cursor' },
  { id: 'delete-forward', keys: ['delete'], scope: 'prompt', description: 'Delete the character at the cursor' },
  { id: 'clear-field', keys: ['ctrl+u'], scope: 'prompt', description: 'Clear what was typed' },
  { id: 'delete-to-end', keys: ['ctrl+k'], scope: 'prompt', description: 'Delete from the cursor to the end' },

  { id: 'menu-up', keys: ['up', 'k'], scope: 'menu', description: 'The choice above', hint: 'move' },
  { id: 'menu-down', keys: ['down', 'j'], scope: 'menu', description: 'The choice below' },
  { id: 'menu-choose', keys: ['enter'], scope: 'menu', description: 'Take the marked choice', hint: 'choose' },
  { id: 'menu-pick', keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], scope: 'menu', description: 'Take the choice with that number' },
  { id: 'menu-cancel', keys: ['esc'], scope: 'menu', description: 'Cancel: nothing changes', hint: 'cancel' },

  { id: 'up', keys: ['up', 'k'], scope: 'device', description: 'Select the previous message (stops following the tail)', hint: 'move' },
  { id: 'down', keys: ['down', 'j'], scope: 'device', description: 'Select the next message' },
  { id: 'page-up', keys: ['pgup'], scope: 'device', description: 'One page up' },
  { id: 'page-down', keys: ['pgdn'], scope: 'device', description: 'One page down' },
  { id: 'top', keys: ['g'], scope: 'device', description: 'First message' },
  { id: 'bottom', keys: ['G'], scope: 'device', description: 'Last message, and follow the tail again', hint: 'tail' },
  { id: 'open', keys: ['enter'], scope: 'device', description: 'Open the selected message: payload, system and custom properties', hint: 'open' },
  { id: 'complete', keys: ['c'], scope: 'device', description: 'Complete the selected message (manual settle mode)', hint: 'complete', unavailable: 'in auto-complete mode (the client completes each message itself)' },
  { id: 'reject', keys: ['r'], scope: 'device', description: 'Reject the selected message (manual settle mode)', hint: 'reject', unavailable: 'over MQTT (the device acknowledges each message as it arrives), and in auto-complete mode' },
  { id: 'abandon', keys: ['a'], scope: 'device', description: 'Abandon the selected message: the hub delivers it again (manual settle mode)', hint: 'abandon', unavailable: 'over MQTT, and in auto-complete mode' },
  { id: 'settle-mode', keys: ['m'], scope: 'device', description: 'Switch settle mode: auto-complete or manual', hint: 'mode' },
  { id: 'paste-device', keys: ['p'], scope: 'device', description: 'Paste another device connection string and connect with it', hint: 'paste cs' },
  { id: 'transport', keys: ['t'], scope: 'device', description: 'Choose the transport (mqtt, mqtt-ws, amqp, amqp-ws, http) and reconnect over it', hint: 'transport' },
  { id: 'switch-device', keys: ['d'], scope: 'device', description: 'Switch to another device of the hub, or create one (needs the service connection)', hint: 'device' },
  { id: 'purge', keys: ['P'], scope: 'device', description: "Purge the device's C2D queue (asks first: the queued messages are lost)", hint: 'purge' },
  { id: 'toggle-device', keys: ['x'], scope: 'device', description: 'Disconnect the device, or connect it again', hint: 'dis/connect' },

  { id: 'edit-form', keys: ['enter', 'tab'], scope: 'send', description: 'Edit the form', hint: 'edit' },
  { id: 'paste-service', keys: ['p'], scope: 'send', description: 'Paste a service connection string and connect with it', hint: 'paste cs' },
  { id: 'send', keys: ['ctrl+s'], scope: 'send', description: 'Send the message in the form', hint: 'send' },
  { id: 'recall', keys: ['ctrl+r'], scope: 'send', description: 'Put a recent send back into the form (again: an older one)', hint: 'recall' },

  { id: 'send', keys: ['ctrl+s'], scope: 'form', description: 'Send the message (Repeat > 1: that many, at the rate given)', hint: 'send' },
  { id: 'next-field', keys: ['tab'], scope: 'form', description: 'Next field', hint: 'fields' },
  { id: 'prev-field', keys: ['shift+tab'], scope: 'form', description: 'Previous field' },
  { id: 'field-enter', keys: ['enter'], scope: 'form', description: 'Send on the Send button, add a row on "+ add property", a line break at the cursor in the payload, else next field' },
  { id: 'leave-form', keys: ['esc'], scope: 'form', description: 'Leave the form (the single-letter keys work again); alt+1, alt+2, alt+3 leave it for that pane', hint: 'leave' },
  { id: 'add-property', keys: ['ctrl+n'], scope: 'form', description: 'Add a custom property row (key=value)', hint: '+prop' },
  { id: 'remove-property', keys: ['ctrl+d'], scope: 'form', description: 'Remove the focused property row', hint: '-prop' },
  { id: 'recall', keys: ['ctrl+r'], scope: 'form', description: 'Put a recent send back into the form (again: an older one)', hint: 'recall' },
  { id: 'stop-repeat', keys: ['ctrl+x'], scope: 'form', description: 'Stop a repeated send' },
  { id: 'cursor-left', keys: ['left'], scope: 'form', description: 'Cursor one character left (on Ack: the previous choice)' },
  { id: 'cursor-right', keys: ['right'], scope: 'form', description: 'Cursor one character right, in the payload on to the next line (on Ack: the next choice)' },
  { id: 'cursor-up', keys: ['up'], scope: 'form', description: 'In the payload: the line above, in the same column where it is long enough' },
  { id: 'cursor-down', keys: ['down'], scope: 'form', description: 'In the payload: the line below, in the same column where it is long enough' },
  { id: 'line-start', keys: ['home', 'ctrl+a'], scope: 'form', description: 'Cursor to the start of the line' },
  { id: 'line-end', keys: ['end', 'ctrl+e'], scope: 'form', description: 'Cursor to the end of the line' },
  { id: 'delete-back', keys: ['backspace'], scope: 'form', description: 'Delete the character before the cursor' },
  { id: 'delete-forward', keys: ['delete'], scope: 'form', description: 'Delete the character at the cursor' },
  { id: 'clear-field', keys: ['ctrl+u'], scope: 'form', description: 'Clear the focused field (the whole payload, however long)', hint: 'clear' },
  { id: 'delete-to-end', keys: ['ctrl+k'], scope: 'form', description: 'Delete from the cursor to the end of the line' },
  { id: 'payload-file', keys: ['ctrl+o'], scope: 'form', description: 'Load the payload from a file (asks for its path; relative to the working directory)', hint: 'file' },
  { id: 'choice-next', keys: ['space'], scope: 'form', description: 'On Ack: the next choice (in a text field it types a space)' },

  { id: 'up', keys: ['up', 'k'], scope: 'feedback', description: 'Select the previous row', hint: 'move' },
  { id: 'down', keys: ['down', 'j'], scope: 'feedback', description: 'Select the next row' },
  { id: 'page-up', keys: ['pgup'], scope: 'feedback', description: 'One page up' },
  { id: 'page-down', keys: ['pgdn'], scope: 'feedback', description: 'One page down' },
  { id: 'top', keys: ['g'], scope: 'feedback', description: 'First row' },
  { id: 'bottom', keys: ['G'], scope: 'feedback', description: 'Last row, and follow the tail again' },
  { id: 'filter', keys: ['/'], scope: 'feedback', description: 'Filter by status (each press: the next status, then all)', hint: 'filter' },
  { id: 'export', keys: ['e'], scope: 'feedback', description: 'Export sent messages and their feedback as JSON Lines; shows the file path', hint: 'export' },
];

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
