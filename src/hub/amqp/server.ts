/**
 * AMQP 1.0 on rhea, as IoT Hub serves it: no SASL (the SDKs send a bare AMQP header), claims-based security
 * (`$cbs` put-token) per connection, and links routed by address. A link is attached only when a token put
 * on its connection grants what it needs; otherwise it is refused with `amqp:unauthorized-access`. A token
 * that expires without being renewed ends the connection.
 */
import type { Connection, ConnectionOptions, Delivery, EventContext, Message, Receiver, Sender } from 'rhea';
import rhea from 'rhea';
import type { Duplex } from 'node:stream';
import type { Grant } from '../auth.js';
import type { HubContext } from '../context.js';
import { linkAddress } from './convert.js';
import type { Link } from './convert.js';
import { routeLink } from './links.js';
import type { LinkRoute } from './links.js';

/** What one AMQP connection has proved, and what it holds open. */
export interface AmqpConnectionState {
  /** Grants by token resource: a new put-token for the same resource replaces the old one. */
  grants: Map<string, Grant>;
  cbsSenders: Sender[];
  routes: Map<Link, LinkRoute>;
  /** Devices this connection has a token for, each registered as present (ends the connection on delete). */
  devices: Map<string, () => void>;
  expiryTimer?: NodeJS.Timeout;
  label: string;
}

export interface AmqpServer {
  handle(socket: Duplex): void;
  /** Serves an AMQP-over-WebSocket client (an accepted `ws` WebSocket). */
  handleWebSocket(ws: unknown): void;
}

const CBS = '$cbs';

export function createAmqpServer(ctx: HubContext): AmqpServer {
  const container = rhea.create_container({ id: `iot-c2d-hub-${ctx.hostName}` });
  const states = new WeakMap<Connection, AmqpConnectionState>();
  const open = new Set<Connection>();
  let nextId = 0;

  // Server side: rhea reads these on accept; the typings only describe client options.
  const connectionOptions = { container_id: ctx.hostName, tcp_no_delay: true, autoaccept: false, idle_time_out: 240_000 } as unknown as ConnectionOptions;

  const stateOf = (connection: Connection): AmqpConnectionState => {
    let state = states.get(connection);
    if (!state) {
      state = { grants: new Map(), cbsSenders: [], routes: new Map(), devices: new Map(), label: `amqp#${++nextId}` };
      states.set(connection, state);
    }
    return state;
  };

  /** Drops expired grants; ends the connection if a link it holds lost its authority. */
  const enforceExpiry = (connection: Connection): void => {
    const state = stateOf(connection);
    clearTimeout(state.expiryTimer);
    const now = Date.now();
    for (const [resource, grant] of state.grants) if (grant.expiresAtMs <= now) state.grants.delete(resource);
    for (const route of state.routes.values()) {
      if (!route.authorized(state, now)) {
        ctx.log(`${state.label}: token expired and was not renewed; closing the connection`);
        closeSocketOf(connection);
        return;
      }
    }
    const next = Math.min(...[...state.grants.values()].map((g) => g.expiresAtMs));
    if (Number.isFinite(next)) {
      state.expiryTimer = setTimeout(() => enforceExpiry(connection), Math.min(next - now + 10, 2 ** 31 - 1));
      state.expiryTimer.unref();
    }
  };

  const putToken = (context: EventContext): void => {
    const connection = context.connection;
    const state = stateOf(connection);
    const request = context.message as Message;
    const props = request.application_properties ?? {};
    const reply = (status: number, description: string): void => {
      const sender = state.cbsSenders.find((s) => s.is_open());
      sender?.send({
        body: undefined,
        to: request.reply_to,
        correlation_id: request.message_id,
        application_properties: { 'status-code': status, 'status-description': description },
      });
      context.delivery?.accept();
    };
    if (props.operation !== 'put-token') return reply(400, `Unsupported $cbs operation "${String(props.operation)}".`);
    const result = ctx.auth.verify(typeof request.body === 'string' ? request.body : '');
    if (!result.ok) {
      ctx.log(`${state.label}: put-token refused: ${result.reason}`);
      return reply(401, result.reason);
    }
    state.grants.set(result.grant.resource.toLowerCase(), result.grant);
    const deviceId = result.grant.deviceId;
    if (deviceId !== undefined && !state.devices.has(deviceId)) {
      // From its first token on, the connection is this device's: deleting or disabling the device ends it.
      state.devices.set(
        deviceId,
        ctx.presence.add(deviceId, () => {
          ctx.log(`${state.label}: device '${deviceId}' was deleted or disabled; closing its connection`);
          closeSocketOf(connection);
        }),
      );
    }
    enforceExpiry(connection);
    reply(200, 'OK');
  };

  const refuse = (link: Link, condition: string, description: string): void => {
    ctx.log(`${stateOf(link.connection).label}: link ${linkAddress(link) ?? '(no address)'} refused: ${description}`);
    link.close({ condition, description });
  };

  container.on('receiver_open', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    const address = linkAddress(receiver);
    if (address === CBS) return;
    attachRoute(receiver, address);
  });

  container.on('sender_open', (context: EventContext) => {
    const sender = context.sender as Sender;
    const address = linkAddress(sender);
    if (address === CBS) {
      stateOf(sender.connection).cbsSenders.push(sender);
      return;
    }
    attachRoute(sender, address);
  });

  const attachRoute = (link: Link, address: string | undefined): void => {
    const state = stateOf(link.connection);
    const route = routeLink(ctx, link, address);
    if (typeof route === 'string') return refuse(link, 'amqp:not-found', route);
    if (!route.authorized(state, Date.now())) {
      return refuse(link, 'amqp:unauthorized-access', `No token on this connection grants ${route.needs}: put one on $cbs first.`);
    }
    state.routes.set(link, route);
    route.opened();
  };

  container.on('message', (context: EventContext) => {
    const receiver = context.receiver as Receiver;
    if (linkAddress(receiver) === CBS) return putToken(context);
    const route = stateOf(context.connection).routes.get(receiver);
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
    clearTimeout(state.expiryTimer);
    for (const route of state.routes.values()) route.closed();
    state.routes.clear();
    for (const leave of state.devices.values()) leave();
    state.devices.clear();
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
    ctx.log(`${stateOf(context.connection).label}: connection error: ${error?.description ?? 'unknown'}`);
  });
  container.on('error', (err: Error) => ctx.log(`amqp: ${err.message}`));

  return {
    handle: (socket) => {
      const connection = container.create_connection(connectionOptions);
      (connection as unknown as { accept(socket: Duplex): void }).accept(socket);
      // rhea notices a peer's end, not a socket the hub closed itself: release the links either way.
      socket.once('close', () => dropConnection({ connection }));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        // rhea may still write after it ended a connection it closed itself: not news.
        if (err.code !== 'ERR_STREAM_WRITE_AFTER_END') ctx.log(`${stateOf(connection).label}: socket error: ${err.message}`);
      });
      guardFirstFrame(socket, () => open.has(connection), (reason) => {
        ctx.log(`${stateOf(connection).label}: ${reason}; closing`);
        socket.destroy();
      });
    },
    handleWebSocket: (ws) => {
      container.websocket_accept(ws as never, connectionOptions as never);
    }
  };
}

/** Frames before the open may be at most this big (AMQP 1.0, MIN-MAX-FRAME-SIZE). */
const FIRST_FRAME_MAX = 512;
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
    if (seen.toString('latin1', 0, 4) !== 'AMQP' || size < 8 || size > FIRST_FRAME_MAX) {
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
