/**
 * The devices' PUBACKs taken straight to their delivery, ahead of aedes's parser. A device that receives C2D
 * messages sends little else: one 4-byte PUBACK per message. aedes hands each through mqtt-packet's parser (a
 * buffer list, four parsing states, a packet object, an event), its handler and a promise of the persistence
 * (`outgoingClearMessageId`, where broker.ts's tracker completes the message), then reads the socket again:
 * about a twentieth of the hub's CPU per message over 100 devices (bench/README.md, HUB4).
 *
 * A chunk made only of whole PUBACKs with no reason code (`0x40 0x02 id id`, MQTT 3.1.1 and 5 alike), read
 * while the parser holds nothing of an earlier packet, completes its messages here; anything else (another
 * packet, a PUBACK split across reads, a malformed one) goes to aedes's parser as it came, so the protocol,
 * its checks and its errors stay aedes's. The keep-alive is refreshed as aedes refreshes it for any packet.
 */

/** The parts of aedes's client (lib/client.js, aedes 1.2) the reader uses. */
interface ParsingClient {
  _parser: { parse(buf: Buffer): number; _list: { length: number }; _stateCounter: number; error: Error | null };
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
}

const PUBACK = 0x40;
const PUBACK_LENGTH = 4;

/** Does `buf` hold only whole PUBACKs of remaining length 2? */
function onlyPubacks(buf: Buffer): boolean {
  if (buf.length === 0 || buf.length % PUBACK_LENGTH !== 0) return false;
  for (let at = 0; at < buf.length; at += PUBACK_LENGTH) if (buf[at] !== PUBACK || buf[at + 1] !== 2) return false;
  return true;
}

/**
 * Puts the reader in front of `client`'s parser: `acked(packetId)` gets each PUBACK of a chunk that holds
 * nothing else, or nothing happens here and aedes parses it (then aedes's persistence reports the PUBACKs).
 * `acked` returns false when the client no longer takes deliveries (then aedes parses).
 */
export function readPubacksFirst(client: unknown, acked: (packetId: number) => boolean): void {
  const c = client as ParsingClient;
  const parser = c._parser;
  const parse = parser.parse.bind(parser);
  parser.parse = (buf: Buffer): number => {
    if (parser._list.length !== 0 || parser._stateCounter !== 0 || parser.error !== null || !onlyPubacks(buf)) return parse(buf);
    for (let at = 0; at < buf.length; at += PUBACK_LENGTH) {
      if (!acked(buf.readUInt16BE(at + 2))) return parse(buf.subarray(at));
    }
    if (c._keepaliveInterval > 0) c._keepaliveTimer?.refresh();
    return 0;
  };
}
