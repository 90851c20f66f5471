/** The reducer: message identity across connections, settling by identity, notices that clear on connect. */
import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../src/clients/types.js';
import { findMessage, initialState, reducer } from '../../src/tui/state/reducer.js';
import { connectionInfo } from '../../src/tui/selectors.js';
import type { State, StreamEvent } from '../../src/tui/state/types.js';

const start = (): State => initialState({ hubLabel: 'test', local: true, transport: 'amqp', feedbackEnabled: true });

function received(id: number, connection: number, deviceId = 'dev1', messageId = `m-${connection}-${id}`): StreamEvent {
  const message: ReceivedMessage = { id, receivedMs: id, transport: 'amqp', payload: Buffer.from('x'), properties: [], messageId };
  return { type: 'received', message, connection, deviceId };
}

describe('reducer', () => {
  it('each received message gets its own identity, though each connection numbers its messages from 1', () => {
    let s = reducer(start(), { type: 'batch', events: [received(1, 1), received(2, 1)] });
    s = reducer(s, { type: 'batch', events: [received(1, 2), received(1, 3, 'dev2')] });
    expect(s.device.messages.map((m) => m.uid)).toEqual([1, 2, 3, 4]);
    expect(s.device.messages.map((m) => `${m.connection}/${m.message.id}`)).toEqual(['1/1', '1/2', '2/1', '3/1']);
    expect(s.device.total).toBe(4);
    expect(findMessage(s.device.messages, 3)).toBe(2);
    expect(findMessage(s.device.messages, 9)).toBe(-1);
  });

  it('settled marks the row with that identity only', () => {
    let s = reducer(start(), { type: 'device', patch: { settleMode: 'manual' } });
    s = reducer(s, { type: 'batch', events: [received(1, 1), received(1, 2)] });
    s = reducer(s, { type: 'settled', uid: 2, how: 'rejected' });
    expect(s.device.messages.map((m) => m.settled)).toEqual([undefined, 'rejected']);
  });

  it('in auto-complete mode a message over AMQP arrives completed; over MQTT acknowledged', () => {
    let s = reducer(start(), { type: 'batch', events: [received(1, 1)] });
    const mqtt: ReceivedMessage = { id: 2, receivedMs: 2, transport: 'mqtt', payload: Buffer.from('x'), properties: [] };
    s = reducer(s, { type: 'batch', events: [{ type: 'received', message: mqtt, connection: 1, deviceId: 'dev1' }] });
    expect(s.device.messages.map((m) => m.settled)).toEqual(['completed', 'acknowledged']);
  });

  it('a notice about a side goes when that side connects; others stay', () => {
    let s = reducer(start(), { type: 'notice', notice: { level: 'error', text: 'hub refused the key', about: 'device' } });
    s = reducer(s, { type: 'connected', side: 'service' });
    expect(s.notice?.text).toBe('hub refused the key');
    s = reducer(s, { type: 'connected', side: 'device' });
    expect(s.notice).toBeUndefined();
  });

  it('a changed prompt text clears its complaint; a cursor move keeps it', () => {
    let s = reducer(start(), { type: 'overlay', overlay: { kind: 'prompt', purpose: 'device', text: 'bad', cursor: 3, error: 'not a connection string' } });
    s = reducer(s, { type: 'edit', target: 'prompt', op: { kind: 'left' } });
    expect(s.overlay).toMatchObject({ cursor: 2, error: 'not a connection string' });
    s = reducer(s, { type: 'edit', target: 'prompt', op: { kind: 'insert', text: 'x' } });
    expect(s.overlay).toEqual({ kind: 'prompt', purpose: 'device', text: 'baxd', cursor: 3 });
  });

  it('another device resets the device side but keeps the form\'s device id when the user typed another', () => {
    let s = reducer(start(), { type: 'device-reset', id: 'dev1', transport: 'amqp' });
    expect(s.send.form.deviceId).toBe('dev1');
    s = reducer(s, { type: 'device', patch: { queueDepth: 7 } });
    s = reducer(s, { type: 'device-reset', id: 'dev2', transport: 'http' });
    expect(s.send.form.deviceId).toBe('dev2');
    expect(s.device).toMatchObject({ id: 'dev2', transport: 'http', queueDepth: undefined });
    s = reducer(s, { type: 'form', form: { ...s.send.form, deviceId: 'other' } });
    s = reducer(s, { type: 'device-reset', id: 'dev3', transport: 'http' });
    expect(s.send.form.deviceId).toBe('other');
  });

  it('the connection overlay reads the masked strings and the CA path from the state', () => {
    let s = reducer(start(), { type: 'service', patch: { masked: 'HostName=h;SharedAccessKeyName=s;SharedAccessKey=AB…' } });
    s = reducer(s, { type: 'ca-path', caPath: '/tmp/ca.pem' });
    expect(connectionInfo(s)).toEqual({ service: 'HostName=h;SharedAccessKeyName=s;SharedAccessKey=AB…', caPath: '/tmp/ca.pem' });
  });
});
