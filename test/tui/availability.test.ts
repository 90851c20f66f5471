/**
 * Command availability: one pure function of the state per binding (its `needs`), read by the dispatcher, the
 * status bar, `?` and the docs alike.
 */
import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../src/clients/types.js';
import type { DeviceTransport } from '../../src/core/types.js';
import { disabledReason, selectedMessage } from '../../src/tui/keymap/availability.js';
import { BINDINGS } from '../../src/tui/keymap/bindings.js';
import type { Binding } from '../../src/tui/keymap/bindings.js';
import { keybindingsMarkdown } from '../../src/tui/keymap/docs.js';
import { initialState, reducer } from '../../src/tui/state/reducer.js';
import type { State } from '../../src/tui/state/types.js';

function binding(id: string, scope: Binding['scope'] = 'device'): Binding {
  const found = BINDINGS.find((b) => b.id === id && b.scope === scope);
  if (!found) throw new Error(`no binding ${scope}:${id}`);
  return found;
}

function message(id: number, transport: DeviceTransport, messageId = `m${id}`): ReceivedMessage {
  return { id, receivedMs: 1000 + id, transport, payload: Buffer.from('{}'), properties: [], messageId };
}

/** A device `dev1` connected over `transport` as connection `connection`, in `mode`. */
function connected(transport: DeviceTransport, mode: 'auto' | 'manual', connection = 1): State {
  let s = initialState({ hubLabel: 'test', local: true, transport, feedbackEnabled: true });
  s = reducer(s, { type: 'device-reset', id: 'dev1', transport });
  s = reducer(s, { type: 'device', patch: { configured: true, link: { status: 'connected' }, connection, settleMode: mode } });
  return s;
}

function receive(s: State, m: ReceivedMessage, connection: number): State {
  return reducer(s, { type: 'batch', events: [{ type: 'received', message: m, connection, deviceId: 'dev1' }] });
}

describe('command availability', () => {
  it('settling: no device, MQTT, auto mode, no message, settled, an earlier connection; each with its reason, in that order', () => {
    const none = initialState({ hubLabel: 'test', local: true, transport: 'amqp', feedbackEnabled: true });
    expect(disabledReason(binding('complete'), none)).toBe('no device connected');

    const mqtt = receive(connected('mqtt', 'manual'), message(1, 'mqtt'), 1);
    expect(disabledReason(binding('reject'), mqtt)).toBe('unavailable over MQTT (t: amqp or http)');
    expect(disabledReason(binding('abandon'), mqtt)).toBe('unavailable over MQTT (t: amqp or http)');
    // Over MQTT every message is acknowledged on arrival: there is nothing left to complete either.
    expect(disabledReason(binding('complete'), mqtt)).toBe('that message is already acknowledged');

    expect(disabledReason(binding('reject'), connected('amqp', 'auto'))).toBe('auto-complete mode (m: manual)');
    const manual = connected('amqp', 'manual');
    expect(disabledReason(binding('reject'), manual)).toBe('no message yet');

    let s = receive(manual, message(1, 'amqp'), 1);
    expect(disabledReason(binding('reject'), s)).toBeUndefined();
    expect(disabledReason(binding('complete'), s)).toBeUndefined();
    s = reducer(s, { type: 'settled', uid: selectedMessage(s)?.uid ?? -1, how: 'rejected' });
    expect(disabledReason(binding('complete'), s)).toBe('that message is already rejected');

    // A reconnect: the message of connection 1 cannot be settled over connection 2.
    let later = receive(manual, message(1, 'amqp'), 1);
    later = reducer(later, { type: 'device', patch: { connection: 2 } });
    expect(disabledReason(binding('abandon'), later)).toBe('that message came over an earlier connection');
    later = receive(later, message(1, 'amqp', 'again'), 2);
    expect(selectedMessage(later)?.message.messageId).toBe('again');
    expect(disabledReason(binding('abandon'), later)).toBeUndefined();
    // The selected row decides, not the newest.
    later = reducer(later, { type: 'cursor', list: 'device', cursor: 0 });
    expect(disabledReason(binding('abandon'), later)).toBe('that message came over an earlier connection');
  });

  it('send, purge, device switching and export follow the service connection, the device and what was sent', () => {
    let s = initialState({ hubLabel: 'test', local: true, transport: 'mqtt', feedbackEnabled: true });
    expect(disabledReason(binding('send', 'form'), s)).toBe('no service connection (p on the Send pane)');
    expect(disabledReason(binding('switch-device'), s)).toBe('no service connection (p on the Send pane)');
    s = reducer(s, { type: 'service', patch: { configured: true, link: { status: 'connecting' } } });
    expect(disabledReason(binding('send', 'send'), s)).toBe('service connecting');
    s = reducer(s, { type: 'service', patch: { link: { status: 'connected' } } });
    expect(disabledReason(binding('send', 'send'), s)).toBeUndefined();
    expect(disabledReason(binding('purge'), s)).toBe('no device');
    s = reducer(s, { type: 'device-reset', id: 'dev1', transport: 'mqtt' });
    expect(disabledReason(binding('purge'), s)).toBeUndefined();
    expect(disabledReason(binding('export', 'feedback'), s)).toBe('nothing sent yet');
    expect(disabledReason(binding('stop-repeat', 'form'), s)).toBe('no repeated send is running');
    s = reducer(s, { type: 'batch', events: [{ type: 'repeat', repeat: { total: 5, started: 1, enqueued: 0, refused: 0, running: true } }] });
    expect(disabledReason(binding('stop-repeat', 'form'), s)).toBeUndefined();
  });

  it('every binding has a handler; every requirement a binding needs is in the docs column', () => {
    const docs = keybindingsMarkdown();
    for (const b of BINDINGS) {
      expect(typeof b.run, `${b.scope}:${b.id}`).toBe('function');
      for (const need of b.needs ?? []) expect(docs).toContain(need.doc);
    }
    expect(BINDINGS.filter((b) => b.needs?.length).map((b) => `${b.scope}:${b.id}`)).toEqual(
      expect.arrayContaining(['device:complete', 'device:reject', 'device:abandon', 'device:open', 'device:purge', 'device:switch-device', 'send:send', 'form:send', 'feedback:export']),
    );
  });
});
