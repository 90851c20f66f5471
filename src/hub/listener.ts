/**
 * One TLS port for every protocol. After the handshake the first bytes tell what the client speaks:
 * `AMQP` (the AMQP 1.0 header), 0x10 (an MQTT CONNECT), or an HTTP method (registry REST, the device HTTP
 * transport, WebSocket upgrades). The stream is handed, bytes intact, to the matching server.
 */
import { createServer } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProtocolHandlers {
  amqp(socket: Duplex): void;
  mqtt(socket: Duplex): void;
  http(socket: Duplex): void;
}

/** A client that completes the handshake but says nothing for this long is dropped. */
const FIRST_BYTES_TIMEOUT_MS = 15_000;

export type Protocol = 'amqp' | 'mqtt' | 'http';

/** What protocol starts with these bytes, or undefined for none we serve. */
export function sniff(first: Buffer): Protocol | undefined {
  if (first[0] === 0x41 /* A */) return 'AMQP'.startsWith(first.subarray(0, 4).toString('latin1')) ? 'amqp' : undefined;
  if (first[0] === 0x10) return 'mqtt';
  if (/^(GET|PUT|POST|DELETE|HEAD|OPTIONS|PATCH) /.test(first.subarray(0, 8).toString('latin1'))) return 'http';
  return undefined;
}

export interface TlsListener {
  server: Server;
  /** Ends every connection still open, whatever stage it is in. */
  destroyConnections(): void;
  /**
   * From the next handshake on, ask each client for a certificate (the hub has X.509 devices or device CAs),
   * or not (the default: a SAS-only hub never asks). Node reads `requestCert` and `rejectUnauthorized` off
   * the server for each connection it accepts (`tlsConnectionListener` in Node 20's lib/_tls_wrap.js).
   */
  askForClientCertificates(on: boolean): void;
}

/**
 * SERVER-side options, only while the hub has X.509 devices or device CAs: ask each client for a certificate,
 * and finish the handshake whether it presents none (services, SAS devices) or one that chains to no CA Node
 * knows (X.509 devices: self-signed, or signed by a CA registered with the hub). Each transport then authorises the certificate after the handshake, for the
 * device it names (device-certificates.ts), as IoT Hub does; a handshake refusal would reach the SDK as a
 * socket error instead of its UnauthorizedError.
 *
 * This is NOT clients skipping verification of the hub: they still verify the hub's certificate against its
 * CA (clients/trust.ts). On a Node TLS server, `requestCert` alone (with the default `rejectUnauthorized`)
 * fails the handshake of every client without a certificate (checked on Node 20: the client gets
 * ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED), and a `ca` list does not change that, so the server has to be
 * told to accept an unverified client certificate and leave the decision to the code after the handshake.
 */
const CLIENT_CERTIFICATE_REQUESTED_AND_CHECKED_AFTER_HANDSHAKE = {
  requestCert: true,
  // eslint-disable-next-line no-restricted-syntax -- server side only: accept an unverified CLIENT certificate, authorised per transport after the handshake (see above)
  rejectUnauthorized: false,
} as const;

export function createTlsServer(tls: { certPem: string; keyPem: string }, handlers: ProtocolHandlers, log: (line: string) => void): TlsListener {
  const server = createServer({
    cert: tls.certPem,
    key: tls.keyPem,
    noDelay: true,
    minVersion: 'TLSv1.2',
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
    log(`tls: handshake with ${socket.remoteAddress ?? 'client'}:${socket.remotePort ?? ''} failed: ${err.code ?? err.message}`);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(), FIRST_BYTES_TIMEOUT_MS);
    timer.unref();
    const onError = (): void => clearTimeout(timer);
    socket.once('error', onError);
    socket.once('close', () => clearTimeout(timer));
    const onReadable = (): void => {
      const first = socket.read() as Buffer | null;
      if (first === null) return;
      socket.off('readable', onReadable);
      socket.off('error', onError);
      clearTimeout(timer);
      socket.unshift(first);
      const protocol = sniff(first);
      if (!protocol) {
        log(`tls: ${socket.remoteAddress ?? 'client'} sent bytes that are not AMQP, MQTT or HTTP (${first.subarray(0, 8).toString('hex')}); closing`);
        socket.destroy();
        return;
      }
      handlers[protocol](socket);
    };
    socket.on('readable', onReadable);
  });
  return {
    server,
    destroyConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    askForClientCertificates: (on) => {
      Object.assign(server, on ? CLIENT_CERTIFICATE_REQUESTED_AND_CHECKED_AFTER_HANDSHAKE : { requestCert: false, rejectUnauthorized: true });
    },
  };
}
