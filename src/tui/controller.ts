/**
 * The TUI's behaviour, without React: it runs the command each key press means (keymap/dispatch.ts), turns
 * typing and editing keys into edit actions (the reducer applies them with state/edit.ts), and does the moving
 * and settling itself; the connections (connections.ts), sending (sender.ts) and the files it writes
 * (files.ts) are in their own modules. Panes only render the store's state; everything they can do
 * goes through here, which is what component tests drive.
 */
import type { Key } from 'ink';
import { parseDeviceConnectionString, parseServiceConnectionString, redactConnectionString } from '../core/connection-string.js';
import { Connections } from './connections.js';
import type { TuiConnector } from './connector.js';
import { errorText } from './errors.js';
import { exportJsonl, readPayloadFile, writeSecrets } from './files.js';
import type { CommandId } from './keymap/bindings.js';
import { findBinding } from './keymap/dispatch.js';
import type { KeyContext } from './keymap/dispatch.js';
import { keyPresses } from './keymap/keys.js';
import type { KeyPress } from './keymap/keys.js';
import { Sender } from './sender.js';
import { disabledReason, selectedMessage } from './keymap/availability.js';
import { displayKey } from './keymap/bindings.js';
import { acknowledgesOnArrival } from '../core/c2d-rules.js';
import { checkId } from '../core/iothub-names.js';
import { DEVICE_TRANSPORTS } from '../core/types.js';
import type { DeviceTransport } from '../core/types.js';
import type { EditOp } from './state/edit.js';
import { cycleAck, fieldOrder, isTextField, propIndex } from './state/form.js';
import type { FieldId, Form } from './state/form.js';
import type { Store } from './state/store.js';
import { PANES } from './state/types.js';
import type { LocalSettlement, MenuItem, MenuPurpose, MessageView, Notice, PaneId, State } from './state/types.js';
import { FEEDBACK_FILTERS, visibleRows } from './selectors.js';

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
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** How a message is named in notices: its messageId, else its place in this run. */
function messageLabel(view: MessageView): string {
  return view.message.messageId ?? `#${view.uid}`;
}

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

  private dispatch(action: Parameters<Store['dispatch']>[0]): void {
    this.store.dispatch(action);
  }

  private notice(level: Notice['level'], text: string): void {
    this.dispatch({ type: 'notice', notice: { level, text } });
  }

  /** Connects whatever the connector was given; each side on its own, a failure of one leaves the other. */
  start(): Promise<void> {
    this.connector.watchHub?.((hubLabel) => this.dispatch({ type: 'hub-label', hubLabel }));
    return this.connections.start(this.options.queuePollMs ?? 3000);
  }

  // ---------------------------------------------------------------- keys

  keyContext(): KeyContext {
    const s = this.state;
    const overlay = s.overlay?.kind;
    return { pane: s.pane, overlay, typing: s.pane === 'send' && s.send.focus !== undefined && overlay === undefined };
  }

  /** The raw text of the input event Ink is handling (the App hands it over before `onInput`; see keys.ts). */
  private raw = '';
  /** The text of a bracketed paste so far, from its start marker; undefined when not in one. */
  private pasting: string | undefined;
  /** The input event being handled belongs to a bracketed paste: Ink's `onInput` for it is ignored. */
  private inPaste = false;

  /**
   * An input event as the terminal sent it, just before Ink's `onInput` for it. Ink splits each read into
   * escape sequences and runs of text; a bracketed paste (ESC[200~ … ESC[201~, switched on in start.tsx) is
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
    const ctx = this.keyContext();
    return ctx.overlay === 'prompt' ? 'prompt' : ctx.typing && this.state.send.focus !== undefined && isTextField(this.state.send.focus) ? 'field' : undefined;
  }

  /** ctrl+o: asks for the path of a file to load into the payload. */
  private loadPayload(): void {
    this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'payload-file', text: '', cursor: 0 } });
  }

  /** A bracketed paste: one insert in a prompt or text field; elsewhere it is not taken for keys. */
  paste(text: string): void {
    const target = this.typingTarget();
    if (target === 'prompt') this.dispatch({ type: 'edit', target: 'prompt', op: { kind: 'insert', text } });
    else if (target === 'field') this.editField({ kind: 'insert', text });
    else if (this.keyContext().overlay === undefined && /HostName=/i.test(text) && this.state.pane !== 'feedback') {
      // A connection string pasted onto the Device or Send pane: the prompt opens with it, to check and confirm.
      const one = text.trim();
      this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: this.state.pane === 'device' ? 'device' : 'service', text: one, cursor: one.length } });
    } else this.notice('info', 'Pasted text goes into a form field (2, then enter) or a connection string prompt (p); it was not taken for keys.');
  }

  press(press: KeyPress): void {
    const ctx = this.keyContext();
    if (press.name !== undefined) {
      const binding = findBinding(ctx, press.name);
      if (binding) {
        // One rule says what may run now, for this refusal, the status bar and the help alike.
        const why = disabledReason(binding.id, this.state);
        if (why !== undefined) return this.notice('warning', `${displayKey(press.name)} (${binding.hint ?? binding.description}) is not available now: ${why}.`);
        if (this.run(binding.id, press.name)) return;
      }
    } else if (press.text !== undefined && this.typingTarget() === undefined) {
      // Keys that arrived together ("kkkk", "21", "??"): each one in turn, as if typed one by one.
      for (const { segment } of GRAPHEMES.segment(press.text)) this.press({ name: segment });
      return;
    }
    // Whatever no binding took is text, typed or pasted at the cursor.
    const typed = typedText(press);
    if (typed === undefined) return;
    if (ctx.overlay === 'prompt') this.dispatch({ type: 'edit', target: 'prompt', op: { kind: 'insert', text: typed } });
    else if (ctx.typing) this.editField({ kind: 'insert', text: typed });
  }

  /** Runs a command; false when it does not apply here (the key then types, in a field). */
  run(id: CommandId, key?: string): boolean {
    const s = this.state;
    switch (id) {
      case 'quit-now':
        void this.quit();
        return true;
      case 'quit':
        this.askQuit();
        return true;
      case 'pane-device':
      case 'pane-send':
      case 'pane-feedback':
        this.goTo(id === 'pane-device' ? 'device' : id === 'pane-send' ? 'send' : 'feedback');
        return true;
      case 'pane-prev':
      case 'pane-next': {
        const i = PANES.indexOf(s.pane);
        this.goTo(PANES[(i + (id === 'pane-next' ? 1 : PANES.length - 1)) % PANES.length] as PaneId);
        return true;
      }
      case 'help':
        this.dispatch({ type: 'overlay', overlay: s.overlay?.kind === 'help' ? undefined : { kind: 'help', scroll: 0 } });
        return true;
      case 'connection':
        this.dispatch({ type: 'overlay', overlay: s.overlay?.kind === 'connection' ? undefined : { kind: 'connection' } });
        return true;
      case 'close':
        this.dispatch({ type: 'overlay', overlay: undefined });
        return true;
      case 'write-secrets': {
        const { serviceCs, deviceCs } = this.connections;
        this.dispatch({ type: 'overlay', overlay: writeSecrets(this.connector.secretsDir, { service: serviceCs, device: deviceCs, caPath: this.connector.caPath }) });
        return true;
      }
      case 'scroll-up':
      case 'scroll-down':
        if (s.overlay?.kind === 'details' || s.overlay?.kind === 'help') {
          const scroll = Math.max(0, s.overlay.scroll + (id === 'scroll-down' ? 1 : -1));
          this.dispatch({ type: 'overlay', overlay: { ...s.overlay, scroll } });
        }
        return true;
      case 'prompt-submit':
        this.submitPrompt();
        return true;
      case 'prompt-cancel':
        this.dispatch({ type: 'overlay', overlay: undefined });
        return true;
      case 'cursor-left':
      case 'cursor-right':
        if (s.overlay === undefined && s.send.focus === 'ack') {
          this.setForm({ ...s.send.form, ack: cycleAck(s.send.form.ack, id === 'cursor-right' ? 1 : -1) });
          return true;
        }
        return this.edit({ kind: id === 'cursor-left' ? 'left' : 'right' });
      case 'cursor-up':
      case 'cursor-down':
        // Only the payload has lines; elsewhere ↑/↓ do nothing.
        if (s.overlay === undefined && s.send.focus !== 'payload') return true;
        return this.edit({ kind: id === 'cursor-up' ? 'up' : 'down' });
      case 'line-start':
      case 'line-end':
        return this.edit({ kind: id });
      case 'delete-back':
      case 'delete-forward':
      case 'delete-to-end':
        return this.edit({ kind: id });
      case 'clear-field':
        return this.edit({ kind: 'clear' });
      case 'payload-file':
        this.loadPayload();
        return true;
      case 'up':
      case 'down':
      case 'page-up':
      case 'page-down':
      case 'top':
      case 'bottom':
        this.move(id);
        return true;
      case 'open': {
        const view = this.selectedMessage();
        if (view) this.dispatch({ type: 'overlay', overlay: { kind: 'details', uid: view.uid, scroll: 0 } });
        return true;
      }
      case 'complete':
      case 'reject':
      case 'abandon':
        this.settle(id);
        return true;
      case 'settle-mode':
        this.toggleSettleMode();
        return true;
      case 'paste-device':
        this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'device', text: '', cursor: 0 } });
        return true;
      case 'paste-service':
        this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'service', text: '', cursor: 0 } });
        return true;
      case 'transport': {
        const items = DEVICE_TRANSPORTS.map((t) => ({ label: t === s.device.transport ? `${t} (now)` : t, value: t }));
        this.openMenu('transport', 'Connect the device over', items, DEVICE_TRANSPORTS.indexOf(s.device.transport));
        return true;
      }
      case 'menu-up':
      case 'menu-down':
        if (s.overlay?.kind === 'menu') {
          const n = s.overlay.items.length;
          this.dispatch({ type: 'overlay', overlay: { ...s.overlay, selected: (s.overlay.selected + (id === 'menu-down' ? 1 : n - 1)) % n } });
        }
        return true;
      case 'menu-choose':
        if (s.overlay?.kind === 'menu') this.choose(s.overlay.purpose, s.overlay.items[s.overlay.selected]?.value);
        return true;
      case 'menu-pick':
        if (s.overlay?.kind === 'menu') {
          const item = s.overlay.items[Number(key) - 1];
          if (item) this.choose(s.overlay.purpose, item.value);
        }
        return true;
      case 'menu-cancel':
        this.dispatch({ type: 'overlay', overlay: undefined });
        return true;
      case 'purge':
        this.askPurge();
        return true;
      case 'switch-device':
        void this.offerDevices();
        return true;
      case 'toggle-device':
        this.connections.toggleDevice();
        return true;
      case 'edit-form':
        this.focus(s.send.lastFocus);
        return true;
      case 'send':
        void this.sender.send(this.connections.service);
        return true;
      case 'recall': {
        const next = s.send.recall + 1;
        if (next >= s.send.recent.length) this.dispatch({ type: 'send-result', result: { level: 'info', text: s.send.recent.length ? 'No older send to recall.' : 'Nothing sent yet to recall.' } });
        else this.dispatch({ type: 'recall', index: next });
        return true;
      }
      case 'next-field':
      case 'prev-field':
        this.stepField(id === 'next-field' ? 1 : -1);
        return true;
      case 'field-enter':
        return this.fieldEnter();
      case 'leave-form':
        this.focus(undefined);
        return true;
      case 'add-property':
        this.addProperty();
        return true;
      case 'remove-property':
        this.removeProperty();
        return true;
      case 'stop-repeat':
        this.sender.stop();
        return true;
      case 'choice-next':
        if (s.send.focus !== 'ack') return false;
        this.setForm({ ...s.send.form, ack: cycleAck(s.send.form.ack, 1) });
        return true;
      case 'filter': {
        const i = FEEDBACK_FILTERS.indexOf(s.feedback.filter as (typeof FEEDBACK_FILTERS)[number]);
        this.dispatch({ type: 'filter', filter: FEEDBACK_FILTERS[(i + 1) % FEEDBACK_FILTERS.length] as string });
        return true;
      }
      case 'export':
        this.dispatch({ type: 'notice', notice: exportJsonl(s.feedback.rows.values(), this.connector.exportDir) });
        return true;
    }
  }

  private goTo(pane: PaneId): void {
    this.dispatch({ type: 'pane', pane });
    // The form takes the keys at once when there is something to send with; otherwise p pastes a string.
    if (pane === 'send' && this.state.service.configured) this.focus(this.state.send.lastFocus);
  }

  // ---------------------------------------------------------------- lists

  private listLength(): number {
    return this.state.pane === 'device' ? this.state.device.messages.length : visibleRows(this.state).length;
  }

  private move(id: 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom'): void {
    const list = this.state.pane === 'device' ? 'device' : 'feedback';
    const length = this.listLength();
    if (length === 0) return;
    const current = (list === 'device' ? this.state.device.cursor : this.state.feedback.cursor) ?? length - 1;
    const page = Math.max(1, this.pageSize - 1);
    const target = { up: current - 1, down: current + 1, 'page-up': current - page, 'page-down': current + page, top: 0, bottom: length - 1 }[id];
    const clamped = Math.max(0, Math.min(length - 1, target));
    // At the last row the list follows the tail again.
    this.dispatch({ type: 'cursor', list, cursor: clamped >= length - 1 && id !== 'up' && id !== 'top' ? undefined : clamped });
  }

  selectedMessage(): MessageView | undefined {
    return selectedMessage(this.state);
  }

  // ---------------------------------------------------------------- choices

  private openMenu(purpose: MenuPurpose, title: string, items: MenuItem[], selected = 0, note?: string): void {
    this.dispatch({ type: 'overlay', overlay: { kind: 'menu', purpose, title, items, selected, ...(note ? { note } : {}) } });
  }

  /** What a choice in a menu means. */
  private choose(purpose: MenuPurpose, value: string | undefined): void {
    this.dispatch({ type: 'overlay', overlay: undefined });
    if (value === undefined || value === 'no') return;
    switch (purpose) {
      case 'transport':
        this.connections.switchTransport(value as DeviceTransport);
        return;
      case 'quit':
        void this.quit();
        return;
      case 'purge':
        void this.purge();
        return;
      case 'device':
        if (value === 'new') this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'new-device', text: '', cursor: 0 } });
        else void this.useDevice(value, false);
        return;
    }
  }

  /** q: quits at once, unless a repeated send is running: then it asks, saying how many would be left unsent. */
  private askQuit(): void {
    const r = this.state.send.repeat;
    if (!r?.running) return void this.quit();
    const unsent = r.total - r.started;
    this.openMenu('quit', `A repeated send is running: ${r.started.toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')} sent, ${unsent.toLocaleString('en-US')} not sent yet. Quit?`, [
      { label: 'No, keep sending', value: 'no' },
      { label: `Yes, quit and leave ${unsent.toLocaleString('en-US')} unsent`, value: 'yes' },
    ]);
  }

  private askPurge(): void {
    const s = this.state;
    const id = s.device.id as string;
    const depth = s.device.queueDepth;
    const lost = depth === undefined ? 'Every message queued for it is lost' : `${depth} queued message${depth === 1 ? ' is' : 's are'} lost`;
    this.openMenu('purge', `Purge the C2D queue of ${id}? ${lost} (senders that asked for feedback get Purged).`, [
      { label: 'No, keep them', value: 'no' },
      { label: `Yes, purge ${id}'s queue`, value: 'yes' },
    ]);
  }

  private async purge(): Promise<void> {
    const id = this.state.device.id;
    if (!id) return;
    this.notice('info', `Purging the C2D queue of ${id}…`);
    try {
      const purged = await this.connections.purge(id);
      this.notice('info', `Purged ${purged} message${purged === 1 ? '' : 's'} from the C2D queue of ${id}.`);
    } catch (err) {
      this.notice('error', `Not purged: ${errorText(err)}`);
    }
  }

  /** d: the hub's devices to switch to, and "create a new one". */
  private async offerDevices(): Promise<void> {
    this.notice('info', 'Reading the hub\'s devices…');
    let ids: string[];
    try {
      ids = await this.connections.deviceIds();
    } catch (err) {
      return this.notice('error', `Cannot list the devices: ${errorText(err)}`);
    }
    this.dispatch({ type: 'notice', notice: undefined });
    const current = this.state.device.id;
    const shown = ids.slice(0, 8);
    const items = [...shown.map((id) => ({ label: id === current ? `${id} (now)` : id, value: id })), { label: 'Create a new device…', value: 'new' }];
    this.openMenu('device', 'Connect as which device?', items, Math.max(0, shown.indexOf(current ?? '')), ids.length > shown.length ? `${ids.length - shown.length} more: paste one's connection string with p.` : undefined);
  }

  /** Connects as `deviceId` with the key the registry holds; `create` makes the device first. */
  private async useDevice(deviceId: string, create: boolean): Promise<void> {
    try {
      const cs = await this.connections.deviceConnectionString(deviceId, create);
      if (create) this.notice('info', `Created device ${deviceId}; connecting…`);
      await this.connections.connectDevice(cs, this.state.device.transport);
    } catch (err) {
      this.notice('error', `${create ? 'Not created' : 'Cannot connect'}: ${errorText(err)}`);
    }
  }

  // ---------------------------------------------------------------- form

  private focus(field: FieldId | undefined): void {
    if (field !== undefined && !fieldOrder(this.state.send.form).includes(field)) field = 'payload';
    this.dispatch({ type: 'focus', focus: field });
  }

  private setForm(form: Form): void {
    this.dispatch({ type: 'form', form });
  }

  private stepField(step: 1 | -1): void {
    const order = fieldOrder(this.state.send.form);
    const i = order.indexOf(this.state.send.focus ?? this.state.send.lastFocus);
    this.focus(order[(i + step + order.length) % order.length]);
  }

  private fieldEnter(): boolean {
    const focus = this.state.send.focus;
    if (focus === 'send') void this.sender.send(this.connections.service);
    else if (focus === 'addProperty') this.addProperty();
    else if (focus === 'payload') this.editField({ kind: 'insert', text: '\n' });
    else this.stepField(1);
    return true;
  }

  private addProperty(): void {
    const form = this.state.send.form;
    this.setForm({ ...form, properties: [...form.properties, ''] });
    this.focus(`prop:${form.properties.length}`);
  }

  private removeProperty(): void {
    const s = this.state.send;
    const i = s.focus === undefined ? undefined : propIndex(s.focus);
    if (i === undefined) {
      this.dispatch({ type: 'send-result', result: { level: 'info', text: 'Move to a property row (tab) to remove it.' } });
      return;
    }
    const properties = s.form.properties.filter((_, j) => j !== i);
    this.setForm({ ...s.form, properties });
    this.focus(properties.length === 0 ? 'addProperty' : `prop:${Math.min(i, properties.length - 1)}`);
  }

  /** An edit at the cursor of the focused text field (the reducer keeps the payload's line breaks only). */
  private editField(op: EditOp): void {
    const field = this.state.send.focus;
    if (field === undefined || !isTextField(field)) return;
    this.dispatch({ type: 'edit', target: 'field', op });
  }

  /** A cursor key or a deletion, in the prompt or the focused text field; true: the key was taken. */
  private edit(op: EditOp): boolean {
    const ctx = this.keyContext();
    if (ctx.overlay === 'prompt') this.dispatch({ type: 'edit', target: 'prompt', op });
    else if (ctx.typing) this.editField(op);
    return true;
  }

  // ---------------------------------------------------------------- prompt

  private submitPrompt(): void {
    const overlay = this.state.overlay;
    if (overlay?.kind !== 'prompt') return;
    const text = overlay.text.trim();
    if (overlay.purpose === 'payload-file') {
      const read = readPayloadFile(text, this.connector.exportDir);
      if ('error' in read) return this.dispatch({ type: 'overlay', overlay: { ...overlay, error: read.error } });
      this.dispatch({ type: 'overlay', overlay: undefined });
      this.setForm({ ...this.state.send.form, payload: read.text });
      this.focus('payload');
      this.dispatch({ type: 'send-result', result: { level: 'info', text: `Payload loaded from ${read.path} (${Buffer.byteLength(read.text)} bytes).` } });
      return;
    }
    if (overlay.purpose === 'new-device') {
      const problem = checkId('device id', text);
      if (problem) return this.dispatch({ type: 'overlay', overlay: { ...overlay, error: problem } });
      this.dispatch({ type: 'overlay', overlay: undefined });
      void this.useDevice(text, true);
      return;
    }
    try {
      if (overlay.purpose === 'device') parseDeviceConnectionString(text);
      else parseServiceConnectionString(text);
    } catch (err) {
      // The prompt stays open with what was pasted, and says what is wrong with it.
      this.dispatch({ type: 'overlay', overlay: { ...overlay, error: errorText(err) } });
      return;
    }
    this.dispatch({ type: 'overlay', overlay: undefined });
    if (overlay.purpose === 'device') void this.connections.connectDevice(text, this.state.device.transport);
    else void this.connections.connectService(text);
  }

  // ---------------------------------------------------------------- settling

  private toggleSettleMode(): void {
    const mode = this.state.device.settleMode === 'auto' ? 'manual' : 'auto';
    const device = this.connections.device;
    this.dispatch({ type: 'device', patch: { settleMode: mode } });
    device?.setAutoComplete(mode === 'auto');
    const mqtt = acknowledgesOnArrival(this.state.device.transport);
    this.notice(
      'info',
      mode === 'auto'
        ? 'Auto-complete: each message is completed as it arrives.'
        : mqtt
          ? 'Manual settle mode; but over MQTT the device acknowledges each message on arrival: switch transport (t) to amqp or http to settle by hand.'
          : 'Manual settle mode: c complete, r reject, a abandon the selected message.',
    );
  }

  private settle(id: 'complete' | 'reject' | 'abandon'): void {
    // disabledReason (keymap/availability.ts) has checked the state; a client numbers its messages from 1, so
    // only the connection that delivered a message (view.connection) can settle it.
    const device = this.connections.device;
    const view = this.selectedMessage();
    if (!device || !view) return;
    if (view.connection !== this.state.device.connection) {
      return this.notice('warning', `Message ${messageLabel(view)} came over an earlier connection, which is closed: the hub delivers it again on this one once its lock expires.`);
    }
    const how: LocalSettlement = id === 'complete' ? 'completed' : id === 'reject' ? 'rejected' : 'abandoned';
    device.settle(view.message.id, id).then(
      () => {
        this.dispatch({ type: 'settled', uid: view.uid, how });
        this.notice('info', `Message ${messageLabel(view)} ${how}.`);
      },
      (err: unknown) => this.notice('error', errorText(err)),
    );
  }

  // ---------------------------------------------------------------- connection overlay

  /** The connection overlay's lines, keys masked. */
  connectionInfo(): { service?: string; device?: string; caPath?: string } {
    const { serviceCs, deviceCs } = this.connections;
    return {
      ...(serviceCs ? { service: redactConnectionString(serviceCs) } : {}),
      ...(deviceCs ? { device: redactConnectionString(deviceCs) } : {}),
      ...(this.connector.caPath ? { caPath: this.connector.caPath } : {}),
    };
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
