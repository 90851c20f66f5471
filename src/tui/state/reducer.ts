/**
 * The one place state changes: a pure function of (state, action). Streams are bounded here: the newest
 * 10,000 received messages (all are counted) and feedback rows (the status counts are of the rows held) are
 * kept, and only the newest 500 messages keep their whole payload.
 */
import type { ReceivedMessage } from '../../clients/types.js';
import type { FeedbackRecord } from '../../core/types.js';
import { applyEdit, clampCursor } from './edit.js';
import type { EditOp } from './edit.js';
import { emptyForm, fieldText, isTextField, setFieldText } from './form.js';
import type { Action, FeedbackRow, LocalSettlement, MessageView, RowStatus, State, StreamEvent } from './types.js';

export const MAX_MESSAGES = 10_000;
export const MAX_ROWS = 10_000;
export const FULL_PAYLOADS = 500;
export const TRUNCATED_PAYLOAD_BYTES = 1024;
const MAX_LATENCIES = 10_000;
const MAX_RECENT = 20;

export interface InitialOptions {
  hubLabel: string;
  local: boolean;
  transport: State['device']['transport'];
  feedbackEnabled: boolean;
  deviceId?: string;
}

export function initialState(options: InitialOptions): State {
  return {
    pane: 'device',
    hubLabel: options.hubLabel,
    local: options.local,
    service: { configured: false, link: { status: 'disconnected', reason: 'no service connection string' }, feedbackLink: { status: 'disconnected', reason: 'not started' }, feedbackEnabled: options.feedbackEnabled },
    device: { configured: false, transport: options.transport, link: { status: 'disconnected', reason: 'no device connection string' }, settleMode: 'auto', messages: [], total: 0, nextUid: 1 },
    send: { form: emptyForm(options.deviceId ?? ''), lastFocus: 'payload', cursor: 0, recent: [], recall: -1 },
    feedback: { rows: new Map(), counts: {}, latencies: [], filter: 'all', records: 0 },
  };
}

const RANK: Record<RowStatus, number> = {
  sending: 0,
  enqueued: 1,
  received: 2,
  'no feedback requested': 3,
  'no feedback expected': 3,
  refused: 4,
  Success: 4,
  Expired: 4,
  DeliveryCountExceeded: 4,
  Rejected: 4,
  Purged: 4,
};

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'batch':
      return applyEvents(state, action.events);
    case 'pane':
      return { ...state, pane: action.pane };
    case 'overlay':
      return { ...state, overlay: action.overlay };
    case 'notice':
      return { ...state, notice: action.notice };
    case 'connected':
      return state.notice?.about === action.side ? { ...state, notice: undefined } : state;
    case 'hub-label':
      return { ...state, hubLabel: action.hubLabel };
    case 'ca-path':
      return { ...state, caPath: action.caPath };
    case 'service':
      return { ...state, service: { ...state.service, ...action.patch } };
    case 'device':
      return { ...state, device: { ...state.device, ...action.patch } };
    case 'device-reset': {
      // Another device (or transport): its messages start afresh, the counts of this run stay.
      const form = state.send.form.deviceId === '' || state.send.form.deviceId === state.device.id ? { ...state.send.form, deviceId: action.id ?? '' } : state.send.form;
      return { ...state, device: { ...state.device, id: action.id, transport: action.transport, queueDepth: undefined }, send: keepCursor({ ...state.send, form }) };
    }
    case 'settled':
      return settled(state, action.uid, action.how);
    case 'cursor':
      return action.list === 'device' ? { ...state, device: { ...state.device, cursor: action.cursor } } : { ...state, feedback: { ...state.feedback, cursor: action.cursor } };
    case 'form':
      return { ...state, send: keepCursor({ ...state.send, form: action.form }) };
    case 'focus': {
      // A field takes the keys with the cursor at the end of its text.
      const cursor = action.focus === undefined ? 0 : fieldText(state.send.form, action.focus).length;
      return { ...state, send: { ...state.send, focus: action.focus, lastFocus: action.focus ?? state.send.lastFocus, cursor, goal: undefined } };
    }
    case 'edit':
      return action.target === 'prompt' ? editPrompt(state, action.op) : editField(state, action.op);
    case 'send-result': {
      const recent = action.recent ? [action.recent, ...state.send.recent].slice(0, MAX_RECENT) : state.send.recent;
      return { ...state, send: { ...state.send, result: action.result, recent, recall: -1 } };
    }
    case 'recall': {
      const item = state.send.recent[action.index];
      if (!item) return state;
      const cursor = state.send.focus === undefined ? 0 : fieldText(item.form, state.send.focus).length;
      return { ...state, send: { ...state.send, form: item.form, cursor, goal: undefined, recall: action.index, result: { level: 'info', text: `Recalled the send of ${item.messageId} (${action.index + 1} of ${state.send.recent.length}).` } } };
    }
    case 'filter':
      return { ...state, feedback: { ...state.feedback, filter: action.filter, cursor: undefined } };
  }
}

/** The form changed under the cursor: keep it within the focused field's text. */
function keepCursor(send: State['send']): State['send'] {
  const text = send.focus === undefined ? '' : fieldText(send.form, send.focus);
  const cursor = clampCursor(text, send.cursor);
  return cursor === send.cursor ? send : { ...send, cursor, goal: undefined };
}

/** What may be inserted: the payload keeps line breaks (as \n), one-line fields and the prompt drop them. */
function cleanInsert(op: EditOp, multiline: boolean): EditOp {
  if (op.kind !== 'insert') return op;
  return { kind: 'insert', text: multiline ? op.text.replace(/\r\n?/g, '\n') : op.text.replace(/[\r\n]+/g, '') };
}

function editField(state: State, op: EditOp): State {
  const s = state.send;
  if (s.focus === undefined || !isTextField(s.focus)) return state;
  const text = fieldText(s.form, s.focus);
  const next = applyEdit({ text, cursor: s.cursor, goal: s.goal }, cleanInsert(op, s.focus === 'payload'));
  const form = next.text === text ? s.form : setFieldText(s.form, s.focus, next.text);
  return { ...state, send: { ...s, form, cursor: next.cursor, goal: next.goal } };
}

function editPrompt(state: State, op: EditOp): State {
  const overlay = state.overlay;
  if (overlay?.kind !== 'prompt') return state;
  const next = applyEdit({ text: overlay.text, cursor: overlay.cursor }, cleanInsert(op, false));
  // A change to the text clears the complaint about it.
  if (next.text !== overlay.text) {
    const { error: _cleared, ...rest } = overlay;
    return { ...state, overlay: { ...rest, text: next.text, cursor: next.cursor } };
  }
  return { ...state, overlay: { ...overlay, cursor: next.cursor } };
}

/** How a message stands on arrival: MQTT acknowledges at once; other transports complete in auto mode. */
function arrivalSettlement(state: State, message: ReceivedMessage): LocalSettlement | undefined {
  if (message.transport === 'mqtt' || message.transport === 'mqtt-ws') return 'acknowledged';
  return state.device.settleMode === 'auto' ? 'completed' : undefined;
}

/** A mutable working copy of the parts a batch touches, copied once per batch. */
interface Draft {
  messages?: MessageView[];
  total: number;
  nextUid: number;
  rows?: Map<string, FeedbackRow>;
  counts?: Record<string, number>;
  latencies?: number[];
  records: number;
  repeat?: State['send']['repeat'];
}

function applyEvents(state: State, events: StreamEvent[]): State {
  const d: Draft = { total: state.device.total, nextUid: state.device.nextUid, records: state.feedback.records };
  const rows = (): Map<string, FeedbackRow> => (d.rows ??= new Map(state.feedback.rows));
  const counts = (): Record<string, number> => (d.counts ??= { ...state.feedback.counts });
  const latencies = (): number[] => (d.latencies ??= [...state.feedback.latencies]);

  const setRow = (row: FeedbackRow, previous: RowStatus | undefined): void => {
    const c = counts();
    if (previous !== undefined) c[previous] = (c[previous] ?? 1) - 1;
    c[row.status] = (c[row.status] ?? 0) + 1;
    rows().set(row.messageId, row);
  };
  const advance = (row: FeedbackRow, status: RowStatus, patch: Partial<FeedbackRow>): void => {
    const next = RANK[status] > RANK[row.status] ? { ...row, ...patch, status } : { ...row, ...patch };
    setRow(next, row.status);
  };

  for (const event of events) {
    switch (event.type) {
      case 'received': {
        // A payload may be a view into a transport's large read buffer: keep a copy of its own bytes only.
        const payload = event.message.payload;
        const message = payload.byteLength < payload.buffer.byteLength ? { ...event.message, payload: Buffer.from(payload) } : event.message;
        d.messages ??= [...state.device.messages];
        const settledAs = arrivalSettlement(state, message);
        d.messages.push({ uid: d.nextUid++, connection: event.connection, deviceId: event.deviceId, message, size: message.payload.length, ...(settledAs ? { settled: settledAs } : {}) });
        d.total += 1;
        const row = message.messageId ? rows().get(message.messageId) : undefined;
        if (row?.mine && row.receiptLatency === undefined) {
          const patch = { receiptLatency: row.sentMs === undefined ? undefined : message.receivedMs - row.sentMs };
          if (settledAs && row.ack === 'negative' && RANK[row.status] < 3) {
            advance(row, 'no feedback expected', { ...patch, note: 'completed; ack negative reports failures only' });
          } else advance(row, 'received', patch);
        }
        break;
      }
      case 'feedback':
        for (const record of event.batch.records) feedbackRecord(record, event.batch.receivedMs);
        break;
      case 'send-started':
        setRow(
          {
            messageId: event.message.messageId ?? '',
            deviceId: event.deviceId,
            mine: true,
            ack: event.message.ack,
            status: 'sending',
            sentMs: event.atMs,
            message: event.message,
          },
          rows().get(event.message.messageId ?? '')?.status,
        );
        break;
      case 'send-enqueued': {
        const row = rows().get(event.result.messageId);
        if (!row) break;
        const patch = { result: event.result, enqueueLatency: row.sentMs === undefined ? undefined : event.result.enqueuedMs - row.sentMs };
        if (row.ack === 'none') advance(row, 'no feedback requested', patch);
        else advance(row, 'enqueued', patch);
        break;
      }
      case 'send-refused': {
        const row = rows().get(event.messageId);
        if (row) advance(row, 'refused', { note: event.reason });
        break;
      }
      case 'repeat':
        d.repeat = event.repeat;
        break;
    }
  }

  function feedbackRecord(record: FeedbackRecord, receivedMs: number): void {
    d.records += 1;
    const row = rows().get(record.originalMessageId);
    if (row?.mine) {
      const latency = row.sentMs === undefined ? undefined : receivedMs - row.sentMs;
      if (latency !== undefined) latencies().push(latency);
      setRow({ ...row, status: record.statusCode, record, recordReceivedMs: receivedMs, feedbackLatency: latency }, row.status);
    } else {
      setRow(
        { messageId: record.originalMessageId, deviceId: record.deviceId, mine: false, status: record.statusCode, record, recordReceivedMs: receivedMs },
        row?.status,
      );
    }
  }

  let device = state.device;
  if (d.messages) {
    const messages = d.messages;
    let cursor = device.cursor;
    const drop = messages.length - MAX_MESSAGES;
    if (drop > 0) {
      messages.splice(0, drop);
      if (cursor !== undefined) cursor = Math.max(0, cursor - drop);
    }
    // Messages that just fell out of the newest FULL_PAYLOADS keep only the start of their payload.
    const end = messages.length - FULL_PAYLOADS;
    for (let i = Math.max(0, end - (d.total - state.device.total)); i < end; i++) {
      const view = messages[i] as MessageView;
      if (view.truncated || view.message.payload.length <= TRUNCATED_PAYLOAD_BYTES) continue;
      messages[i] = { ...view, truncated: true, message: { ...view.message, payload: Buffer.from(view.message.payload.subarray(0, TRUNCATED_PAYLOAD_BYTES)) } };
    }
    device = { ...device, messages, total: d.total, nextUid: d.nextUid, cursor };
  }
  let feedback = state.feedback;
  if (d.rows || d.records !== feedback.records) {
    const map = d.rows ?? feedback.rows;
    if (map.size > MAX_ROWS) {
      // The oldest rows go, and with them their share of the counts (the tabs count the rows held).
      const c = counts();
      let excess = map.size - MAX_ROWS;
      for (const [key, row] of map) {
        if (excess-- <= 0) break;
        c[row.status] = (c[row.status] ?? 1) - 1;
        map.delete(key);
      }
    }
    const lat = d.latencies ?? feedback.latencies;
    if (lat.length > MAX_LATENCIES) lat.splice(0, lat.length - MAX_LATENCIES);
    feedback = { ...feedback, rows: map, counts: d.counts ?? feedback.counts, latencies: lat, records: d.records };
  }
  const send = d.repeat ? { ...state.send, repeat: d.repeat } : state.send;
  return { ...state, device, feedback, send };
}

function settled(state: State, uid: number, how: LocalSettlement): State {
  const index = findMessage(state.device.messages, uid);
  if (index < 0) return state;
  const messages = [...state.device.messages];
  const view = messages[index] as MessageView;
  messages[index] = { ...view, settled: how };
  let feedback = state.feedback;
  const row = view.message.messageId ? feedback.rows.get(view.message.messageId) : undefined;
  const note =
    row?.mine && RANK[row.status] < 3
      ? row.ack === 'positive' && how === 'rejected'
        ? 'rejected; ack positive reports successes only'
        : row.ack === 'negative' && how === 'completed'
          ? 'completed; ack negative reports failures only'
          : undefined
      : undefined;
  if (row && note) {
    const rows = new Map(feedback.rows);
    rows.set(row.messageId, { ...row, status: 'no feedback expected', note });
    const counts = { ...feedback.counts, [row.status]: (feedback.counts[row.status] ?? 1) - 1, 'no feedback expected': (feedback.counts['no feedback expected'] ?? 0) + 1 };
    feedback = { ...feedback, rows, counts };
  }
  return { ...state, device: { ...state.device, messages }, feedback };
}

/** The index of the message with `uid` (uids grow along the list: a binary search), or -1. */
export function findMessage(messages: readonly MessageView[], uid: number): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = (messages[mid] as MessageView).uid;
    if (at === uid) return mid;
    if (at < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
