/**
 * An MQTT 3.1.1 PUBLISH packet as one buffer, encoded by mqtt-packet (the codec aedes itself writes with):
 * what the hub writes for each C2D message, in one socket write (one TLS record), without going through
 * aedes's publish path (see broker.ts).
 */
import mqttPacket from 'mqtt-packet';

/** A PUBLISH with retain and dup clear; `packetId` (1–65535) is written for QoS 1 only. */
export function publishPacket(topic: string, payload: Buffer, qos: 0 | 1, packetId: number): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload, qos, retain: false, dup: false, ...(qos === 1 ? { messageId: packetId } : {}) });
}
