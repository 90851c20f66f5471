/**
 * An MQTT 3.1.1 PUBLISH packet (section 3.3) as one buffer: what the hub writes for each C2D message, in one
 * socket write (one TLS record), without going through aedes's publish path (see broker.ts).
 */

/** The largest remaining length MQTT can express (four length bytes). */
const MAX_REMAINING_LENGTH = 268_435_455;

/** A PUBLISH with retain and dup clear; `packetId` (1–65535) is written for QoS 1 only. */
export function publishPacket(topic: string, payload: Buffer, qos: 0 | 1, packetId: number): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  const remaining = 2 + topicBytes + (qos === 1 ? 2 : 0) + payload.length;
  if (remaining > MAX_REMAINING_LENGTH) throw new RangeError(`an MQTT packet holds at most ${MAX_REMAINING_LENGTH} bytes, not ${remaining}`);
  let lengthBytes = 1;
  for (let n = remaining; n > 127; n = Math.floor(n / 128)) lengthBytes++;
  const packet = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  let at = 0;
  packet[at++] = 0x30 | (qos << 1);
  for (let n = remaining; ; ) {
    const digit = n % 128;
    n = Math.floor(n / 128);
    packet[at++] = n > 0 ? digit | 0x80 : digit;
    if (n === 0) break;
  }
  packet.writeUInt16BE(topicBytes, at);
  at += 2;
  at += packet.write(topic, at, 'utf8');
  if (qos === 1) {
    packet.writeUInt16BE(packetId, at);
    at += 2;
  }
  payload.copy(packet, at);
  return packet;
}
