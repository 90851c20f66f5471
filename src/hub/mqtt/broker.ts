/**
 * Device MQTT (3.1.1) on aedes. aedes speaks the protocol; IoT Hub's policy is injected through its hooks:
 * CONNECT checks the SAS token in the password (or, with no password, the client certificate of the TLS
 * connection, for X.509 devices), a device may subscribe only to its own C2D topic (and the twin and method
 * topics, answered as an empty twin: topics.ts) and publish only telemetry (and twin requests), and a C2D
 * message goes out at QoS 1, its PUBACK completing it.
 *
 * The C2D queue is the only store of messages, and the hub writes each C2D PUBLISH itself (publish-packet.ts:
 * one buffer, one socket write, in the tick that hands the message over) with packet ids of its own: aedes's
 * publish path would copy the packet twice, defer it by a promise and a setImmediate (so that the message's
 * SQLite commit went out before it), and write it in six pieces. aedes still parses everything the device
 * sends: its PUBACKs reach the hub through the persistence's `outgoingClearMessageId`, replaced by a tracker
 * that maps each packet id to the message's lock, and aedes forwards nothing. A chunk of whole PUBACKs and
 * nothing else is taken to the tracker ahead of aedes's parser (puback-reader.ts).
 *
 * A session with CleanSession 0 keeps its C2D subscription across connections and hub restarts, as on IoT
 * Hub: the core stores it, and aedes's (memory) persistence is given it again at start, so such a device
 * gets its messages after a reconnect without subscribing again (paho, under the Python SDK, does not).
 */
import { Aedes } from 'aedes';
import type { Client, Subscription } from 'aedes';
import memoryPersistenceModule from 'aedes-persistence';
import type { AedesMemoryPersistence } from 'aedes-persistence';
import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { grantsDevice } from '../core/auth.js';
import type { C2dConsumer, HubCore } from '../core/hub-core.js';
import type { LockedMessage } from '../core/model.js';
import { peerCertificateOf } from '../device-certificates.js';
import { publishPacket } from './publish-packet.js';
import { readPubacksFirst } from './puback-reader.js';
import { TWIN_AND_METHOD_SUBSCRIPTIONS, c2dSubscription, c2dTopic, deviceFromUsername, isTelemetryTopic, twinOrMethodReply } from './topics.js';

/** PUBLISHes in flight to one device before waiting for PUBACKs. */
const MAX_IN_FLIGHT = 64;
/** The longest topic an MQTT packet can carry (its length is two bytes). */
const MAX_TOPIC_BYTES = 65_535;

interface Session {
  deviceId: string;
  expiresAtMs: number;
  delivery?: MqttDelivery;
  detach?: () => void;
  leave?: () => void;
  expiryTimer?: NodeJS.Timeout;
}

/** One connected device's C2D stream: PUBLISH out, PUBACK in. */
class MqttDelivery implements C2dConsumer {
  /** Lock tokens by MQTT packet id, until the PUBACK. */
  private readonly inFlight = new Map<number, string>();
  private lastPacketId = 0;
  closed = false;

  constructor(
    private readonly core: HubCore,
    private readonly client: Client,
    private readonly deviceId: string,
    private readonly qos: 0 | 1,
  ) {}

  credit(): number {
    return this.closed ? 0 : MAX_IN_FLIGHT - this.inFlight.size;
  }

  /** Another connection of this device (over AMQP: aedes itself ends a second MQTT one) takes its messages. */
  replaced(): void {
    this.closed = true;
    this.core.log(`mqtt: device "${this.deviceId}" connected again elsewhere; closing this connection`);
    this.client.close();
  }

  deliver({ message, lockToken }: LockedMessage): void {
    const conn = this.client.conn;
    // Gone: the lock is released when aedes reports the disconnection (stopDelivery).
    if (conn.destroyed || conn.writableEnded) return;
    const topic = c2dTopic(message);
    const topicBytes = Buffer.byteLength(topic);
    if (topicBytes > MAX_TOPIC_BYTES) {
      // MQTT writes a topic's length in two bytes: a longer one would be a broken packet, the device's client
      // would drop the connection and get the same message again on every reconnection. It is rejected.
      this.core.log(`mqtt: message "${message.messageId ?? '(no id)'}" for "${this.deviceId}" needs a ${topicBytes}-byte topic, more than MQTT's ${MAX_TOPIC_BYTES}: rejected (its properties, percent-encoded, are too long for MQTT; AMQP and HTTPS devices can receive it)`);
      this.core.settle(this.deviceId, lockToken, 'reject');
      return;
    }
    if (this.qos === 0) {
      // No PUBACK at QoS 0: the message is complete once written.
      conn.write(publishPacket(topic, message.body, 0, 0), (err?: Error | null) => {
        if (!err) this.core.settle(this.deviceId, lockToken, 'complete');
      });
      return;
    }
    const packetId = this.nextPacketId();
    this.inFlight.set(packetId, lockToken);
    conn.write(publishPacket(topic, message.body, 1, packetId));
  }

  /** PUBACK: over MQTT, delivered means completed. */
  acked(packetId: number): void {
    const lockToken = this.inFlight.get(packetId);
    if (lockToken === undefined) return;
    this.inFlight.delete(packetId);
    this.core.settle(this.deviceId, lockToken, 'complete');
  }

  /** 1–65535, skipping ids still awaiting their PUBACK (at most MAX_IN_FLIGHT are). */
  private nextPacketId(): number {
    do this.lastPacketId = (this.lastPacketId % 65535) + 1;
    while (this.inFlight.has(this.lastPacketId));
    return this.lastPacketId;
  }
}

export interface MqttServer {
  /**
   * Serves one client stream: a TLS socket, or a WebSocket stream with the TLS socket it was upgraded from
   * (whose client certificate authenticates X.509 devices).
   */
  handle(stream: Duplex, tlsSocket?: TLSSocket): void;
  close(): Promise<void>;
}

export async function createMqttServer(core: HubCore): Promise<MqttServer> {
  const sessions = new WeakMap<Client, Session>();
  const tlsSockets = new WeakMap<Client, TLSSocket>();

  // aedes-persistence is CommonJS whose types claim an ES default export: the module itself is the factory.
  const persistence = (memoryPersistenceModule as unknown as () => AedesMemoryPersistence)();
  // The C2D queue owns every message: replace aedes's outgoing store with the PUBACK tracker.
  Object.assign(persistence, {
    outgoingEnqueue: async () => undefined,
    outgoingEnqueueCombi: async () => undefined,
    outgoingStream: () => Readable.from([]),
    outgoingUpdate: async () => undefined,
    outgoingClearMessageId: async (client: Client, packet: { messageId: number }) => {
      sessions.get(client)?.delivery?.acked(packet.messageId);
      return undefined;
    },
  });

  /** Clients something was logged about (or that connected): any other that closes gets one line. */
  const accounted = new WeakSet<Client>();
  const refuse = (client: Client, reason: string, returnCode: number, done: (err: Error & { returnCode: number }, ok: null) => void): void => {
    accounted.add(client);
    core.log(`mqtt: refused connection of "${client.id}": ${reason}`);
    done(Object.assign(new Error(reason), { returnCode }), null);
  };

  /** Clients that connected with CleanSession 1 (see preConnect). */
  const cleanSessions = new WeakSet<Client>();
  // aedes-persistence 11 returns a promise (its types still describe a callback).
  const dropSubscriptions = (client: Client): Promise<void> =>
    (persistence as unknown as { cleanSubscriptions(c: { id: string }): Promise<void> }).cleanSubscriptions({ id: client.id });

  const broker = await Aedes.createBroker({
    persistence,
    // Sessions are kept non-clean in aedes (once needed for aedes to report the packet ids it assigned; the
    // hub now assigns them itself). A client that asked for a clean session still gets one, as on IoT Hub:
    // what an earlier session subscribed is dropped once the client is let in (below), and what this one
    // subscribes goes when it closes.
    preConnect: (client, packet, done) => {
      if (packet.clean) cleanSessions.add(client);
      packet.clean = false;
      done(null, true);
    },
    authenticate: (client, username, password, done) => {
      const who = deviceFromUsername(username);
      if (typeof who === 'string') return refuse(client, who, 5, done);
      if (client.id !== who.deviceId) return refuse(client, `client id "${client.id}" must equal the device id "${who.deviceId}"`, 2, done);
      // The device SDK sends no password when it authenticates with a certificate.
      // With neither, the certificate check names what is missing (not a "malformed token").
      const result = core.authenticate(password?.length ? { token: password.toString('utf8') } : { deviceId: who.deviceId, certificate: peerCertificateOf(tlsSockets.get(client)) });
      if (!result.ok) return refuse(client, result.reason, 5, done);
      if (!grantsDevice(result.grant, who.deviceId)) return refuse(client, `the token does not let "${who.deviceId}" connect`, 5, done);
      sessions.set(client, { deviceId: who.deviceId, expiresAtMs: result.grant.expiresAtMs });
      if (!cleanSessions.has(client)) return done(null, true);
      core.keepMqttSession(who.deviceId, undefined);
      dropSubscriptions(client).then(
        () => done(null, true),
        (err: Error) => refuse(client, `its earlier session could not be cleared (${err.message})`, 3, done),
      );
    },
    authorizeSubscribe: (client, sub, done) => {
      const session = sessions.get(client);
      if (session && sub.topic === c2dSubscription(session.deviceId)) {
        done(null, { ...sub, qos: Math.min(sub.qos, 1) as 0 | 1 });
        return;
      }
      if (session && TWIN_AND_METHOD_SUBSCRIPTIONS.has(sub.topic)) {
        done(null, { ...sub, qos: 0 });
        return;
      }
      core.log(`mqtt: "${client.id}" may not subscribe to ${sub.topic}: only devices/${session?.deviceId}/messages/devicebound/# (and the twin and method topics) is served`);
      done(null, null);
    },
    authorizePublish: (client, packet, done) => {
      const session = client && sessions.get(client);
      if (session && isTelemetryTopic(session.deviceId, packet.topic)) {
        core.markSeen(session.deviceId);
        done(null);
        return;
      }
      const reply = client && session ? twinOrMethodReply(packet.topic) : undefined;
      if (client && reply !== undefined) {
        done(null);
        // Written after aedes has taken the request (and acknowledged it, at QoS 1), to a device that listens.
        const subscribed = (client as unknown as { subscriptions: Record<string, unknown> }).subscriptions['$iothub/twin/res/#'] !== undefined;
        if (reply !== 'none' && subscribed) setImmediate(() => client.conn.writableEnded || client.conn.write(publishPacket(reply.topic, reply.body, 0, 0)));
        return;
      }
      core.log(`mqtt: "${client?.id}" may not publish to ${packet.topic}; closing its connection`);
      done(new Error('publishing is allowed to devices/{id}/messages/events/ only'));
    },
    // Telemetry has no subscribers here; never forward anything a device publishes (C2D is written directly).
    authorizeForward: () => null,
  });

  /** Clients whose PUBACKs are read ahead of aedes's parser (puback-reader.ts). */
  const readingPubacks = new WeakSet<Client>();
  const startDelivery = (client: Client, qos: 0 | 1): void => {
    const session = sessions.get(client);
    if (!session || session.delivery) return;
    session.delivery = new MqttDelivery(core, client, session.deviceId, qos);
    session.detach = core.attachConsumer(session.deviceId, session.delivery);
    if (readingPubacks.has(client)) return;
    readingPubacks.add(client);
    readPubacksFirst(client, (packetId) => {
      const delivery = sessions.get(client)?.delivery;
      delivery?.acked(packetId);
      return delivery !== undefined;
    });
  };

  const stopDelivery = (session: Session): void => {
    if (session.delivery) session.delivery.closed = true;
    session.detach?.();
    session.delivery = undefined;
    session.detach = undefined;
  };

  // The sessions stored by an earlier run of the hub (restored on the device's next non-clean CONNECT).
  const addSubscriptions = (persistence as unknown as { addSubscriptions(c: { id: string }, subs: Array<{ topic: string; qos: number }>): Promise<unknown> }).addSubscriptions.bind(persistence);
  for (const [deviceId, qos] of core.mqttSessions()) await addSubscriptions({ id: deviceId }, [{ topic: c2dSubscription(deviceId), qos }]);

  broker.on('clientReady', (client: Client) => {
    accounted.add(client);
    const session = sessions.get(client);
    if (!session) return;
    core.markSeen(session.deviceId);
    session.leave = core.connected(session.deviceId, () => client.close());
    // The hub closes a connection whose token expires, as IoT Hub does; the SDK reconnects with a new one.
    session.expiryTimer = setTimeout(() => {
      core.log(`mqtt: the token of "${session.deviceId}" expired; closing its connection`);
      client.close();
    }, Math.max(0, Math.min(session.expiresAtMs - Date.now(), 2 ** 31 - 1)));
    session.expiryTimer.unref();
    // A restored (non-clean) session may already hold the C2D subscription.
    const restored = (client as unknown as { subscriptions: Record<string, { qos: number }> }).subscriptions[c2dSubscription(session.deviceId)];
    if (restored) startDelivery(client, restored.qos >= 1 ? 1 : 0);
  });

  broker.on('subscribe', (subs: Subscription[], client: Client) => {
    const session = sessions.get(client);
    const c2d = session && subs.find((s) => s.topic === c2dSubscription(session.deviceId) && (s.qos as number) !== 128);
    if (!session || !c2d) return;
    const qos = c2d.qos >= 1 ? 1 : 0;
    if (!cleanSessions.has(client)) core.keepMqttSession(session.deviceId, qos);
    startDelivery(client, qos);
  });

  broker.on('unsubscribe', (topics: string[], client: Client) => {
    const session = sessions.get(client);
    if (!session || !topics.includes(c2dSubscription(session.deviceId))) return;
    core.keepMqttSession(session.deviceId, undefined);
    stopDelivery(session);
  });

  broker.on('clientDisconnect', (client: Client) => {
    if (cleanSessions.has(client)) dropSubscriptions(client).catch(() => undefined);
    const session = sessions.get(client);
    if (!session) return;
    stopDelivery(session);
    clearTimeout(session.expiryTimer);
    session.leave?.();
    core.markSeen(session.deviceId);
  });

  broker.on('clientError', (client: Client, err: Error) => {
    if (accounted.has(client)) return;
    accounted.add(client);
    core.log(`mqtt: connection of "${client.id}" failed: ${err.message}`);
  });
  broker.on('connectionError', (client: Client, err: Error) => {
    accounted.add(client);
    core.log(`mqtt: bad connection: ${err.message}`);
  });

  return {
    handle: (stream, tlsSocket) => {
      const client = broker.handle(stream);
      const tls = tlsSocket ?? (stream instanceof TLSSocket ? stream : undefined);
      if (tls) tlsSockets.set(client, tls);
      stream.once('close', () => {
        if (!accounted.has(client)) core.log('mqtt: a client closed its connection before sending a complete CONNECT');
      });
    },
    close: () => new Promise<void>((resolve) => broker.close(() => resolve())),
  };
}
