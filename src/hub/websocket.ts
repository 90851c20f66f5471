/**
 * MQTT and AMQP over WebSockets, as IoT Hub serves them: an HTTPS upgrade on `/$iothub/websocket` with the
 * subprotocol `mqtt` or `AMQPWSB10`, on the same TLS port as everything else.
 */
import type { Server } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Duplex } from 'node:stream';

export const WEBSOCKET_PATH = '/$iothub/websocket';

export function serveWebSockets(
  http: Server,
  handlers: { mqtt(stream: Duplex): void; amqp(ws: unknown): void },
  log: (line: string) => void,
): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024 * 1024,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('AMQPWSB10') ? 'AMQPWSB10' : false),
  });
  http.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WEBSOCKET_PATH) {
      log(`websocket: upgrade refused on ${path}: only ${WEBSOCKET_PATH} is served`);
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (ws.protocol === 'mqtt') handlers.mqtt(createWebSocketStream(ws));
      else if (ws.protocol === 'AMQPWSB10') handlers.amqp(ws);
      else {
        log(`websocket: no subprotocol mqtt or AMQPWSB10 offered; closing`);
        ws.close(1002, 'subprotocol mqtt or AMQPWSB10 required');
      }
    });
  });
  return wss;
}
