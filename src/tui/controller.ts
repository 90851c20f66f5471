/**
 * The TUI's behaviour, without React: it owns the clients (through the connector's interfaces), turns their
 * events into store actions, and runs the command each key press means (keymap/dispatch.ts). Panes only
 * render the store's state; everything they can do goes through here, which is what component tests drive.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Key } from 'ink';
import { feedbackLine, sentLine } from '../clients/records.js';
import type { RegistrySide, ServiceSide, Settlement } from '../clients/types.js';
import { parseDeviceConnectionString, parseServiceConnectionString, redactConnectionString } from '../core/connection-string.js';
import { DEVICE_TRANSPORTS } from '../core/types.js';
import type { DeviceTransport } from '../core/types.js';
import type { TuiConnector, TuiDevice } from './connector.js';
import type { CommandId } from './keymap/bindings.js';
import { findBinding } from './keymap/dispatch.js';
import type { KeyContext } from './keymap/dispatch.js';
import { keyPresses } from './keymap/keys.js';
import type { KeyPress } from './keymap/keys.js';
import { checkForm, cycleAck, fieldOrder, fieldText, hasErrors, isTextField, propIndex, setFieldText, toOutgoing } from './state/form.js';
import type { FieldId, Form } from './state/form.js';
import type { Store } from './state/store.js';
import { PANES } from './state/types.js';
import type { LocalSettlement, MessageView, Notice, PaneId, RepeatView, State } from './state/types.js';
import { visibleRows } from './selectors.js';

const RETRY_DELAYS_MS = [1000, 2000, 5000, 10_000];
/** Error kinds (ClientError.kind) worth trying again: the hub may come (back) up. */
const TRANSIENT = new Set(['unreachable', 'disconnected', 'timeout']);
const REFUSAL_WORDS: Record<string, string> = {
  'device-not-found': 'device not found',
  'queue-full': 'queue full (50 messages waiting)',
  'too-large': 'too large',
  unauthorized: 'not authorised',
  invalid: 'invalid message',
  disconnected: 'not connected',
  timeout: 'no answer',
};
export const FEEDBACK_FILTERS = ['all', 'pending', 'Success', 'Rejected', 'Expired', 'DeliveryCountExceeded', 'Purged', 'no feedback', 'refused', 'elsewhere'] as const;
const MAX_INFLIGHT = 256;

export interface ControllerOptions {
  /** How often the device's C2D queue depth is read from the registry. Default 3 s. */
  queuePollMs?: number;
  /** Called once `quit` has closed everything. */
  onQuit?: () => void;
}

/** Closing must not hang the exit: a client that does not confirm within `ms` is left behind. */
function closeWithin(close: () => Promise<void>, ms = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n')[0] ?? '').trim() || 'unknown error';
}

function errorKind(err: unknown): string | undefined {
  const kind = (err as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

export class Controller {
  private service: ServiceSide | undefined;
  private registry: RegistrySide | undefined;
  private device: TuiDevice | undefined;
  private serviceCs: string | undefined;
  private deviceCs: string | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private deviceUnsubscribe: Array<() => void> = [];
  private serviceUnsubscribe: Array<() => void> = [];
  private retryTimers = new Map<'service' | 'device', NodeJS.Timeout>();
  private queueTimer: NodeJS.Timeout | undefined;
  private repeatCancel: (() => void) | undefined;
  private remoteNoticeShown = false;
  private closing: Promise<void> | undefined;
  private deviceGeneration = 0;
  private serviceGeneration = 0;
  /** Rows a page of the lists holds (the App tells us from the terminal size). */
  pageSize = 10;

  constructor(
    readonly store: Store,
    private readonly connector: TuiConnector,
    private readonly options: ControllerOptions = {},
  ) {}

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
  async start(): Promise<void> {
    const c = this.connector;
    const poll = this.options.queuePollMs ?? 3000;
    this.queueTimer = setInterval(() => void this.pollQueue(), poll);
    this.queueTimer.unref?.();
    if (!c.serviceConnectionString && !c.deviceConnectionString) {
      this.notice('info', 'Give a connection string: p on the Device pane (device) or on the Send pane (service).');
    }
    await Promise.all([
      c.serviceConnectionString ? this.connectService(c.serviceConnectionString) : Promise.resolve(),
      c.deviceConnectionString ? this.connectDevice(c.deviceConnectionString, this.state.device.transport) : Promise.resolve(),
    ]);
  }

  // ---------------------------------------------------------------- keys

  keyContext(): KeyContext {
    const s = this.state;
    const overlay = s.overlay?.kind;
    return { pane: s.pane, overlay, typing: s.pane === 'send' && s.send.focus !== undefined && overlay === undefined };
  }

  /** One key press from Ink. */
  readonly onInput = (input: string, key: Key): void => {
    for (const press of keyPresses(input, key)) this.press(press);
  };

  press(press: KeyPress): void {
    const ctx = this.keyContext();
    if (press.name !== undefined) {
      const binding = findBinding(ctx, press.name);
      if (binding && this.run(binding.id)) return;
    }
    if (ctx.overlay === 'prompt') this.editPrompt(press);
    else if (ctx.typing) this.editField(press);
  }

  /** Why a command cannot run now, for the status bar and the help overlay; undefined when it can. */
  unavailable(id: CommandId): string | undefined {
    const s = this.state;
    switch (id) {
      case 'complete':
      case 'reject':
      case 'abandon': {
        if (!this.device) return 'no device connected';
        const how: Settlement = id === 'complete' ? 'complete' : id === 'reject' ? 'reject' : 'abandon';
        const cannot = this.device.cannot(how);
        if (cannot && how !== 'complete') return `unavailable over ${this.device.transport.toUpperCase()}`;
        if (s.device.settleMode === 'auto') return 'auto-complete mode (m: manual)';
        return undefined;
      }
      case 'send':
        return this.service ? undefined : 'no service connection';
      case 'export':
        return s.feedback.rows.size === 0 ? 'nothing sent yet' : undefined;
      default:
        return undefined;
    }
  }

  /** Runs a command; false when it does not apply here (the key then types, in a field). */
  run(id: CommandId): boolean {
    const s = this.state;
    switch (id) {
      case 'quit-now':
      case 'quit':
        void this.quit();
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
        this.dispatch({ type: 'overlay', overlay: s.overlay?.kind === 'help' ? undefined : { kind: 'help' } });
        return true;
      case 'connection':
        this.dispatch({ type: 'overlay', overlay: s.overlay?.kind === 'connection' ? undefined : { kind: 'connection' } });
        return true;
      case 'close':
        this.dispatch({ type: 'overlay', overlay: undefined });
        return true;
      case 'write-secrets':
        this.writeSecrets();
        return true;
      case 'scroll-up':
      case 'scroll-down':
        if (s.overlay?.kind === 'details') {
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
        if (view) this.dispatch({ type: 'overlay', overlay: { kind: 'details', id: view.message.id, scroll: 0 } });
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
        this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'device', text: '' } });
        return true;
      case 'paste-service':
        this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: 'service', text: '' } });
        return true;
      case 'transport':
        this.switchTransport();
        return true;
      case 'toggle-device':
        this.toggleDevice();
        return true;
      case 'edit-form':
        this.focus(s.send.lastFocus);
        return true;
      case 'send':
        void this.send();
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
        if (this.repeatCancel) this.repeatCancel();
        return true;
      case 'choice-prev':
      case 'choice-next':
        if (s.send.focus !== 'ack') return false;
        this.setForm({ ...s.send.form, ack: cycleAck(s.send.form.ack, id === 'choice-next' ? 1 : -1) });
        return true;
      case 'filter': {
        const i = FEEDBACK_FILTERS.indexOf(s.feedback.filter as (typeof FEEDBACK_FILTERS)[number]);
        this.dispatch({ type: 'filter', filter: FEEDBACK_FILTERS[(i + 1) % FEEDBACK_FILTERS.length] as string });
        return true;
      }
      case 'export':
        this.exportJsonl();
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
    const d = this.state.device;
    return d.messages[d.cursor ?? d.messages.length - 1];
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
    if (focus === 'send') void this.send();
    else if (focus === 'addProperty') this.addProperty();
    else if (focus === 'payload') this.editField({ text: '\n' });
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

  private editField(press: KeyPress): void {
    const s = this.state.send;
    const field = s.focus;
    if (field === undefined || !isTextField(field)) return;
    const text = fieldText(s.form, field);
    let next: string;
    if (press.name === 'backspace') next = [...text].slice(0, -1).join('');
    else {
      const typed = press.text ?? (press.name === 'space' ? ' ' : press.name !== undefined && [...press.name].length === 1 ? press.name : undefined);
      if (typed === undefined) return;
      const clean = field === 'payload' ? typed.replace(/\r\n?/g, '\n') : typed.replace(/[\r\n]+/g, '');
      next = text + clean;
    }
    this.setForm(setFieldText(s.form, field, next));
  }

  // ---------------------------------------------------------------- prompt

  private editPrompt(press: KeyPress): void {
    const overlay = this.state.overlay;
    if (overlay?.kind !== 'prompt') return;
    let text = overlay.text;
    if (press.name === 'backspace') text = [...text].slice(0, -1).join('');
    else {
      const typed = press.text ?? (press.name === 'space' ? ' ' : press.name !== undefined && [...press.name].length === 1 ? press.name : undefined);
      if (typed === undefined) return;
      text += typed.replace(/[\r\n]+/g, '');
    }
    this.dispatch({ type: 'overlay', overlay: { kind: 'prompt', purpose: overlay.purpose, text } });
  }

  private submitPrompt(): void {
    const overlay = this.state.overlay;
    if (overlay?.kind !== 'prompt') return;
    const text = overlay.text.trim();
    try {
      if (overlay.purpose === 'device') parseDeviceConnectionString(text);
      else parseServiceConnectionString(text);
    } catch (err) {
      // The prompt stays open with what was pasted, and says what is wrong with it.
      this.dispatch({ type: 'overlay', overlay: { ...overlay, error: errorText(err) } });
      return;
    }
    this.dispatch({ type: 'overlay', overlay: undefined });
    if (overlay.purpose === 'device') void this.connectDevice(text, this.state.device.transport);
    else void this.connectService(text);
  }

  // ---------------------------------------------------------------- service side

  async connectService(connectionString: string): Promise<void> {
    const generation = ++this.serviceGeneration;
    this.clearRetry('service');
    await this.closeService();
    let hostName: string;
    try {
      hostName = parseServiceConnectionString(connectionString).hostName;
    } catch (err) {
      const reason = errorText(err);
      this.dispatch({ type: 'service', patch: { configured: false, error: reason, link: { status: 'disconnected', reason } } });
      this.notice('error', reason);
      return;
    }
    this.serviceCs = connectionString;
    this.dispatch({ type: 'service', patch: { configured: true, hostName, error: undefined, link: { status: 'connecting' } } });
    let opened: { service: ServiceSide; registry: RegistrySide };
    try {
      opened = await this.connector.openService(connectionString);
    } catch (err) {
      if (generation !== this.serviceGeneration || this.closing) return;
      const reason = errorText(err);
      const transient = TRANSIENT.has(errorKind(err) ?? '');
      this.dispatch({ type: 'service', patch: { error: reason, link: { status: transient ? 'retrying' : 'disconnected', reason } } });
      if (transient) this.retry('service', () => this.connectService(connectionString));
      else this.notice('error', reason);
      return;
    }
    if (generation !== this.serviceGeneration || this.closing) {
      await opened.service.close().catch(() => undefined);
      return;
    }
    const { service, registry } = opened;
    this.service = service;
    this.registry = registry;
    this.retryAttempts.service = 0;
    this.serviceUnsubscribe.push(
      service.onState((link) => this.dispatch({ type: 'service', patch: { link } })),
      service.onFeedbackState((feedbackLink) => this.dispatch({ type: 'service', patch: { feedbackLink } })),
    );
    this.dispatch({ type: 'service', patch: { link: service.state(), error: undefined } });
    void this.pollQueue();
    if (!this.state.service.feedbackEnabled) {
      this.dispatch({ type: 'service', patch: { feedbackLink: { status: 'disconnected', reason: 'off (--no-feedback)' } } });
      return;
    }
    if (!this.connector.local && !this.remoteNoticeShown) {
      this.remoteNoticeShown = true;
      this.notice('warning', 'Reading feedback takes it off this hub\'s single feedback queue: another reader will miss it (restart with --no-feedback to leave it).');
    }
    try {
      await service.startFeedback((batch) => this.store.push({ type: 'feedback', batch }));
      this.dispatch({ type: 'service', patch: { feedbackLink: service.feedbackState() } });
    } catch (err) {
      this.dispatch({ type: 'service', patch: { feedbackLink: { status: 'disconnected', reason: errorText(err) } } });
    }
  }

  private async closeService(): Promise<void> {
    for (const off of this.serviceUnsubscribe.splice(0)) off();
    const service = this.service;
    this.service = undefined;
    this.registry = undefined;
    if (service) await closeWithin(() => service.close());
  }

  // ---------------------------------------------------------------- device side

  async connectDevice(connectionString: string, transport: DeviceTransport): Promise<void> {
    const generation = ++this.deviceGeneration;
    this.clearRetry('device');
    await this.closeDevice();
    let deviceId: string;
    try {
      deviceId = parseDeviceConnectionString(connectionString).deviceId;
    } catch (err) {
      // A broken device string leaves the service side as it is.
      const reason = errorText(err);
      this.dispatch({ type: 'device', patch: { configured: false, error: reason, link: { status: 'disconnected', reason } } });
      this.notice('error', reason);
      return;
    }
    this.deviceCs = connectionString;
    this.dispatch({ type: 'device-reset', id: deviceId, transport });
    this.dispatch({ type: 'device', patch: { configured: true, error: undefined, link: { status: 'connecting' } } });
    let device: TuiDevice;
    try {
      device = await this.connector.openDevice(connectionString, transport, this.state.device.settleMode === 'auto');
    } catch (err) {
      if (generation !== this.deviceGeneration || this.closing) return;
      const reason = errorText(err);
      const transient = TRANSIENT.has(errorKind(err) ?? '');
      this.dispatch({ type: 'device', patch: { error: reason, link: { status: transient ? 'retrying' : 'disconnected', reason } } });
      if (transient) this.retry('device', () => this.connectDevice(connectionString, transport));
      else this.notice('error', reason);
      return;
    }
    if (generation !== this.deviceGeneration || this.closing) {
      await device.close().catch(() => undefined);
      return;
    }
    this.device = device;
    this.retryAttempts.device = 0;
    this.deviceUnsubscribe.push(
      device.onState((link) => this.dispatch({ type: 'device', patch: { link } })),
      device.onMessage((message) => this.store.push({ type: 'received', message })),
    );
    this.dispatch({ type: 'device', patch: { link: device.state(), error: undefined } });
    void this.pollQueue();
  }

  private async closeDevice(): Promise<void> {
    for (const off of this.deviceUnsubscribe.splice(0)) off();
    const device = this.device;
    this.device = undefined;
    if (device) await closeWithin(() => device.close());
  }

  private switchTransport(): void {
    const s = this.state.device;
    const next = DEVICE_TRANSPORTS[(DEVICE_TRANSPORTS.indexOf(s.transport) + 1) % DEVICE_TRANSPORTS.length] as DeviceTransport;
    if (!this.deviceCs) {
      this.dispatch({ type: 'device', patch: { transport: next } });
      this.notice('info', `Transport ${next}: paste a device connection string (p) to connect.`);
      return;
    }
    this.notice('info', `Reconnecting the device over ${next}…`);
    void this.connectDevice(this.deviceCs, next);
  }

  private toggleDevice(): void {
    if (this.device || this.retryTimers.has('device')) {
      this.deviceGeneration++;
      this.clearRetry('device');
      void this.closeDevice().then(() => this.dispatch({ type: 'device', patch: { link: { status: 'disconnected', reason: 'disconnected by you (x connects)' } } }));
    } else if (this.deviceCs) {
      void this.connectDevice(this.deviceCs, this.state.device.transport);
    } else {
      this.notice('info', 'No device connection string yet: press p to paste one.');
    }
  }

  private toggleSettleMode(): void {
    const mode = this.state.device.settleMode === 'auto' ? 'manual' : 'auto';
    this.dispatch({ type: 'device', patch: { settleMode: mode } });
    this.device?.setAutoComplete(mode === 'auto');
    const mqtt = this.device && this.device.cannot('reject') !== undefined;
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
    const device = this.device;
    if (!device) return this.notice('warning', 'No device connected.');
    const cannot = device.cannot(id);
    if (cannot) return this.notice('warning', cannot);
    if (this.state.device.settleMode === 'auto') return this.notice('warning', 'Auto-complete mode completes each message on arrival: press m for manual settling.');
    const view = this.selectedMessage();
    if (!view) return this.notice('info', 'No message selected.');
    if (view.settled) return this.notice('info', `That message is already ${view.settled}.`);
    const how: LocalSettlement = id === 'complete' ? 'completed' : id === 'reject' ? 'rejected' : 'abandoned';
    device.settle(view.message.id, id).then(
      () => {
        this.dispatch({ type: 'settled', id: view.message.id, how });
        this.notice('info', `Message ${view.message.messageId ?? view.message.id} ${how}.`);
      },
      (err: unknown) => this.notice('error', errorText(err)),
    );
  }

  private async pollQueue(): Promise<void> {
    const id = this.state.device.id;
    const registry = this.registry;
    if (!id || !registry || this.closing) return;
    try {
      const info = await registry.get(id);
      if (this.state.device.id === id && !this.closing) this.dispatch({ type: 'device', patch: { queueDepth: info.cloudToDeviceMessageCount } });
    } catch {
      // The depth is a hint; the header keeps the last value it had.
    }
  }

  private retry(side: 'service' | 'device', again: () => Promise<void>): void {
    const attempt = (this.retryAttempts[side] += 1);
    const delay = RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)] as number;
    const timer = setTimeout(() => {
      this.retryTimers.delete(side);
      void again();
    }, delay);
    timer.unref?.();
    this.retryTimers.set(side, timer);
  }

  private retryAttempts = { service: 0, device: 0 };

  private clearRetry(side: 'service' | 'device'): void {
    clearTimeout(this.retryTimers.get(side));
    this.retryTimers.delete(side);
  }

  // ---------------------------------------------------------------- sending

  async send(): Promise<void> {
    const s = this.state.send;
    const service = this.service;
    if (!service) {
      this.dispatch({ type: 'send-result', result: { level: 'error', text: 'No service connection: esc, then p to paste a service connection string (or start with --hub).' } });
      return;
    }
    if (s.repeat?.running) {
      this.dispatch({ type: 'send-result', result: { level: 'warning', text: 'A repeated send is running: ctrl+x stops it.' } });
      return;
    }
    const form = s.form;
    const checks = checkForm(form);
    if (hasErrors(checks)) {
      const first = Object.entries(checks).find(([, c]) => c?.level === 'error');
      this.dispatch({ type: 'send-result', result: { level: 'error', text: `Not sent, fix the marked field: ${first?.[1]?.text ?? ''}` } });
      return;
    }
    const total = Number(form.repeat);
    if (total > 1) return this.repeat(service, form, total, Number(form.rate));
    const deviceId = form.deviceId.trim();
    const sentMs = Date.now();
    const message = toOutgoing(form, sentMs);
    const messageId = message.messageId as string;
    this.store.push({ type: 'send-started', deviceId, message, atMs: sentMs });
    this.dispatch({ type: 'send-result', result: { level: 'info', text: `Sending ${messageId}…` } });
    try {
      const result = await service.send(deviceId, message);
      this.store.push({ type: 'send-enqueued', result });
      const outcome: Notice = { level: 'info', text: `✓ Enqueued ${result.messageId} for ${deviceId} (${Math.max(0, result.enqueuedMs - sentMs)} ms).` };
      this.dispatch({ type: 'send-result', result: outcome, recent: { form, deviceId, messageId, atMs: sentMs, outcome } });
    } catch (err) {
      const reason = errorText(err);
      const words = REFUSAL_WORDS[errorKind(err) ?? ''];
      this.store.push({ type: 'send-refused', messageId, reason });
      const outcome: Notice = { level: 'error', text: `✗ Refused${words ? `, ${words}` : ''}: ${reason}` };
      // The form stays as it was, so the user can fix what the hub refused.
      this.dispatch({ type: 'send-result', result: outcome, recent: { form, deviceId, messageId, atMs: sentMs, outcome } });
    }
  }

  private repeat(service: ServiceSide, form: Form, total: number, rate: number): Promise<void> {
    const deviceId = form.deviceId.trim();
    const view: RepeatView = { total, started: 0, enqueued: 0, refused: 0, running: true };
    const t0 = Date.now();
    let inflight = 0;
    let cancelled = false;
    let timer: NodeJS.Timeout | undefined;
    const publish = (): void => this.store.push({ type: 'repeat', repeat: { ...view } });
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        if (!view.running) return;
        view.running = false;
        clearTimeout(timer);
        this.repeatCancel = undefined;
        publish();
        const text = `${cancelled ? 'Stopped' : 'Done'}: ${view.enqueued} of ${total} enqueued, ${view.refused} refused${view.lastError ? ` (last: ${view.lastError})` : ''}.`;
        const outcome: Notice = { level: view.refused ? 'warning' : 'info', text };
        this.dispatch({ type: 'send-result', result: outcome, recent: { form, deviceId, messageId: `${total}× ${form.messageId || '(new ids)'}`, atMs: t0, outcome } });
        resolve();
      };
      this.repeatCancel = () => {
        cancelled = true;
        if (inflight === 0) finish();
      };
      const tick = (): void => {
        if (cancelled || this.closing) return void (inflight === 0 && finish());
        const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
        while (view.started < due && inflight < MAX_INFLIGHT) {
          view.started += 1;
          inflight += 1;
          const sentMs = Date.now();
          const message = toOutgoing(form, sentMs, view.started);
          this.store.push({ type: 'send-started', deviceId, message, atMs: sentMs });
          service.send(deviceId, message).then(
            (result) => {
              view.enqueued += 1;
              this.store.push({ type: 'send-enqueued', result });
            },
            (err: unknown) => {
              view.refused += 1;
              view.lastError = errorText(err);
              this.store.push({ type: 'send-refused', messageId: message.messageId as string, reason: view.lastError });
            },
          ).finally(() => {
            inflight -= 1;
            if ((cancelled || view.started >= total) && inflight === 0) finish();
          });
        }
        publish();
        if (view.started < total) timer = setTimeout(tick, Math.max(4, Math.min(100, 1000 / rate)));
      };
      this.dispatch({ type: 'send-result', result: { level: 'info', text: `Sending ${total} messages at ${rate}/s… (ctrl+x stops)` } });
      tick();
    });
  }

  // ---------------------------------------------------------------- files

  private writeSecrets(): void {
    const lines = [
      ...(this.serviceCs ? [`export IOTHUB_CONNECTION_STRING='${this.serviceCs}'`] : []),
      ...(this.deviceCs ? [`export IOTHUB_DEVICE_CONNECTION_STRING='${this.deviceCs}'`] : []),
      ...(this.connector.caPath ? [`export NODE_EXTRA_CA_CERTS='${this.connector.caPath}'`] : []),
    ];
    const path = join(this.connector.secretsDir, 'iot-c2d-connection.env');
    try {
      if (lines.length === 0) throw new Error('No connection string to write yet.');
      writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
      chmodSync(path, 0o600);
      this.dispatch({ type: 'overlay', overlay: { kind: 'connection', written: path } });
    } catch (err) {
      this.dispatch({ type: 'overlay', overlay: { kind: 'connection', error: errorText(err) } });
    }
  }

  /** The connection overlay's lines, keys masked. */
  connectionInfo(): { service?: string; device?: string; caPath?: string } {
    return {
      ...(this.serviceCs ? { service: redactConnectionString(this.serviceCs) } : {}),
      ...(this.deviceCs ? { device: redactConnectionString(this.deviceCs) } : {}),
      ...(this.connector.caPath ? { caPath: this.connector.caPath } : {}),
    };
  }

  private exportJsonl(): void {
    const rows = [...this.state.feedback.rows.values()];
    const lines: string[] = [];
    let sent = 0;
    let feedback = 0;
    for (const row of rows) {
      if (row.mine && row.message && row.result) {
        lines.push(JSON.stringify(sentLine(row.deviceId, row.message, row.result)));
        sent++;
      }
      if (row.record && row.recordReceivedMs !== undefined) {
        lines.push(JSON.stringify(feedbackLine(row.record, row.recordReceivedMs, row.result?.enqueuedMs)));
        feedback++;
      }
    }
    if (lines.length === 0) return this.notice('info', 'Nothing to export yet: send a message first.');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = join(this.connector.exportDir, `iot-c2d-export-${stamp}.jsonl`);
    try {
      writeFileSync(path, `${lines.join('\n')}\n`);
      this.notice('info', `Exported ${sent} sent messages and ${feedback} feedback records to ${path}`);
    } catch (err) {
      this.notice('error', `Could not write the export: ${errorText(err)}`);
    }
  }

  // ---------------------------------------------------------------- exit

  /** Closes the clients and what the connector started, then tells whoever runs us. Idempotent. */
  quit(): Promise<void> {
    this.closing ??= (async () => {
      this.repeatCancel?.();
      clearInterval(this.queueTimer);
      for (const side of ['service', 'device'] as const) this.clearRetry(side);
      for (const off of this.unsubscribe.splice(0)) off();
      await Promise.all([this.closeDevice(), this.closeService()]);
      this.store.close();
      await closeWithin(() => this.connector.shutdown(), 5000);
      this.options.onQuit?.();
    })();
    return this.closing;
  }
}
