/** The wrapped SDK clients connected to a test hub, with collectors for what they receive. */
import { DeviceClient } from '../../src/clients/device-client.js';
import type { DeviceClientOptions } from '../../src/clients/device-client.js';
import { RegistryClient } from '../../src/clients/registry-client.js';
import { ServiceClient } from '../../src/clients/service-client.js';
import type { FeedbackBatch, OutgoingMessage, ReceivedMessage } from '../../src/clients/types.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import type { Hub } from '../../src/hub/index.js';
import { Collector } from './wait.js';

export async function openService(hub: Hub): Promise<{ service: ServiceClient; feedback: Collector<FeedbackRecord> }> {
  const service = await ServiceClient.open({ connectionString: hub.serviceConnectionString(), ca: hub.caPem });
  const feedback = new Collector<FeedbackRecord>();
  await service.startFeedback((batch: FeedbackBatch) => batch.records.forEach(feedback.push));
  return { service, feedback };
}

export async function openDevice(
  hub: Hub,
  deviceId: string,
  options: Partial<DeviceClientOptions> = {},
): Promise<{ device: DeviceClient; received: Collector<ReceivedMessage> }> {
  hub.ensureDevice(deviceId);
  const device = await DeviceClient.open({ connectionString: hub.deviceConnectionString(deviceId), ca: hub.caPem, httpPollSeconds: 0.1, ...options });
  const received = new Collector<ReceivedMessage>();
  device.onMessage(received.push);
  return { device, received };
}

export function openRegistry(hub: Hub): RegistryClient {
  return new RegistryClient({ connectionString: hub.serviceConnectionString(), ca: hub.caPem });
}

export function message(fields: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { payload: Buffer.from('hello'), properties: [], ack: 'full', ...fields };
}
