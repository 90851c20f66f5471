/**
 * One device of the soak bench in a process of its own, so that it can be killed (SIGKILL) and restarted:
 * connects with the connection string in argv[2] and the CA file in argv[3], and prints one line per message,
 * `<messageId> <received ms since the epoch>`.
 */
import { readFileSync } from 'node:fs';
import { DeviceClient } from '../src/clients/device-client.js';

const [connectionString, caPath] = process.argv.slice(2) as [string, string];
const device = await DeviceClient.open({ connectionString, ca: readFileSync(caPath, 'utf8') });
device.onMessage((m) => process.stdout.write(`${m.messageId ?? ''} ${m.receivedMs}\n`));
process.stdout.write('ready\n');
