// The floor of the hub benchmark: a bare aedes (the hub's own MQTT library) over TLS, nothing else. Run as
// its own process, as the hub is: `node bench/floor/aedes-broker.mjs <cert.pem> <key.pem>`; prints the port.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { Aedes } from 'aedes';

const [certPath, keyPath] = process.argv.slice(2);
const broker = await Aedes.createBroker();
const server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath), noDelay: true, minVersion: 'TLSv1.2' }, (socket) => {
  socket.setNoDelay(true);
  broker.handle(socket);
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => process.exit(0));
