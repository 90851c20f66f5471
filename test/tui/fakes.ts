/** Fakes of the client interfaces the TUI sees (src/clients/types.ts), driven by the tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceInfo, FeedbackBatch, LinkState, OutgoingMessage, ReceivedMessage, RegistrySide, SendResult, ServiceSide, Settlement } from '../../src/clients/types.js';
import { formatDeviceConnectionString, formatServiceConnectionString } from '../../src/core/connection-string.js';
import type { DeviceTransport, FeedbackRecord } from '../../src/core/types.js';
import type { DeviceCertificate, TuiConnector, TuiDevice } from '../../src/tui/connector.js';

export const KEY = Buffer.alloc(32, 7).toString('base64');
export const SERVICE_CS = formatServiceConnectionString({ hostName: 'fake-hub.azure-devices.net', keyName: 'iothubowner', key: KEY });
export const DEVICE_CS = formatDeviceConnectionString({ hostName: 'fake-hub.azure-devices.net', deviceId: 'dev1', key: KEY });

class Link {
  value: LinkState = { status: 'connected' };
  readonly listeners = new Set<(s: LinkState) => void>();
  set(state: LinkState): void {
    this.value = state;
    for (const l of this.listeners) l(state);
  }
  subscribe(l: (s: LinkState) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** A refusal as the client wrappers throw it (ClientError: a kind and one sentence). */
export function refusal(kind: string, message: string): Error {
  return Object.assign(new Error(message), { kind });
}

export class FakeService implements ServiceSide {
  readonly hostName = 'fake-hub.azure-devices.net';
  readonly link = new Link();
  readonly feedbackLink = new Link();
  readonly sent: Array<{ deviceId: string; message: OutgoingMessage }> = [];
  feedbackListener: ((batch: FeedbackBatch) => void) | undefined;
  /** What the next sends do: undefined enqueues; an Error refuses. */
  outcome: (deviceId: string, message: OutgoingMessage) => Error | undefined = () => undefined;
  closed = false;

  state(): LinkState {
    return this.link.value;
  }
  onState(l: (s: LinkState) => void): () => void {
    return this.link.subscribe(l);
  }
  feedbackState(): LinkState {
    return this.feedbackLink.value;
  }
  onFeedbackState(l: (s: LinkState) => void): () => void {
    return this.feedbackLink.subscribe(l);
  }
  async send(deviceId: string, message: OutgoingMessage): Promise<SendResult> {
    this.sent.push({ deviceId, message });
    const error = this.outcome(deviceId, message);
    if (error) throw error;
    return { messageId: message.messageId ?? 'generated', enqueuedMs: Date.now() };
  }
  async startFeedback(listener: (batch: FeedbackBatch) => void): Promise<void> {
    this.feedbackListener = listener;
  }
  /** The hub's feedback for a message. */
  feedback(records: Array<Partial<FeedbackRecord> & { originalMessageId: string }>): void {
    this.feedbackListener?.({
      receivedMs: Date.now(),
      records: records.map((r) => ({ deviceId: 'dev1', deviceGenerationId: 'g1', enqueuedTimeUtc: new Date().toISOString(), statusCode: 'Success', description: 'Success', ...r })),
    });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeDevice implements TuiDevice {
  readonly link = new Link();
  readonly listeners = new Set<(m: ReceivedMessage) => void>();
  readonly settled: Array<[number, Settlement]> = [];
  autoComplete: boolean;
  closed = false;
  private nextId = 1;

  constructor(
    readonly deviceId: string,
    readonly transport: DeviceTransport,
    autoComplete = true,
  ) {
    this.autoComplete = autoComplete;
  }
  state(): LinkState {
    return this.link.value;
  }
  onState(l: (s: LinkState) => void): () => void {
    return this.link.subscribe(l);
  }
  onMessage(l: (m: ReceivedMessage) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  cannot(how: Settlement): string | undefined {
    return how !== 'complete' && this.transport.startsWith('mqtt') ? 'MQTT has no reject or abandon.' : undefined;
  }
  async settle(id: number, how: Settlement): Promise<void> {
    this.settled.push([id, how]);
  }
  setAutoComplete(on: boolean): void {
    this.autoComplete = on;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  /** A C2D message arrives. */
  receive(fields: Partial<ReceivedMessage> = {}): ReceivedMessage {
    const message: ReceivedMessage = { id: this.nextId++, receivedMs: Date.now(), transport: this.transport, payload: Buffer.from('hello'), properties: [], ...fields };
    for (const l of this.listeners) l(message);
    return message;
  }
}

export class FakeRegistry implements RegistrySide {
  depth = 0;
  async create(deviceId: string): Promise<DeviceInfo> {
    return this.get(deviceId);
  }
  async get(deviceId: string): Promise<DeviceInfo> {
    return { deviceId, status: 'enabled', connectionState: 'Connected', cloudToDeviceMessageCount: this.depth, generationId: 'g1' };
  }
  async list(): Promise<DeviceInfo[]> {
    return [];
  }
  async delete(): Promise<void> {}
  async purge(): Promise<number> {
    return 0;
  }
  deviceConnectionString(_info: DeviceInfo): string {
    return DEVICE_CS;
  }
}

export interface Fakes {
  connector: TuiConnector;
  service: FakeService;
  registry: FakeRegistry;
  /** Every device the connector opened, newest last. */
  devices: FakeDevice[];
  device(): FakeDevice;
  openedDevice: Array<{ connectionString: string; transport: DeviceTransport; x509?: DeviceCertificate }>;
  shutdowns: number;
  dir: string;
}

export function fakes(overrides: Partial<TuiConnector> = {}): Fakes {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-tui-'));
  const service = new FakeService();
  const registry = new FakeRegistry();
  const f: Fakes = {
    service,
    registry,
    devices: [],
    device: () => f.devices[f.devices.length - 1] as FakeDevice,
    openedDevice: [],
    shutdowns: 0,
    dir,
    connector: {
      hubLabel: 'fake-hub.azure-devices.net',
      local: true,
      transport: 'mqtt',
      feedback: true,
      serviceConnectionString: SERVICE_CS,
      deviceConnectionString: DEVICE_CS,
      caPath: '/tmp/ca.pem',
      exportDir: dir,
      secretsDir: dir,
      openService: async () => ({ service, registry }),
      openDevice: async (connectionString, transport, autoComplete, x509) => {
        f.openedDevice.push({ connectionString, transport, ...(x509 ? { x509 } : {}) });
        const device = new FakeDevice(/DeviceId=([^;]+)/.exec(connectionString)?.[1] ?? '?', transport, autoComplete);
        f.devices.push(device);
        return device;
      },
      shutdown: async () => {
        f.shutdowns += 1;
      },
      ...overrides,
    },
  };
  return f;
}
