/**
 * When a command may run, as pure functions of the state (lazygit's GetDisabledReason): each binding lists
 * the requirements it `needs`, and the first one not met is the reason the dispatcher refuses the key, the
 * status bar dims the hint, `?` shows it, and docs/keybindings.md lists (from `doc`). Only state is read,
 * never a live client: the state holds what the clients last reported (connection, transport, queue depth).
 */
import { acknowledgesOnArrival } from '../../core/c2d-rules.js';
import type { MessageView, State } from '../state/types.js';
import type { Binding } from './bindings.js';

export interface Requirement {
  /** When it is not met, for the docs. */
  doc: string;
  /** Why it is not met now, in a few words; undefined when it is. */
  why(state: State): string | undefined;
}

/** The message the Device pane's c/r/a/enter act on: the selected row, the newest when following the tail. */
export function selectedMessage(state: State): MessageView | undefined {
  const d = state.device;
  return d.messages[d.cursor ?? d.messages.length - 1];
}

export const SERVICE: Requirement = {
  doc: 'no service connection',
  why: (s) => {
    if (!s.service.configured) return 'no service connection (p on the Send pane)';
    return s.service.link.status === 'connected' || s.service.link.status === 'retrying' ? undefined : `service ${s.service.link.status}`;
  },
};

export const DEVICE_ID: Requirement = {
  doc: 'no device',
  why: (s) => (s.device.id === undefined ? 'no device' : undefined),
};

export const DEVICE_CONNECTED: Requirement = {
  doc: 'no device connected',
  why: (s) => (s.device.connection === undefined ? 'no device connected' : undefined),
};

export const SETTLES_BY_HAND: Requirement = {
  doc: 'over MQTT (the device acknowledges each message as it arrives)',
  why: (s) => (acknowledgesOnArrival(s.device.transport) ? `unavailable over ${s.device.transport.toUpperCase()} (t: amqp or http)` : undefined),
};

export const MANUAL_MODE: Requirement = {
  doc: 'in auto-complete mode (m switches)',
  why: (s) => (s.device.settleMode === 'auto' ? 'auto-complete mode (m: manual)' : undefined),
};

export const SETTLEABLE_MESSAGE: Requirement = {
  doc: 'no message, or the selected one is settled or came over an earlier connection',
  why: (s) => {
    const view = selectedMessage(s);
    if (!view) return 'no message yet';
    if (view.settled) return `that message is already ${view.settled}`;
    if (view.connection !== s.device.connection) return 'that message came over an earlier connection';
    return undefined;
  },
};

export const A_MESSAGE: Requirement = {
  doc: 'no message yet',
  why: (s) => (s.device.messages.length === 0 ? 'no message yet' : undefined),
};

export const SENT_SOMETHING: Requirement = {
  doc: 'nothing sent or received as feedback yet',
  why: (s) => (s.feedback.rows.size === 0 ? 'nothing sent yet' : undefined),
};

export const REPEAT_RUNNING: Requirement = {
  doc: 'no repeated send is running',
  why: (s) => (s.send.repeat?.running ? undefined : 'no repeated send is running'),
};

/** Why `binding` cannot run in `state` (its first requirement not met); undefined when it can. */
export function disabledReason(binding: Pick<Binding, 'needs'>, state: State): string | undefined {
  for (const need of binding.needs ?? []) {
    const why = need.why(state);
    if (why !== undefined) return why;
  }
  return undefined;
}
