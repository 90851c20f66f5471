/**
 * Control experiment for bench/tui-flood.ts (not a test): the same hub, sender and flood, with the device
 * side a bare DeviceClient in this process instead of the TUI. If messages go missing here too, the loss is
 * between the hub and the device SDK, not in the TUI.
 *
 *   npm run build && npx tsx bench/flood-control.ts [rate=2000] [seconds=6] [senders=4]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeviceClient } from '../src/clients/device-client.js';
import { CLI, cleanEnv } from '../test/helpers/pty.js';

const RATE = Number(process.argv[2] ?? 2000);
const SECONDS = Number(process.argv[3] ?? 6);
const SENDERS = Number(process.argv[4] ?? 4);
const TOTAL = RATE * SECONDS;
const state = mkdtempSync(join(tmpdir(), 'iot-c2d-bench-control-'));
const hub = spawn(process.execPath, [CLI, 'hub', '--port', '0', '--state-dir', state, '--device', 'flood', '--json', '--show-keys', '--quiet'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
const info = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: hub.stdout }).once('line', resolve))) as { caPath: string; serviceConnectionString: string; devices: Record<string, string> };
const device = await DeviceClient.open({ connectionString: info.devices.flood!, ca: readFileSync(info.caPath, 'utf8') });
const seen = new Set<string>();
let received = 0;
device.onMessage((m) => {
  received++;
  seen.add(m.properties.find(([k]) => k === 'n')?.[1] ?? '');
});
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const sender = spawn(tsx, [fileURLToPath(new URL('./tui-flood-sender.ts', import.meta.url)), info.serviceConnectionString, info.caPath, 'flood', String(RATE), String(TOTAL), String(SENDERS)], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
let progress = { enqueued: 0, done: false, seconds: 0 };
const lines = createInterface({ input: sender.stdout! });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.on('line', (line) => (progress = JSON.parse(line) as typeof progress));
sender.stdin!.write('go\n');
while (!progress.done) await new Promise((r) => setTimeout(r, 100));
let last = received;
let lastChange = Date.now();
while (received < progress.enqueued && Date.now() - lastChange < 15_000) {
  await new Promise((r) => setTimeout(r, 100));
  if (received !== last) [last, lastChange] = [received, Date.now()];
}
const missing = Array.from({ length: TOTAL }, (_, i) => String(i + 1)).filter((n) => !seen.has(n));
console.log(`control (bare DeviceClient, no TUI): enqueued ${progress.enqueued} in ${progress.seconds.toFixed(1)} s, received ${received} (${seen.size} distinct), missing ${missing.length}${missing.length ? `: ${missing.slice(0, 8).join(', ')}…` : ''}`);
await device.close();
hub.kill('SIGKILL');
rmSync(state, { recursive: true, force: true });
process.exit(0);
