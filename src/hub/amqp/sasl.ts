/**
 * SASL as IoT Hub offers it on its AMQP ports (AMQP over WebSockets too):
 *
 * * `MSSBCBS` (uAMQP, Microsoft's C and Python SDKs) and `ANONYMOUS`: the connection proves nothing yet and
 *   puts tokens on `$cbs`, as after no SASL at all (the Node SDKs send a bare AMQP header);
 * * `PLAIN` as IoT Hub documents it: user `{policy}@sas.root.{hub}` with a service SAS token as the password,
 *   or `{deviceId}@sas.{hub}` with a device SAS token; the token authorises the connection without CBS.
 *
 * rhea picks the mechanism factories from the container when it accepts a socket, without telling them
 * which connection they serve, so `useMechanisms` swaps in factories bound to one connection right after
 * the accept. A refused or failed negotiation is logged once, with the client's address, and its socket
 * closed after the outcome is written.
 */
import type { Connection } from 'rhea';
import type { Duplex } from 'node:stream';
import { grantsDevice } from '../core/auth.js';
import type { Grant } from '../core/auth.js';
import type { HubCore } from '../core/hub-core.js';

export const MECHANISMS = ['MSSBCBS', 'PLAIN', 'ANONYMOUS'] as const;

/** The shape rhea's SaslServer drives: `start` sets `outcome` (true: authenticated) before it resolves. */
interface ServerMechanism {
  outcome: boolean | undefined;
  username: string | undefined;
  start(response: Buffer | undefined, hostname?: string): void;
}

/** Placeholders that name the mechanisms in the container (rhea offers their names in sasl-mechanisms). */
export function containerMechanisms(): Record<string, () => ServerMechanism> {
  const refuse = (): ServerMechanism => ({ outcome: false, username: undefined, start() {} });
  return Object.fromEntries(MECHANISMS.map((name) => [name, refuse]));
}

export interface SaslConnection {
  /** `amqp#3 (127.0.0.1:50312)`, for log lines. */
  label: string;
  /** A PLAIN token was verified: the connection holds this grant as if it had been put on `$cbs`. */
  admit(grant: Grant): void;
}

interface RheaSaslServer {
  mechanisms: Record<string, () => ServerMechanism>;
  on_sasl_init(frame: { performative: { mechanism: string } }): void;
}

/** Binds the SASL mechanisms of one accepted connection to it. No-op when rhea runs it without SASL. */
export function useMechanisms(core: HubCore, connection: Connection, socket: Duplex, conn: SaslConnection): void {
  const transport = (connection as unknown as { sasl_transport?: { transports?: Record<number, RheaSaslServer> } }).sasl_transport;
  const server = transport?.transports?.[3];
  if (!server) return;
  const refuse = (mechanism: string, reason: string): void => {
    core.log(`${conn.label}: SASL ${mechanism} refused: ${reason}; closing`);
    // rhea writes the outcome once the mechanism's start has resolved (a microtask): close after that.
    setImmediate(() => socket.end());
  };
  const accepting = (): ServerMechanism => ({
    outcome: undefined,
    username: undefined,
    start(response) {
      this.outcome = true;
      this.username = response ? response.toString('utf8').replace(/^\0/, '') : 'anonymous';
    },
  });
  server.mechanisms = {
    MSSBCBS: accepting,
    ANONYMOUS: accepting,
    PLAIN: () => ({
      outcome: undefined,
      username: undefined,
      start(response) {
        // authzid NUL authcid NUL passwd
        const [, user = '', password = ''] = (response ?? Buffer.alloc(0)).toString('utf8').split('\0');
        const result = plainGrant(core, user, password);
        if (typeof result === 'string') {
          this.outcome = false;
          refuse('PLAIN', result);
          return;
        }
        this.outcome = true;
        this.username = user;
        conn.admit(result);
      },
    }),
  };
  const init = server.on_sasl_init.bind(server);
  server.on_sasl_init = (frame) => {
    const mechanism = String(frame.performative.mechanism);
    if (!Object.hasOwn(server.mechanisms, mechanism)) refuse(mechanism, `mechanism not offered (this hub offers ${MECHANISMS.join(', ')})`);
    init(frame);
  };
}

/** The grant a PLAIN user name and password (a SAS token) give, or why they give none. */
export function plainGrant(core: HubCore, user: string, password: string): Grant | string {
  const at = user.lastIndexOf('@sas.');
  if (at <= 0) return `user name "${user}" is not {policy}@sas.root.{hub} or {deviceId}@sas.{hub}`;
  const name = user.slice(0, at);
  const service = user.slice(at + 5).toLowerCase().startsWith('root.');
  const result = core.authenticate({ token: password });
  if (!result.ok) return result.reason;
  const grant = result.grant;
  if (service) {
    if (grant.deviceId !== undefined || grant.principal !== name) return `the password is not a service token of policy "${name}"`;
  } else if (!grantsDevice(grant, name)) {
    return `the password is not a token of device '${name}'`;
  }
  return grant;
}
