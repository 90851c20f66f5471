/**
 * MQTT and AMQP over WebSockets, as IoT Hub serves them: an HTTPS upgrade on `/$iothub/websocket` with the
 * subprotocol `mqtt` or `AMQPWSB10` in any case (the C SDK offers `MQTT`), on the same TLS port as
 * everything else. Each WebSocket becomes a stream for the protocol's server, as a TLS socket would.
 */
import type { Server } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Duplex } from 'node:stream';

export const WEBSOCKET_PATH = '/$iothub/websocket';

export function serveWebSockets(
  http: Server,
  handlers: { mqtt(stream: Duplex, tlsSocket?: TLSSocket): void; amqp(stream: Duplex, remote?: string, tlsSocket?: TLSSocket): void },
  log: (line: string) => void,
): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    // The client's own spelling is echoed back, as it expects.
    handleProtocols: (protocols) => [...protocols].find((p) => protocolOf(p) !== undefined) ?? false,
  });
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WEBSOCKET_PATH) {
      log(`websocket: upgrade refused on ${path}: only ${WEBSOCKET_PATH} is served`);
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The TLS socket the HTTP request came on: its client certificate authenticates X.509 devices.
    const tlsSocket = req.socket as TLSSocket;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const protocol = protocolOf(ws.protocol);
      if (protocol === 'mqtt') handlers.mqtt(createWebSocketStream(ws), tlsSocket);
      else if (protocol === 'amqp') handlers.amqp(createWebSocketStream(ws), `${req.socket.remoteAddress ?? 'client'}:${req.socket.remotePort ?? ''} over WebSocket`, tlsSocket);
      else {
        log(`websocket: no subprotocol mqtt or AMQPWSB10 offered; closing`);
        ws.close(1002, 'subprotocol mqtt or AMQPWSB10 required');
      }
    });
  });
  return wss;
}

function protocolOf(subprotocol: string): 'mqtt' | 'amqp' | undefined {
  const lower = subprotocol.toLowerCase();
  return lower === 'mqtt' ? 'mqtt' : lower === 'amqpwsb10' ? 'amqp' : undefined;
}
