/**
 * The yardstick of the hub benchmark: a bare aedes over TLS on loopback (its own process,
 * aedes-broker.mjs) relaying QoS 1 publishes from one mqtt.js client to another, TCP_NODELAY on both.
 * The same shapes as the hub's cases: sequential latency (publish → subscriber's message event) and
 * throughput with at most `window` messages published but not yet received.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

const BROKER = fileURLToPath(new URL('./aedes-broker.mjs', import.meta.url));

export interface FloorResult {
  latencies: number[];
  throughput: number;
}

async function connect(port: number, ca: string, clientId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync({ host: 'localhost', port, protocol: 'mqtts', ca, clientId, clean: true, reconnectPeriod: 0 });
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  return client;
}

/** `tlsDir` holds the hub's server.pem, server-key.pem and ca.pem (the same certificate as the hub's). */
export async function measureAedesFloor(tlsDir: string, latencyMessages: number, throughputMessages: number, window: number): Promise<FloorResult> {
  const child = spawn(process.execPath, [BROKER, join(tlsDir, 'server.pem'), join(tlsDir, 'server-key.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8').once('data', (d: string) => resolve((JSON.parse(d.split('\n')[0] as string) as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`aedes floor broker exited with ${code}`)));
    });
    const ca = readFileSync(join(tlsDir, 'ca.pem'), 'utf8');
    const subscriber = await connect(port, ca, 'floor-sub');
    const publisher = await connect(port, ca, 'floor-pub');
    await subscriber.subscribeAsync('floor/#', { qos: 1 });
    let received = 0;
    let waiter: ((now: number) => void) | undefined;
    subscriber.on('message', () => {
      received += 1;
      waiter?.(performance.now());
    });
    const publish = (i: number): Promise<unknown> => publisher.publishAsync('floor/relay', `{"seq":${i}}`, { qos: 1 });

    for (let i = 0; i < 50; i++) await publish(i); // warm-up
    while (received < 50) await new Promise((r) => setImmediate(r));

    const latencies: number[] = [];
    for (let i = 0; i < latencyMessages; i++) {
      const arrived = new Promise<number>((resolve) => (waiter = resolve));
      const start = performance.now();
      void publish(i);
      latencies.push((await arrived) - start);
    }
    waiter = undefined;

    const before = received;
    const start = performance.now();
    let sent = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < throughputMessages && sent - (received - before) < window) void publish(sent++);
      };
      waiter = () => {
        if (received - before >= throughputMessages) resolve();
        else pump();
      };
      pump();
    });
    const throughput = throughputMessages / ((performance.now() - start) / 1000);
    await Promise.all([publisher.endAsync(), subscriber.endAsync()]);
    return { latencies, throughput };
  } finally {
    process.off('exit', kill);
    kill();
  }
}
