/**
 * Why a command cannot run now, as a pure function of the state (lazygit's GetDisabledReason): the dispatcher
 * refuses the key with this reason, the status bar dims the hint, and `?` shows it. Only state is read, never a
 * live client: the state holds what the clients last reported (connection, transport, queue depth).
 */
import { acknowledgesOnArrival } from '../../core/c2d-rules.js';
import type { MessageView, State } from '../state/types.js';
import type { CommandId } from './bindings.js';

/** The message the Device pane's c/r/a/enter act on: the selected row, the newest when following the tail. */
export function selectedMessage(state: State): MessageView | undefined {
  const d = state.device;
  return d.messages[d.cursor ?? d.messages.length - 1];
}

function serviceReason(state: State): string | undefined {
  if (!state.service.configured) return 'no service connection (p on the Send pane)';
  return state.service.link.status === 'connected' || state.service.link.status === 'retrying' ? undefined : `service ${state.service.link.status}`;
}

function settleReason(state: State, how: 'complete' | 'reject' | 'abandon'): string | undefined {
  const d = state.device;
  if (d.connection === undefined) return 'no device connected';
  if (how !== 'complete' && acknowledgesOnArrival(d.transport)) return `unavailable over ${d.transport.toUpperCase()} (t: amqp or http)`;
  if (d.settleMode === 'auto') return 'auto-complete mode (m: manual)';
  const view = selectedMessage(state);
  if (!view) return 'no message yet';
  if (view.settled) return `that message is already ${view.settled}`;
  if (view.connection !== d.connection) return 'that message came over an earlier connection';
  return undefined;
}

/** Why `id` cannot run in `state`; undefined when it can. */
export function disabledReason(id: CommandId, state: State): string | undefined {
  switch (id) {
    case 'complete':
    case 'reject':
    case 'abandon':
      return settleReason(state, id);
    case 'open':
      return state.device.messages.length === 0 ? 'no message yet' : undefined;
    case 'send':
      return serviceReason(state);
    case 'purge':
      return serviceReason(state) ?? (state.device.id === undefined ? 'no device' : undefined);
    case 'switch-device':
      return serviceReason(state);
    case 'export':
      return state.feedback.rows.size === 0 ? 'nothing sent yet' : undefined;
    case 'stop-repeat':
      return state.send.repeat?.running ? undefined : 'no repeated send is running';
    default:
      return undefined;
  }
}
