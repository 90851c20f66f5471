/**
 * Making the SDK clients trust the embedded hub without switching verification off: the hub's CA is added to
 * Node's own roots (so the same client still reaches *.azure-devices.net), and TCP_NODELAY is turned on.
 */
import { Agent } from 'node:https';
import type { AgentOptions } from 'node:https';
import { isIP } from 'node:net';
import tls, { rootCertificates, connect } from 'node:tls';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { splitHostPort } from '../core/connection-string.js';
import { ClientError, explainSocketError } from './errors.js';

/**
 * Node's roots plus the extra CA, as one PEM string (the device SDK wants a string, not an array): the `ca`
 * to hand every client of a hub with its own CA.
 *
 * Handed to `tls.connect` as is, such a `ca` makes Node parse its ~140 root certificates again for every
 * connection (130-290 ms each on a 2-core machine: a TUI start makes five: probes, AMQP, MQTT, HTTPS). So each
 * bundle made here gets one secure context, made once: Node's own root store (already parsed) plus the extra
 * CA, and every TLS connection whose only TLS setting is that bundle gets it (sharedContexts below).
 */
export function caBundle(extraCaPem: string | undefined): string | undefined {
  if (!extraCaPem) return undefined;
  const bundle = [...rootCertificates, extraCaPem.trim()].join('\n');
  if (!sharedContexts.has(bundle)) {
    const context = rootsPlus(extraCaPem);
    if (context) {
      shareContexts();
      sharedContexts.set(bundle, context);
    }
  }
  return bundle;
}

const sharedContexts = new Map<string, SecureContext>();
let sharing = false;

/** Node's default trust (its roots, and NODE_EXTRA_CA_CERTS) plus `pem`; undefined when `pem` is not a certificate. */
function rootsPlus(pem: string): SecureContext | undefined {
  try {
    const context = tls.createSecureContext();
    // The native context adds the certificate to its own copy of Node's root store (the roots stay trusted).
    (context as SecureContext & { context: { addCACert(pem: string): void } }).context.addCACert(pem);
    return context;
  } catch {
    // Not a certificate: the connections pass their `ca` to Node as before, which says what is wrong with it.
    return undefined;
  }
}

/**
 * Every option `tls.createSecureContext` reads besides `ca` and `ciphers` (Node 20): with any of them set,
 * nothing is shared. `ciphers` may be Node's default, which `tls.connect` always sets.
 */
const CONTEXT_OPTIONS = [
  'allowPartialTrustChain', 'cert', 'clientCertEngine', 'crl', 'dhparam', 'ecdhCurve', 'honorCipherOrder', 'key',
  'maxVersion', 'minVersion', 'passphrase', 'pfx', 'privateKeyEngine', 'privateKeyIdentifier', 'secureOptions', 'secureProtocol',
  'sessionIdContext', 'sessionTimeout', 'sigalgs', 'ticketKeys',
] as const;

/**
 * The SDKs pass only `ca` down to `tls.connect` (azure-iot-mqtt-base, azure-iot-amqp-base), never a secure
 * context, and `tls.connect` makes its context through `tls.createSecureContext`: that is where a bundle's
 * shared context is handed out (docs/sdk-notes.md, "Trusting the hub's CA").
 */
function shareContexts(): void {
  if (sharing) return;
  sharing = true;
  const create = tls.createSecureContext;
  tls.createSecureContext = (options?: SecureContextOptions): SecureContext => {
    const ca = options?.ca;
    const shared = typeof ca === 'string' ? sharedContexts.get(ca) : undefined;
    if (shared && CONTEXT_OPTIONS.every((name) => (options as Record<string, unknown>)[name] === undefined) && [undefined, tls.DEFAULT_CIPHERS].includes(options?.ciphers)) return shared;
    return create(options);
  };
}

/** The TLS server name for a host: none for an IP address (RFC 6066; Node warns), whose certificate names the IP. */
export function sniFor(host: string): { servername?: string } {
  return isIP(host) ? {} : { servername: host };
}

/**
 * The same rule for rhea (the SDKs' AMQP), which names the host as the TLS server name unless its
 * `policyOverride` gives one: an empty name for an IP address. The certificate is still checked against the
 * address, which the hub's certificate names.
 */
export function rheaServerNameFor(host: string): { servername?: string } {
  return isIP(host) ? { servername: '' } : {};
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
