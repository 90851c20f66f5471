/**
 * A device of the hub benchmark's protocol-level case, without the Azure SDK: an mqtt.js client (the floor's
 * own library) over verified TLS (the hub's CA added to Node's roots), TCP_NODELAY, connecting as
 * azure-iot-device-mqtt does (client id = device id, username `{HostName}/{id}/?api-version=…`, the device
 * SAS token as the password, CleanSession 0), subscribed to `devices/{id}/messages/devicebound/#` at QoS 1.
 * mqtt.js acknowledges each message (PUBACK = complete) after its `message` event.
 */
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import { caBundle } from '../../src/clients/trust.js';

export class ProtocolDevice {
  private constructor(private readonly client: MqttClient) {}

  static async open(connectionString: string, caPem: string): Promise<ProtocolDevice> {
    const cs = parseDeviceConnectionString(connectionString);
    const [host, port] = (cs.gatewayHostName ?? cs.hostName).split(':') as [string, string | undefined];
    const client = await mqtt.connectAsync({
      host,
      port: Number(port ?? 8883),
      protocol: 'mqtts',
      servername: host,
      ca: caBundle(caPem),
      clientId: cs.deviceId,
      username: `${cs.hostName}/${cs.deviceId}/?api-version=2021-04-12&DeviceClientType=iot-c2d-bench`,
      password: createSasToken(`${cs.hostName}/devices/${cs.deviceId}`, cs.key as string, Math.floor(Date.now() / 1000) + 3600),
      protocolVersion: 4,
      clean: false,
      keepalive: 180,
      reconnectPeriod: 0,
    });
    (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    await client.subscribeAsync(`devices/${cs.deviceId}/messages/devicebound/#`, { qos: 1 });
    return new ProtocolDevice(client);
  }

  /** Each message's id (`$.mid` of the topic's property bag), decoded as the SDK decodes the bag. */
  onMessage(listener: (messageId: string | undefined) => void): void {
    this.client.on('message', (topic) => {
      const properties = new Map<string, string>();
      for (const pair of (topic.split('/')[4] ?? '').split('&')) {
        if (pair === '') continue;
        const [key, value] = pair.split('=');
        properties.set(decodeURIComponent(key as string), decodeURIComponent(value ?? ''));
      }
      listener(properties.get('$.mid'));
    });
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
