/**
 * The flood's sender, in its own process so that it does not slow down the process that reads the screen:
 * sends TOTAL messages (ack none) to DEVICE at up to RATE msg/s over SENDERS service connections. The hub
 * holds at most 50 messages per device, so at most 25 sends are in flight; a refusal (queue full) pauses the
 * senders for 5 ms and the message is offered again, so the flood runs as fast as the device drains its
 * queue, up to RATE.
 * Prints one JSON line a second ({enqueued, refused, offered}) and a last one with `done: true`.
 */
import { readFileSync } from 'node:fs';
import { ServiceClient } from '../src/clients/service-client.js';
import type { OutgoingMessage } from '../src/clients/types.js';

const [connectionString, caPath, device, rateText, totalText, sendersText] = process.argv.slice(2) as [string, string, string, string, string, string];
const RATE = Number(rateText);
const TOTAL = Number(totalText);
const SENDERS = Number(sendersText);
// Half a device queue (50) in flight at most: a wider window fills the queue in bursts, and re-offering the
// refused messages takes the hub CPU that the device needs (bench/README.md: 200 in flight drained
// 1,470-1,515 msg/s with 144,000 refusals; 25 holds 2,000 msg/s with under 1,000).
const MAX_INFLIGHT = 25;
const ca = readFileSync(caPath, 'utf8');
const senders = await Promise.all(Array.from({ length: SENDERS }, () => ServiceClient.open({ connectionString, ca })));
const payload = Buffer.from('{"reading":21.5,"unit":"C"}');
let enqueued = 0;
let refused = 0;
let offered = 0;
let inflight = 0;
let started = 0;
let pausedUntil = 0;
const retry: number[] = [];
const report = (done = false): void => void process.stdout.write(`${JSON.stringify({ enqueued, refused, offered, done })}\n`);
console.error = () => undefined;
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const t0 = performance.now();
const timer = setInterval(() => report(), 1000);
await new Promise<void>((resolve) => {
  const launch = (n: number): void => {
    const sender = senders[n % SENDERS] as ServiceClient;
    inflight++;
    offered++;
    const message: OutgoingMessage = { payload, properties: [['n', String(n)]], ack: 'none' };
    sender.send(device, message).then(
      () => void enqueued++,
      () => {
        refused++;
        retry.push(n);
        pausedUntil = performance.now() + 5;
      },
    ).finally(() => {
      inflight--;
      if (enqueued === TOTAL) resolve();
    });
  };
  const tick = (): void => {
    const now = performance.now();
    if (now >= pausedUntil) {
      const due = Math.min(TOTAL, Math.floor(((now - t0) / 1000) * RATE));
      let budget = Math.max(0, due - (enqueued + inflight));
      while (budget > 0 && inflight < MAX_INFLIGHT && (retry.length > 0 || started < TOTAL)) {
        launch(retry.length > 0 ? (retry.shift() as number) : ++started);
        budget--;
      }
    }
    if (enqueued < TOTAL) setTimeout(tick, 2);
  };
  tick();
});
clearInterval(timer);
process.stdout.write(`${JSON.stringify({ enqueued, refused, offered, done: true, seconds: (performance.now() - t0) / 1000 })}\n`);
await Promise.all(senders.map((s) => s.close()));
process.exit(0);
