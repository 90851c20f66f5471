/**
 * AMQP 1.0 on rhea, as IoT Hub serves it, per connection: SASL or none (`sasl.ts`), claims-based security
 * (`$cbs` put-token and the grants a connection holds, `cbs.ts`), and links routed by address (`links.ts`).
 * A link is attached only when a grant on its connection gives what it needs; otherwise it is refused with
 * `amqp:unauthorized-access`. A token that expires without being renewed ends the connection. An X.509
 * device puts no token: the client certificate of its TLS connection authorises links for the device their
 * address names.
 *
 * Every ATTACH reply also carries a max-message-size (1 MiB, what IoT Hub's gateway announces): the C SDK
 * logs an error for each attach without one. The size limits themselves are checked per message (a C2D
 * message over 64 KB is rejected with `amqp:link:message-size-exceeded`, as IoT Hub does).
 *
 * Every ATTACH reply echoes the peer's termini (uAMQP and Qpid Proton read a missing one as a refusal); a
 * refused link gets an attach with a null terminus on the hub's side, then a detach with the error
 * (AMQP 1.0, 2.6.3). A sender and a receiver may share a name on one session, as AMQP allows.
 */
import type { Connection, ConnectionOptions, Delivery, EventContext, Message, Receiver, Sender } from 'rhea';
import rhea from 'rhea';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Grant } from '../core/auth.js';
import type { HubCore } from '../core/hub-core.js';
import { peerCertificateOf } from '../device-certificates.js';
import { CBS_ADDRESS, ConnectionGrants } from './cbs.js';
import { linkAddress } from './convert.js';
import type { Link } from './convert.js';
import { routeLink } from './links.js';
import type { LinkRoute } from './links.js';
import { containerMechanisms, useMechanisms } from './sasl.js';

/** The largest message the hub's links announce in their ATTACH (IoT Hub's gateway announces 1 MiB). */
export const LINK_MAX_MESSAGE_SIZE = 1024 * 1024;

/** What one AMQP connection has proved, and what it holds open. */
interface AmqpConnectionState {
  grants: ConnectionGrants;
  routes: Map<Link, LinkRoute>;
  /** `amqp#3`, for log lines. */
  label: string;
  /** The TLS connection it came on (for WebSockets, the one upgraded), whose client certificate may authenticate a device. */
  tlsSocket?: TLSSocket;
}

export interface AmqpServer {
  /**
   * Serves one client stream (a TLS socket, or a WebSocket stream with subprotocol AMQPWSB10 and the TLS
   * socket it was upgraded from).
   */
  handle(socket: Duplex, remote?: string, tlsSocket?: TLSSocket): void;
}

export function createAmqpServer(core: HubCore): AmqpServer {
  const container = rhea.create_container({ id: `iot-c2d-hub-${core.hostName}` });
  // Offered in this order; each connection gets factories bound to it (sasl.ts). ANONYMOUS among them keeps
  // rhea accepting clients that skip SASL.
  container.sasl_server_mechanisms = containerMechanisms() as never;
  const states = new WeakMap<Connection, AmqpConnectionState>();
  const open = new Set<Connection>();
  let nextId = 0;

  // Server side: rhea reads these on accept; the typings only describe client options.
  const connectionOptions = { container_id: core.hostName, tcp_no_delay: true, autoaccept: false, idle_time_out: 240_000 } as unknown as ConnectionOptions;

  const stateOf = (connection: Connection): AmqpConnectionState => {
    let state = states.get(connection);
    if (!state) {
      const label = `amqp#${++nextId}`;
      const routes = new Map<Link, LinkRoute>();
      const linksAuthorized = (nowMs: number): boolean => [...routes.values()].every((route) => route.authorized(grants.values(), nowMs));
      const grants: ConnectionGrants = new ConnectionGrants(core, label, linksAuthorized, () => closeSocketOf(connection));
      state = { grants, routes, label };
      states.set(connection, state);
    }
    return state;
  };

  /** Attach with the hub's terminus null, then detach with the error: every AMQP library reads that as refused. */
  const refuse = (link: Link, condition: string, description: string): void => {
    core.log(`${stateOf(link.connection).label}: link ${linkAddress(link) ?? '(no address)'} refused: ${description}`);
    echoTermini(link, link.is_sender() ? 'source' : 'target');
    link.close({ condition, description });
  };

  container.on('session_open', (context: EventContext) => allowOneNamePerRole(context.session as unknown as RheaSession));

  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    const address = linkAddress(receiver);
    if (address === CBS_ADDRESS) return echoTermini(receiver, 'both');
    attachRoute(receiver, address);
  });

  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender as Sender;
    const address = linkAddress(sender);
    if (address === CBS_ADDRESS) {
      echoTermini(sender, 'both');
      stateOf(sender.connection).grants.addReplyLink(sender);
      return;
    }
    attachRoute(sender, address);
  });

  const attachRoute = (link: Link, address: string | undefined): void => {
    const state = stateOf(link.connection);
    const route = routeLink(core, link, address);
    if (typeof route === 'string') return refuse(link, 'amqp:not-found', route);
    if (!route.authorized(state.grants.values(), Date.now())) {
      // An X.509 device: no token, its certificate authorises links for the device the address names.
      const peer = route.deviceId === undefined ? undefined : peerCertificateOf(state.tlsSocket);
      if (!peer || route.deviceId === undefined) return refuse(link, 'amqp:unauthorized-access', missingRight(state.grants.values(), route.needs, route.deviceId));
      const result = core.authenticate({ deviceId: route.deviceId, certificate: peer });
      if (!result.ok) return refuse(link, 'amqp:unauthorized-access', result.reason);
      state.grants.admit(result.grant);
      if (!route.authorized(state.grants.values(), Date.now())) return refuse(link, 'amqp:unauthorized-access', `The certificate does not grant ${route.needs}.`);
    }
    echoTermini(link, 'both');
    state.routes.set(link, route);
    route.opened();
  };

  container.on('message', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    const state = stateOf(context.connection);
    // A routed link first: the $cbs link has no route, and its address is parsed only when no route is found.
    const route = state.routes.get(receiver);
    if (route === undefined && linkAddress(receiver) === CBS_ADDRESS) return state.grants.answer(context.message as Message, context.delivery);
    if (route?.message) route.message(context.message as Message, context.delivery as Delivery);
    else (context.delivery as Delivery).reject({ condition: 'amqp:not-allowed', description: 'This link does not take messages.' });
  });

  container.on('sendable', (context: EventContext) => {
    stateOf(context.connection).routes.get(context.sender as Sender)?.sendable?.();
  });

  for (const outcome of ['accepted', 'released', 'rejected', 'modified'] as const) {
    container.on(outcome, (context: EventContext) => {
      stateOf(context.connection).routes.get(context.sender as Sender)?.settled?.(context.delivery as Delivery, outcome);
    });
  }

  const closeLink = (context: EventContext): void => {
    const link = (context.sender ?? context.receiver) as Link;
    const state = stateOf(context.connection);
    state.routes.get(link)?.closed();
    state.routes.delete(link);
  };
  container.on('sender_close', closeLink);
  container.on('receiver_close', closeLink);
  container.on('sender_error', () => undefined);
  container.on('receiver_error', () => undefined);

  const dropConnection = (context: { connection: Connection }): void => {
    const connection = context.connection;
    open.delete(connection);
    const state = stateOf(connection);
    state.grants.close();
    for (const route of state.routes.values()) route.closed();
    state.routes.clear();
  };
  container.on('connection_open', (context: EventContext) => {
    open.add(context.connection);
  });
  container.on('connection_close', (context: EventContext) => {
    dropConnection(context);
    context.connection.close();
  });
  container.on('disconnected', dropConnection);
  container.on('connection_error', (context: EventContext) => {
    const error = context.connection.error as { description?: string } | undefined;
    core.log(`${stateOf(context.connection).label}: connection error: ${error?.description ?? 'unknown'}`);
  });
  container.on('error', (err: Error) => core.log(`amqp: ${err.message}`));

  return {
    handle: (socket, remote, tlsSocket) => {
      const connection = container.create_connection(connectionOptions);
      (connection as unknown as { accept(socket: Duplex): void }).accept(socket);
      const tls = tlsSocket ?? (socket instanceof TLSSocket ? socket : undefined);
      if (tls) stateOf(connection).tlsSocket = tls;
      const label = stateOf(connection).label;
      const client = `${label} (${remote ?? remoteOf(socket) ?? 'client'})`;
      useMechanisms(core, connection, socket, { label: client, admit: (grant) => stateOf(connection).grants.admit(grant) });
      // rhea notices a peer's end, not a socket the hub closed itself: release the links either way.
      socket.once('close', () => dropConnection({ connection }));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // rhea may still write after it ended a connection it closed itself, or after the peer left: not news.
        if (err.code !== 'ERR_STREAM_WRITE_AFTER_END' && err.code !== 'EPIPE') core.log(`${stateOf(connection).label}: socket error: ${err.message}`);
      });
      guardFirstFrame(socket, () => open.has(connection), (reason) => {
        core.log(`${client}: ${reason}; closing`);
        socket.destroy();
      });
    },
  };
}

/**
 * Why a link that needs `needs` was refused, naming the fix: no token yet, or tokens (a policy without the
 * right, another device's) that do not grant it.
 */
function missingRight(grants: Iterable<Grant>, needs: string, deviceId: string | undefined): string {
  const nowMs = Date.now();
  const held = [...new Set([...grants].filter((g) => g.expiresAtMs > nowMs).map((g) => g.principal))];
  if (held.length === 0) return `No token on this connection grants ${needs}: put one on $cbs first.`;
  const whose = held.map((p) => (p.includes(':') ? p.replace(':', ' ') : `policy ${p}`)).join(', ');
  if (deviceId === undefined) return `The token of ${whose} does not grant ${needs}: use a policy that has ${needs}.`;
  return `The token of ${whose} does not grant ${needs} for device '${deviceId}': use that device's token or a policy that has ${needs}.`;
}

function remoteOf(socket: Duplex): string | undefined {
  const { remoteAddress, remotePort } = socket as Partial<{ remoteAddress: string; remotePort: number }>;
  return remoteAddress === undefined ? undefined : `${remoteAddress}:${remotePort ?? ''}`;
}

interface RemoteTermini {
  local: { attach: { max_message_size?: number } };
  remote: { attach?: { source?: { address?: string }; target?: { address?: string } } };
  set_source(fields: object): void;
  set_target(fields: object): void;
}

/**
 * Puts the peer's termini (their addresses) in the hub's ATTACH reply, `except` staying null (a refusal),
 * and the hub's max-message-size.
 */
function echoTermini(link: Link, except: 'source' | 'target' | 'both'): void {
  const l = link as unknown as RemoteTermini;
  l.local.attach.max_message_size = LINK_MAX_MESSAGE_SIZE;
  const attach = l.remote.attach;
  const copy = (terminus: { address?: string }): object => (terminus.address === undefined ? {} : { address: terminus.address });
  if (except !== 'source' && attach?.source) l.set_source(copy(attach.source));
  if (except !== 'target' && attach?.target) l.set_target(copy(attach.target));
}

interface AttachFrame {
  handle: number;
  performative: { name: string; role: boolean; handle: number };
}

interface RheaLink {
  local: { attach: { name: string } };
  remote: { attach?: unknown };
  is_sender(): boolean;
  on_attach(frame: AttachFrame): void;
}

interface RheaSession {
  links: Record<string, RheaLink>;
  remote: { handles: Record<number, RheaLink> };
  create_sender(name: string): RheaLink;
  create_receiver(name: string): RheaLink;
  on_attach(frame: AttachFrame): void;
}

/**
 * rhea keys a session's links by name alone, so a peer's receiver attached under the name of its sender
 * (Qpid Proton's default `$cbs` link names) reached the sender as a second attach and failed the connection.
 * AMQP names a link by name and role: the second one is kept under a key of its own, with its own name on
 * the wire.
 */
function allowOneNamePerRole(session: RheaSession): void {
  const original = session.on_attach.bind(session);
  session.on_attach = (frame) => {
    const name = frame.performative.name;
    // role true: the peer receives, so the hub's end is a sender.
    const hubSends = frame.performative.role;
    const existing = session.links[name];
    if (!existing || existing.is_sender() === hubSends) return original(frame);
    const key = `${name}\u0000${hubSends ? 'sender' : 'receiver'}`;
    const link = session.links[key] ?? (hubSends ? session.create_sender(key) : session.create_receiver(key));
    link.local.attach.name = name;
    session.remote.handles[frame.performative.handle] = link;
    link.on_attach(frame);
    link.remote.attach = frame.performative;
  };
}

/** Frames before the open may be at most this big (AMQP 1.0, MIN-MAX-FRAME-SIZE); SASL-PLAIN carries a token. */
const FIRST_FRAME_MAX = 512;
const FIRST_SASL_FRAME_MAX = 8192;
const OPEN_TIMEOUT_MS = 15_000;

/**
 * rhea trusts a peer's frame sizes and waits for the bytes it announces, so a client that sends a header and
 * junk would hold a connection open forever. Check the first frame's size, and that an open arrives in time.
 */
function guardFirstFrame(socket: Duplex, opened: () => boolean, refuse: (reason: string) => void): void {
  let seen = Buffer.alloc(0);
  const timer = setTimeout(() => {
    if (!opened()) refuse(`no AMQP open within ${OPEN_TIMEOUT_MS / 1000} s`);
  }, OPEN_TIMEOUT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  const inspect = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    if (seen.length < 12) return;
    socket.off('data', inspect);
    const size = seen.readUInt32BE(8);
    const max = seen[4] === 3 ? FIRST_SASL_FRAME_MAX : FIRST_FRAME_MAX;
    if (seen.toString('latin1', 0, 4) !== 'AMQP' || size < 8 || size > max) {
      refuse(`the first frame after the AMQP header is not a frame (size ${size})`);
    }
  };
  socket.on('data', inspect);
}

/**
 * Ends a connection the hub no longer allows (a token expired, the device was deleted or disabled) by
 * closing its socket. IoT Hub would send an AMQP close with the error first, but the SDKs' AMQP transports
 * hang in "disconnecting" on such a close and never report it (docs/sdk-notes.md), while a closed socket is
 * reported at once: so the reason goes to the hub's log (the caller's), and the socket goes.
 */
export function closeSocketOf(connection: Connection): void {
  const socket = (connection as unknown as { socket?: { destroy(): void } }).socket;
  socket?.destroy();
}
