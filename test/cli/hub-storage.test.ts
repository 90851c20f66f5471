/**
 * Storage faults never end the hub. A full state directory (here: a file-size limit on the hub process, so
 * no test fills a disk) refuses each new send with one sentence the sender sees, keeps delivering what it
 * holds, and accepts sends again once it can write. A directory that cannot be written, or a database that
 * is damaged or from a newer iot-c2d, stops `iot-c2d hub` with exit 2 and a sentence naming it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { DeviceClient } from '../../src/clients/device-client.js';
import { ServiceClient } from '../../src/clients/service-client.js';
import type { FeedbackRecord } from '../../src/core/types.js';
import { CLI, execCli } from '../helpers/cli.js';
import { message } from '../helpers/clients.js';
import { tempStateDir } from '../helpers/hub.js';
import { Collector, waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
const mounts: string[] = [];
afterAll(() => {
  for (const mount of mounts) execFileSync('umount', [mount]);
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
function stateDir(): string {
  const dir = tempStateDir();
  dirs.push(dir);
  return dir;
}

it('a full state directory: each new send is refused with one sentence, held messages are delivered, sends resume once it can write', async () => {
  const dir = stateDir();
  // The hub may write files of at most 512 KB (RLIMIT_FSIZE): its database's log hits that after a few messages.
  const child = spawn('prlimit', ['--fsize=524288:unlimited', process.execPath, CLI, 'hub', '--port', '0', '--state-dir', dir, '--device', 'full', '--json', '--quiet'], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => out.includes('\n'), 15_000, 'the hub to start');
  const info = JSON.parse(out) as { serviceConnectionString: string; caPath: string; devices: Record<string, string> };
  const ca = readFileSync(info.caPath, 'utf8');
  const service = await ServiceClient.open({ connectionString: info.serviceConnectionString, ca });
  const feedback = new Collector<FeedbackRecord>();
  await service.startFeedback((batch) => batch.records.forEach(feedback.push));

  const big = Buffer.alloc(60 * 1024, 'x');
  const accepted: string[] = [];
  let refusal: Error | undefined;
  for (let i = 0; i < 45 && !refusal; i++) {
    const id = `big-${i}`;
    await service.send('full', message({ messageId: id, payload: big, ack: 'full' })).then(
      () => accepted.push(id),
      (e: Error) => (refusal = e),
    );
  }
  expect(refusal?.message).toMatch(new RegExp(`^The hub cannot store new messages now: the state directory ${dir} is full \\(\\w+\\): free some space there; sends are accepted again as soon as it can\\.$`));
  expect(accepted.length).toBeGreaterThan(0);
  // Another request, another refusal of its own; the hub is still up.
  await expect(service.send('full', message({ messageId: 'refused-2', payload: Buffer.from('small'), ack: 'full' }))).rejects.toThrow(/cannot store new messages now/);
  expect(child.exitCode).toBeNull();

  // What it holds is delivered (and completed) while it still cannot write.
  const device = await DeviceClient.open({ connectionString: info.devices.full ?? '', ca });
  const received = new Collector<string>();
  device.onMessage((m) => received.push(m.messageId ?? ''));
  for (const id of accepted) await received.waitForMatch((m) => m === id);

  // Space again: sends are accepted, and every accepted message's feedback arrives.
  execFileSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited:unlimited']);
  let resumed = false;
  for (let attempt = 0; attempt < 200 && !resumed; attempt++) {
    resumed = await service.send('full', message({ messageId: 'after', payload: Buffer.from('small'), ack: 'full' })).then(
      () => true,
      async () => {
        await new Promise((r) => setTimeout(r, 100));
        return false;
      },
    );
  }
  expect(resumed).toBe(true);
  await received.waitForMatch((m) => m === 'after');
  for (const id of [...accepted, 'after']) expect((await feedback.waitForMatch((r) => r.originalMessageId === id)).statusCode).toBe('Success');
  expect(received.items.filter((m) => m === 'refused-2')).toEqual([]);

  await device.close();
  await service.close();
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(err).not.toMatch(/unexpected error/);
}, 120_000);

/** A directory the hub cannot write: a read-only tmpfs as root (who may write anywhere else), mode 0500 otherwise. */
function readOnlyDir(): string {
  const dir = stateDir();
  if (process.getuid?.() !== 0) {
    execFileSync('chmod', ['0500', dir]);
    return dir;
  }
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

it('a read-only state directory: exit 2, one sentence naming the directory and what to do', async () => {
  const dir = readOnlyDir();
  const result = await execCli(['hub', '--port', '0', '--state-dir', dir]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(new RegExp(`^iot-c2d: The state directory ${dir} cannot be written \\((EROFS|EACCES)\\): make it writable, or give another --state-dir\\.\\n$`));
});

it('a damaged database: exit 2, naming the file and what to do', async () => {
  const dir = stateDir();
  writeFileSync(join(dir, 'hub.db'), Buffer.alloc(8192, 'not a database '));
  const result = await execCli(['hub', '--port', '0', '--state-dir', dir]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(new RegExp(`^iot-c2d: ${join(dir, 'hub.db')} is damaged \\(SQLITE_\\w+\\): move it aside \\(its queued messages are lost\\), or give another --state-dir\\.\\n$`));
});

it('a database from a newer iot-c2d: exit 2, naming the file, untouched', async () => {
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, 'hub.db'));
  db.pragma('user_version = 99');
  db.close();
  const result = await execCli(['hub', '--port', '0', '--state-dir', dir]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(new RegExp(`^iot-c2d: ${join(dir, 'hub.db')} was written by a newer iot-c2d \\(schema 99; this one reads up to \\d+\\): upgrade iot-c2d, or give another --state-dir\\.\\n$`));
  const again = new Database(join(dir, 'hub.db'));
  expect(again.pragma('user_version', { simple: true })).toBe(99);
  again.close();
});
