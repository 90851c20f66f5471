/** The TUI's whole state, and every action that changes it (reducer.ts). Plain data only. */
import type { FeedbackBatch, LinkState, OutgoingMessage, ReceivedMessage, SendResult } from '../../clients/types.js';
import type { AckMode, DeviceTransport, FeedbackRecord, FeedbackStatus } from '../../core/types.js';
import type { EditOp } from './edit.js';
import type { FieldId, Form } from './form.js';

export type PaneId = 'device' | 'send' | 'feedback';
export const PANES: readonly PaneId[] = ['device', 'send', 'feedback'];

export interface Notice {
  level: 'info' | 'warning' | 'error';
  text: string;
  /** The side it is about: it goes when that side connects (an old refusal does not outlive a good connect). */
  about?: 'device' | 'service';
}

export type Overlay =
  | { kind: 'help'; scroll: number }
  /** `uid`: the message's identity for the TUI's lifetime (MessageView.uid). */
  | { kind: 'details'; uid: number; scroll: number }
  | { kind: 'connection'; written?: string; error?: string }
  /**
   * `cursor`: where typing goes in `text` (edit.ts). `new-device`: the id of a device to create.
   * `device-cert`, `device-key`: the files of an X.509 device whose string (`x509=true`) is in `x509`.
   */
  | { kind: 'prompt'; purpose: PromptPurpose; text: string; cursor: number; error?: string; x509?: PendingX509 }
  /** A choice: a transport, a device, or yes/no before something that loses data. */
  | { kind: 'menu'; purpose: MenuPurpose; title: string; items: MenuItem[]; selected: number; note?: string };

export type PromptPurpose = 'device' | 'service' | 'new-device' | 'payload-file' | 'device-cert' | 'device-key';

/** An X.509 device being connected: its connection string (no key in it) and, once given, its certificate file. */
export interface PendingX509 {
  connectionString: string;
  deviceId: string;
  certPath?: string;
}
export type MenuPurpose = 'transport' | 'purge' | 'quit' | 'device';

export interface MenuItem {
  label: string;
  /** What choosing it means to the controller: a transport, a device id, `yes`, `no`, `new`. */
  value: string;
}

/** What became of a received message on this side. */
export type LocalSettlement = 'acknowledged' | 'completed' | 'rejected' | 'abandoned';

export interface MessageView {
  /**
   * The message's identity for the TUI's whole run: unique across connections (each connection's client numbers
   * its messages from 1 again). Every action on a row (settle, open, mark) goes through it.
   */
  uid: number;
  /** Which device connection delivered it (Connections' generation) and to which device. */
  connection: number;
  deviceId: string;
  message: ReceivedMessage;
  size: number;
  settled?: LocalSettlement;
  /** The payload was cut to save memory (older messages); its full size is `size`. */
  truncated?: boolean;
}

export type RowStatus = 'sending' | 'enqueued' | 'received' | 'refused' | 'no feedback requested' | 'no feedback expected' | FeedbackStatus;

export interface FeedbackRow {
  messageId: string;
  deviceId: string;
  /** Sent in this run (false: a feedback record for a message sent elsewhere). */
  mine: boolean;
  ack?: AckMode;
  status: RowStatus;
  /** Why, for refused and no-feedback rows. */
  note?: string;
  sentMs?: number;
  /** Latencies from the start of the send, ms. */
  enqueueLatency?: number;
  receiptLatency?: number;
  feedbackLatency?: number;
  message?: OutgoingMessage;
  result?: SendResult;
  record?: FeedbackRecord;
  recordReceivedMs?: number;
}

export interface RecentSend {
  form: Form;
  deviceId: string;
  messageId: string;
  atMs: number;
  outcome: Notice;
}

export interface RepeatView {
  total: number;
  started: number;
  enqueued: number;
  refused: number;
  running: boolean;
  lastError?: string;
}

export type SettleMode = 'auto' | 'manual';

export interface State {
  pane: PaneId;
  overlay?: Overlay;
  notice?: Notice;
  hubLabel: string;
  local: boolean;
  /** The CA file clients trust, when there is one (the connection overlay shows it). */
  caPath?: string;
  service: {
    configured: boolean;
    hostName?: string;
    link: LinkState;
    feedbackLink: LinkState;
    feedbackEnabled: boolean;
    /** Why the service side is not there (malformed string, refused), one line. */
    error?: string;
    /** The connection string in use, its key masked (the connection overlay shows it). */
    masked?: string;
  };
  device: {
    configured: boolean;
    id?: string;
    transport: DeviceTransport;
    link: LinkState;
    error?: string;
    /** The connection string in use, its key masked. */
    masked?: string;
    settleMode: SettleMode;
    messages: MessageView[];
    /** Every message received in this run, including those no longer held. */
    total: number;
    /** Selected index into `messages`; undefined follows the tail (the newest row is selected). */
    cursor?: number;
    /** The next MessageView.uid. */
    nextUid: number;
    /** The connection (Connections' generation) that is open now, undefined while none is. */
    connection?: number;
    queueDepth?: number;
  };
  send: {
    form: Form;
    /** The focused field; undefined when the form does not have focus. */
    focus?: FieldId;
    lastFocus: FieldId;
    /** Where typing goes in the focused field's text (edit.ts); focusing a field puts it at the end. */
    cursor: number;
    /** The column ↑/↓ aim for in the payload while they keep moving. */
    goal?: number;
    result?: Notice;
    recent: RecentSend[];
    recall: number;
    repeat?: RepeatView;
  };
  feedback: {
    rows: Map<string, FeedbackRow>;
    counts: Record<string, number>;
    /** Send → feedback latencies of this run's messages (newest 10,000). */
    latencies: number[];
    cursor?: number;
    filter: string;
    /** Feedback records received in total. */
    records: number;
  };
}

/** Stream events: batched, applied at most ~30 times a second. */
export type StreamEvent =
  | { type: 'received'; message: ReceivedMessage; connection: number; deviceId: string }
  | { type: 'feedback'; batch: FeedbackBatch }
  | { type: 'send-started'; deviceId: string; message: OutgoingMessage; atMs: number }
  | { type: 'send-enqueued'; result: SendResult }
  | { type: 'send-refused'; messageId: string; reason: string }
  | { type: 'repeat'; repeat: RepeatView };

export type Action =
  | { type: 'batch'; events: StreamEvent[] }
  | { type: 'pane'; pane: PaneId }
  | { type: 'overlay'; overlay: Overlay | undefined }
  | { type: 'notice'; notice: Notice | undefined }
  /** `side` connected: a notice about it is no longer true. */
  | { type: 'connected'; side: 'device' | 'service' }
  | { type: 'hub-label'; hubLabel: string }
  | { type: 'ca-path'; caPath: string | undefined }
  | { type: 'service'; patch: Partial<State['service']> }
  | { type: 'device'; patch: Partial<State['device']> }
  | { type: 'device-reset'; id: string | undefined; transport: DeviceTransport }
  | { type: 'settled'; uid: number; how: LocalSettlement }
  | { type: 'cursor'; list: 'device' | 'feedback'; cursor: number | undefined }
  | { type: 'form'; form: Form }
  | { type: 'focus'; focus: FieldId | undefined }
  /** An edit at the cursor of the focused form field, or of the paste prompt. */
  | { type: 'edit'; target: 'field' | 'prompt'; op: EditOp }
  | { type: 'send-result'; result: Notice; recent?: RecentSend }
  | { type: 'recall'; index: number }
  | { type: 'filter'; filter: string };
