// One process of the scale bench (bench/scale.ts): holds many MQTT device connections (mqtt.js, TLS,
// TCP_NODELAY), each subscribed to its C2D topic at QoS 1. The parent sends, over IPC:
//   { connect: { port, ca, devices: [{ id, token }], parallel } }  → replies { connected: n } / { failed }
//   then reports { received: n } as C2D messages arrive (batched), and exits on { close: true }.
import { setInterval } from 'node:timers';
import mqtt from 'mqtt';

const clients = [];
let received = 0;
let reported = 0;
const report = () => {
  if (received !== reported) {
    reported = received;
    process.send({ received });
  }
};
setInterval(report, 20).unref();

async function connectOne(port, ca, { id, token }) {
  const client = await mqtt.connectAsync({
    host: 'localhost',
    port,
    protocol: 'mqtts',
    ca,
    clientId: id,
    username: `localhost/${id}/?api-version=2021-04-12`,
    password: token,
    protocolVersion: 4,
    clean: false,
    keepalive: 0,
    reconnectPeriod: 0,
    connectTimeout: 120_000,
  });
  client.stream.setNoDelay?.(true);
  client.on('message', () => (received += 1));
  await client.subscribeAsync(`devices/${id}/messages/devicebound/#`, { qos: 1 });
  clients.push(client);
}

process.on('message', async (msg) => {
  if (msg.connect) {
    const { port, ca, devices, parallel } = msg.connect;
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: parallel }, async () => {
          while (next < devices.length) await connectOne(port, ca, devices[next++]);
        }),
      );
      process.send({ connected: clients.length });
    } catch (err) {
      process.send({ failed: `${err.message} after ${clients.length} connections` });
    }
  }
  if (msg.close) {
    for (const c of clients) c.end(true);
    process.exit(0);
  }
});
