/**
 * Making the SDK clients trust the embedded hub without switching verification off: the hub's CA is added to
 * Node's own roots (so the same client still reaches *.azure-devices.net), and TCP_NODELAY is turned on.
 */
import { Agent } from 'node:https';
import type { AgentOptions } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates, connect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { splitHostPort } from '../core/connection-string.js';
import { ClientError, explainSocketError } from './errors.js';

/** Node's roots plus the extra CA, as one PEM string (the device SDK wants a string, not an array). */
export function caBundle(extraCaPem: string | undefined): string | undefined {
  return extraCaPem ? [...rootCertificates, extraCaPem.trim()].join('\n') : undefined;
}

/** The TLS server name for a host: none for an IP address (RFC 6066; Node warns), whose certificate names the IP. */
export function sniFor(host: string): { servername?: string } {
  return isIP(host) ? {} : { servername: host };
}

/**
 * One TLS handshake with the endpoint before the SDK tries, so that a refused connection, an unknown host or
 * an untrusted certificate is reported at once in one sentence, instead of after the SDK's minutes of retries.
 */
export function probeTls(hostPort: string, defaultPort: number, ca: string | undefined, what: string, timeoutMs = 10_000): Promise<void> {
  const { host, port } = splitHostPort(hostPort, defaultPort);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...sniFor(host), ...(ca ? { ca } : {}), ALPNProtocols: [] });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ClientError('unreachable', `No answer from ${host}:${port} within ${timeoutMs / 1000} s: check the ${what}'s HostName and that the hub is running.`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      // A clean TLS close, so the hub does not log a failed handshake.
      socket.end();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(explainSocketError(err, `${host}:${port}`, what));
    });
  });
}

/**
 * An HTTPS agent for the registry REST client: it carries the CA, turns TCP_NODELAY on, and splits a
 * `host:port` host name (the SDK passes HostName as the host, so `localhost:8883` would not resolve).
 */
export class HubAgent extends Agent {
  private readonly gateway: string | undefined;

  /** `gateway` (`host[:port]`), when given, is where every socket goes, whatever host the request names. */
  constructor(options: AgentOptions & { gateway?: string }) {
    const { gateway, ...agentOptions } = options;
    super({ keepAlive: true, ...agentOptions });
    this.gateway = gateway;
  }

  override createConnection(options: Record<string, unknown>, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
    const hostField = this.gateway ?? String(options.host ?? '');
    const { host, port } = splitHostPort(hostField, Number(options.port ?? 443));
    const socket = (Agent.prototype as unknown as { createConnection: (o: unknown, cb?: unknown) => Duplex & { setNoDelay?: (v: boolean) => void } }).createConnection.call(
      this,
      { ...options, host, port, ...sniFor(host), ...(isIP(host) ? { servername: undefined } : {}) },
      callback,
    );
    socket.setNoDelay?.(true);
    return socket;
  }
}
