/**
 * The TUI's plumbing, without React: it owns the connections (connections.ts) and the sender (sender.ts),
 * splits each input event into key presses (keymap/keys.ts) and runs the binding each press means
 * (keymap/dispatch.ts) unless the binding's requirements refuse it (keymap/availability.ts). What a key does
 * is the binding's handler, in src/tui/commands/. Whatever no binding takes is typed into the prompt or the
 * focused field. Panes only render the store's state; component tests drive everything through keys.
 */
import type { Key } from 'ink';
import type { Act } from './commands/context.js';
import { editField } from './commands/editing.js';
import { openPrompt } from './commands/context.js';
import { Connections } from './connections.js';
import type { TuiConnector } from './connector.js';
import { disabledReason } from './keymap/availability.js';
import { displayKey } from './keymap/bindings.js';
import { findBinding, keyContext } from './keymap/dispatch.js';
import { keyPresses } from './keymap/keys.js';
import type { KeyPress } from './keymap/keys.js';
import { Sender } from './sender.js';
import { isTextField } from './state/form.js';
import type { Store } from './state/store.js';
import type { Notice, State } from './state/types.js';

export interface ControllerOptions {
  /** How often the device's C2D queue depth is read from the registry. Default 3 s. */
  queuePollMs?: number;
  /** Called once `quit` has closed everything. */
  onQuit?: () => void;
}

/** The text a key press types into a field or prompt: a paste, a space, a printable key; undefined for other keys. */
function typedText(press: KeyPress): string | undefined {
  return press.text ?? (press.name === 'space' ? ' ' : press.name !== undefined && [...press.name].length === 1 ? press.name : undefined);
}

const PASTE_START = '\u001b[200~';
const PASTE_END = '\u001b[201~';
/** Made on first use (a paste): the first Intl.Segmenter loads ICU (≈ 10–20 ms), off the path to the first frame. */
let graphemes: Intl.Segmenter | undefined;

export class Controller {
  private readonly connections: Connections;
  private readonly sender: Sender;
  private closing: Promise<void> | undefined;
  /** Rows a page of the lists holds (the App tells us from the terminal size). */
  pageSize = 10;

  constructor(
    readonly store: Store,
    private readonly connector: TuiConnector,
    private readonly options: ControllerOptions = {},
  ) {
    this.connections = new Connections(store, connector);
    this.sender = new Sender(store, () => this.connections.queueChanged());
  }

  private get state(): State {
    return this.store.getState();
  }

  private notice(level: Notice['level'], text: string): void {
    this.store.dispatch({ type: 'notice', notice: { level, text } });
  }

  /** Connects whatever the connector was given; each side on its own, a failure of one leaves the other. */
  start(): Promise<void> {
    this.connector.watchHub?.((hubLabel) => this.store.dispatch({ type: 'hub-label', hubLabel }));
    return this.connections.start(this.options.queuePollMs ?? 3000);
  }

  /** What a handler may use, for the key `key`. */
  private act(key: string): Act {
    const store = this.store;
    return {
      get state() {
        return store.getState();
      },
      dispatch: (action) => store.dispatch(action),
      connections: this.connections,
      sender: this.sender,
      connector: this.connector,
      pageSize: this.pageSize,
      key,
      quit: () => this.quit(),
    };
  }

  // ---------------------------------------------------------------- keys

  /** The raw text of the input event Ink is handling (the App hands it over before `onInput`; see keys.ts). */
  private raw = '';
  /** The text of a bracketed paste so far, from its start marker; undefined when not in one. */
  private pasting: string | undefined;
  /** The input event being handled belongs to a bracketed paste: Ink's `onInput` for it is ignored. */
  private inPaste = false;

  /**
   * An input event as the terminal sent it, just before Ink's `onInput` for it. Ink splits each read into
   * escape sequences and runs of text; a bracketed paste (ESC[200~ ... ESC[201~, switched on in start.tsx) is
   * put back together here and handled as one insert, whatever it holds.
   */
  readonly onRawInput = (data: string): void => {
    this.raw = data;
    this.inPaste = false;
    if (this.pasting === undefined && !data.startsWith(PASTE_START)) return;
    this.inPaste = true;
    const text = (this.pasting ?? '') + (data.startsWith(PASTE_START) && this.pasting === undefined ? data.slice(PASTE_START.length) : data);
    const end = text.indexOf(PASTE_END);
    if (end < 0) {
      this.pasting = text;
      return;
    }
    this.pasting = undefined;
    this.paste(text.slice(0, end));
  };

  /** One input event from Ink: it may hold several keys (typed fast, or sent together), each handled in turn. */
  readonly onInput = (input: string, key: Key): void => {
    const raw = this.raw;
    this.raw = '';
    if (this.inPaste) return;
    for (const press of keyPresses(input, key, raw)) this.press(press);
  };

  /** Typing goes to the paste prompt or a focused text field now. */
  private typingTarget(): 'prompt' | 'field' | undefined {
    const ctx = keyContext(this.state);
    return ctx.overlay === 'prompt' ? 'prompt' : ctx.typing && this.state.send.focus !== undefined && isTextField(this.state.send.focus) ? 'field' : undefined;
  }

  /** A bracketed paste: one insert in a prompt or text field; elsewhere it is not taken for keys. */
  paste(text: string): void {
    const target = this.typingTarget();
    if (target === 'prompt') this.store.dispatch({ type: 'edit', target: 'prompt', op: { kind: 'insert', text } });
    else if (target === 'field') editField(this.act(''), { kind: 'insert', text });
    else if (this.state.overlay === undefined && /HostName=/i.test(text) && this.state.pane !== 'feedback') {
      // A connection string pasted onto the Device or Send pane: the prompt opens with it, to check and confirm.
      openPrompt(this.act(''), this.state.pane === 'device' ? 'device' : 'service', text.trim());
    } else this.notice('info', 'Pasted text goes into a form field (2, then enter) or a connection string prompt (p); it was not taken for keys.');
  }

  press(press: KeyPress): void {
    const ctx = keyContext(this.state);
    if (press.name !== undefined) {
      const binding = findBinding(ctx, press.name);
      if (binding) {
        // One rule says what may run now, for this refusal, the status bar and the help alike.
        const why = disabledReason(binding, this.state);
        if (why !== undefined) return this.notice('warning', `${displayKey(press.name)} (${binding.hint ?? binding.description}) is not available now: ${why}.`);
        if (binding.run(this.act(press.name)) !== false) return;
      }
    } else if (press.text !== undefined && this.typingTarget() === undefined) {
      // Keys that arrived together ("kkkk", "21", "??"): each one in turn, as if typed one by one.
      for (const { segment } of (graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' })).segment(press.text)) this.press({ name: segment });
      return;
    }
    // Whatever no binding took is text, typed or pasted at the cursor.
    const typed = typedText(press);
    if (typed === undefined) return;
    if (ctx.overlay === 'prompt') this.store.dispatch({ type: 'edit', target: 'prompt', op: { kind: 'insert', text: typed } });
    else if (ctx.typing) editField(this.act(''), { kind: 'insert', text: typed });
  }

  // ---------------------------------------------------------------- exit

  /** Closes the clients and what the connector started, then tells whoever runs us. Idempotent. */
  quit(): Promise<void> {
    this.closing ??= (async () => {
      this.sender.stop();
      await this.connections.close();
      this.store.close();
      await this.connections.shutdown();
      this.options.onQuit?.();
    })();
    return this.closing;
  }
}
