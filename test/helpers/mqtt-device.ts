/**
 * A device that is no SDK: a plain MQTT client (mqtt.js) with a SAS token as its password, as mosquitto_pub
 * -P or paho (under the Python SDK) connect. It subscribes only when the test does.
 */
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { caBundle } from '../../src/clients/trust.js';
import { parseDeviceConnectionString } from '../../src/core/connection-string.js';
import { createSasToken } from '../../src/core/sas.js';
import type { Hub } from '../../src/hub/index.js';

export interface PlainMqttDevice {
  client: MqttClient;
  /** The topics of the PUBLISHes it received, in order. */
  received: string[];
  /** The CONNACK's session-present flag. */
  sessionPresent: boolean;
}

export async function plainMqttDevice(hub: Hub, deviceId: string, clean: boolean): Promise<PlainMqttDevice> {
  const key = parseDeviceConnectionString(hub.deviceConnectionString(deviceId)).key as string;
  const client = connect(`mqtts://localhost:${hub.port}`, {
    clientId: deviceId,
    username: `localhost/${deviceId}/?api-version=2021-04-12`,
    password: createSasToken(`localhost/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 3600),
    clean,
    ca: caBundle(hub.caPem),
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const received: string[] = [];
  client.on('message', (topic) => received.push(topic));
  const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return { client, received, sessionPresent: connack.sessionPresent };
}
