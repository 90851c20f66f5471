/**
 * Sending what the Send form holds: one message, or a repeated send (N messages at a rate, at most 256 in
 * flight, stopped by ctrl+x or quit). Each message goes into the feedback rows as it starts, is enqueued or
 * refused, and the outcome lands under the form and in the recent sends.
 */
import type { ServiceSide } from '../clients/types.js';
import { errorKind, errorText } from './errors.js';
import { nextMessageId } from '../core/c2d-rules.js';
import { checkForm, hasErrors, toOutgoing } from './state/form.js';
import type { Form } from './state/form.js';
import type { Store } from './state/store.js';
import type { Notice, RepeatView } from './state/types.js';

const REFUSAL_WORDS: Record<string, string> = {
  'device-not-found': 'device not found',
  'queue-full': 'queue full (50 messages waiting; P on the Device pane purges it)',
  'too-large': 'too large',
  unauthorized: 'not authorised',
  invalid: 'invalid message',
  disconnected: 'not connected',
  timeout: 'no answer',
};
const MAX_INFLIGHT = 256;

export class Sender {
  /** Stops the repeated send that is running, if any. */
  private cancelRepeat: (() => void) | undefined;

  /** `queueChanged`: a send was enqueued or refused (the device's queue depth is worth reading again). */
  constructor(
    private readonly store: Store,
    private readonly queueChanged: () => void = () => undefined,
  ) {}

  /** Sends the form with `service` (undefined: not connected, which the user is told). */
  async send(service: ServiceSide | undefined): Promise<void> {
    const s = this.store.getState().send;
    if (!service) {
      this.store.dispatch({ type: 'send-result', result: { level: 'error', text: 'No service connection: esc, then p to paste a service connection string (or start with --hub).' } });
      return;
    }
    if (s.repeat?.running) {
      this.store.dispatch({ type: 'send-result', result: { level: 'warning', text: 'A repeated send is running: ctrl+x stops it.' } });
      return;
    }
    const form = s.form;
    const checks = checkForm(form);
    if (hasErrors(checks)) {
      const first = Object.entries(checks).find(([, c]) => c?.level === 'error');
      this.store.dispatch({ type: 'send-result', result: { level: 'error', text: `Not sent, fix the marked field: ${first?.[1]?.text ?? ''}` } });
      return;
    }
    const total = Number(form.repeat);
    if (total > 1) return this.repeat(service, form, total, Number(form.rate));
    const deviceId = form.deviceId.trim();
    const sentMs = Date.now();
    const message = toOutgoing(form, sentMs);
    const messageId = message.messageId as string;
    this.store.push({ type: 'send-started', deviceId, message, atMs: sentMs });
    this.store.dispatch({ type: 'send-result', result: { level: 'info', text: `Sending ${messageId}…` } });
    try {
      const result = await service.send(deviceId, message);
      this.store.push({ type: 'send-enqueued', result });
      this.queueChanged();
      const outcome: Notice = { level: 'info', text: `✓ Enqueued ${result.messageId} for ${deviceId} (${Math.max(0, result.enqueuedMs - sentMs)} ms).` };
      this.store.dispatch({ type: 'send-result', result: outcome, recent: { form, deviceId, messageId, atMs: sentMs, outcome } });
      this.advanceMessageId(form, 1);
    } catch (err) {
      const reason = errorText(err);
      const words = REFUSAL_WORDS[errorKind(err) ?? ''];
      this.store.push({ type: 'send-refused', messageId, reason });
      this.queueChanged();
      const outcome: Notice = { level: 'error', text: `✗ Refused${words ? `, ${words}` : ''}: ${reason}` };
      // The form stays as it was, so the user can fix what the hub refused.
      this.store.dispatch({ type: 'send-result', result: outcome, recent: { form, deviceId, messageId, atMs: sentMs, outcome } });
    }
  }

  /** After `count` messages went out with the form's id: the next id when it ends in a number (message_0 -> message_1). */
  private advanceMessageId(sent: Form, count: number): void {
    const now = this.store.getState().send.form;
    if (count === 0 || sent.messageId === '' || now.messageId !== sent.messageId) return;
    const next = nextMessageId(sent.messageId, count);
    if (next !== sent.messageId) this.store.dispatch({ type: 'form', form: { ...now, messageId: next } });
  }

  /** Stops a running repeated send (ctrl+x, quit): no new messages start; it finishes when those in flight have. */
  stop(): void {
    this.cancelRepeat?.();
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
        this.cancelRepeat = undefined;
        publish();
        const unsent = total - view.started;
        const text = `${cancelled ? 'Stopped' : 'Done'}: ${view.enqueued} of ${total} enqueued, ${view.refused} refused${unsent ? `, ${unsent} not sent` : ''}${view.lastError ? ` (last: ${view.lastError})` : ''}.`;
        // A repeat that was partly refused or stopped is not a success: the recent sends mark it so.
        const outcome: Notice = { level: view.refused === total ? 'error' : view.refused || unsent ? 'warning' : 'info', text };
        this.store.dispatch({ type: 'send-result', result: outcome, recent: { form, deviceId, messageId: `${total}× ${form.messageId || '(new ids)'}`, atMs: t0, outcome } });
        this.advanceMessageId(form, view.started);
        resolve();
      };
      this.cancelRepeat = () => {
        cancelled = true;
        if (inflight === 0) finish();
      };
      const tick = (): void => {
        if (cancelled) return void (inflight === 0 && finish());
        const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
        while (view.started < due && inflight < MAX_INFLIGHT) {
          view.started += 1;
          inflight += 1;
          const sentMs = Date.now();
          const message = toOutgoing(form, sentMs, view.started - 1, total);
          this.store.push({ type: 'send-started', deviceId, message, atMs: sentMs });
          service.send(deviceId, message).then(
            (result) => {
              view.enqueued += 1;
              this.store.push({ type: 'send-enqueued', result });
              this.queueChanged();
            },
            (err: unknown) => {
              view.refused += 1;
              view.lastError = errorText(err);
              this.store.push({ type: 'send-refused', messageId: message.messageId as string, reason: view.lastError });
              this.queueChanged();
            },
          ).finally(() => {
            inflight -= 1;
            if ((cancelled || view.started >= total) && inflight === 0) finish();
          });
        }
        publish();
        if (view.started < total) timer = setTimeout(tick, Math.max(4, Math.min(100, 1000 / rate)));
      };
      this.store.dispatch({ type: 'send-result', result: { level: 'info', text: `Sending ${total} messages at ${rate}/s… (ctrl+x stops)` } });
      tick();
    });
  }
}
