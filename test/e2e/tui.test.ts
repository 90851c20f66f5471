/**
 * Issue 4, acceptance 2: the built `iot-c2d` in a pseudo-terminal, keys typed one at a time, the screen read
 * as a user sees it, against the real embedded hub (each test its own state directory, ephemeral ports).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS as K } from '../helpers/keys.js';
import { CLI, PtyApp, cleanEnv } from '../helpers/pty.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-e2e-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The line of the focused form field (marked ›). */
function focusLine(screen: string): string {
  return screen.split('\n').find((l) => l.includes('›')) ?? '';
}

/** From the Send pane: tab until the field `label` has focus, waiting for each move to show. */
async function tabTo(app: PtyApp, label: RegExp): Promise<void> {
  for (let i = 0; i < 25; i++) {
    const before = focusLine(app.screen());
    if (label.test(before)) return;
    await app.key(K.tab);
    await app.waitFor((s: string) => focusLine(s) !== before);
  }
  throw new Error(`no field ${label}\n${app.screen()}`);
}

/** The acceptance flow: fill the form, ctrl+s, see the message on the device and Success in Feedback. */
async function sendAndFollow(app: PtyApp, device: string): Promise<void> {
  await app.key('2');
  await app.waitFor(/› Payload/);
  await app.type('{"temp":21.5}');
  await tabTo(app, /› Correlation id/);
  await app.type('corr-e2e');
  await tabTo(app, /› \+ add property/);
  await app.key(K.enter);
  await app.type('colour=red');
  await app.key(K.tab);
  await app.key(K.enter);
  await app.type('size=XL');
  await app.waitFor(/Ack\s+none\s+positive\s+negative\s+full/);
  await app.key(K.ctrl('s'));
  const sent = await app.waitFor(/✓ Enqueued (\S+) for/);
  const messageId = /✓ Enqueued (\S+) for/.exec(sent)![1]!;
  expect(sent).toContain(`for ${device}`);

  await app.key(K.esc);
  await app.key('1');
  await app.waitFor(new RegExp(`${messageId.slice(0, 15)}.*corr-e2e.*2p\\s+\\{"temp":21.5\\}`));
  await app.key(K.enter);
  const details = await app.waitFor('Custom properties (2)');
  expect(details).toContain('colour = red');
  expect(details).toContain('size = XL');
  expect(details).toMatch(/ack\s+full/);
  expect(details).toContain(`messageId        ${messageId}`);
  await app.key(K.esc);

  await app.key('3');
  await app.waitFor(new RegExp(`full Success .*${messageId.slice(0, 20)}`));
  await app.waitFor(/Success 1 · median to feedback/);
}

describe('iot-c2d tui in a pseudo-terminal', () => {
  it('a. no arguments, clean state: both sides connect, a message goes through with Success; q exits 0 and restores the terminal', async () => {
    const state = tempDir();
    // No arguments at all: the default state directory (under XDG_STATE_HOME) and the default port, or a free one.
    const app = new PtyApp([], { env: cleanEnv({ XDG_STATE_HOME: state }), cwd: state });
    try {
      await app.waitFor(/service ● connected {2}feedback ● connected/);
      await app.waitFor(/device demo-device mqtt ● connected/);
      await sendAndFollow(app, 'demo-device');
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
      expect(app.restored()).toBe(true);
    } finally {
      app.kill();
    }
  });

  it('not a terminal: exit 2 with a pointer to the scriptable commands', () => {
    const result = spawnSync(process.execPath, [CLI], { input: '', encoding: 'utf8', env: cleanEnv({ XDG_STATE_HOME: tempDir() }) });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs a terminal.*hub, send, receive, feedback, device, purge/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('two TUIs on one state: when the one running the hub quits, the other takes the hub over and keeps receiving', async () => {
    const state = tempDir();
    const first = new PtyApp(['--state-dir', state, '--port', '0', '--transport', 'amqp'], { cwd: state });
    let second: PtyApp | undefined;
    try {
      const port = /hub local localhost:(\d+)/.exec(await first.waitFor(/hub local localhost:\d+ {2}service ● connected/))?.[1];
      // The second joins the first's hub. The first is demo-device over AMQP, the second over MQTT: IoT Hub keeps one
      // MQTT connection per device, and two would take it from each other.
      second = new PtyApp(['--state-dir', state, '--no-feedback'], { cwd: state });
      await second.waitFor(`hub local localhost:${port} (shared: iot-c2d tui, pid `);
      await second.waitFor(/service ● connected/);
      await first.key('q');
      expect((await first.exited).exitCode).toBe(0);
      await second.waitFor(new RegExp(`hub local localhost:${port} \\(taken over when pid \\d+ stopped\\)`));
      await second.waitFor(/service ● connected[\s\S]*device demo-device mqtt ● connected/, 20_000);
      // A message sent now reaches the device through the hub the second TUI runs.
      const sent = spawnSync(process.execPath, [CLI, 'send', 'demo-device', 'after-takeover', '--state-dir', state], { encoding: 'utf8', env: cleanEnv() });
      expect(sent.stdout).toMatch(/enqueued/);
      await second.waitFor(/\+ \S+.*\s+after-takeover/);
      await second.key('q');
      expect((await second.exited).exitCode).toBe(0);
      // It stopped the hub it took over: the state is free for the next one.
      expect(spawnSync(process.execPath, [CLI, 'send', 'demo-device', 'x', '--state-dir', state], { encoding: 'utf8', env: cleanEnv() }).stderr).toMatch(/no iot-c2d hub is running on/);
    } finally {
      first.kill();
      second?.kill();
    }
  });

  describe('against a standalone iot-c2d hub (child process)', () => {
    let hub: ChildProcess;
    let info: { port: number; stateDir: string; caPath: string; serviceConnectionString: string; devices: Record<string, string> };

    beforeAll(async () => {
      const stateDir = tempDir();
      hub = spawn(process.execPath, [CLI, 'hub', '--port', '0', '--state-dir', stateDir, '--device', 'dev-b', '--json', '--show-keys', '--quiet'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: hub.stdout! }).once('line', resolve);
        hub.once('exit', (code) => reject(new Error(`hub exited ${code}`)));
      });
      info = JSON.parse(line) as typeof info;
    });

    afterAll(async () => {
      // The hub's own shutdown is tested with the hub; here it only has to go (SIGTERM can take seconds
      // after clients have come and gone).
      if (hub.exitCode === null && hub.signalCode === null) {
        hub.kill('SIGKILL');
        await new Promise((r) => hub.once('exit', r));
      }
    });

    it('b. --hub, --device and --ca: the same flow, and SIGTERM exits 0 and restores the terminal', async () => {
      const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', info.devices['dev-b']!, '--ca', info.caPath, '--state-dir', tempDir()], { cwd: tempDir() });
      try {
        await app.waitFor(/service ● connected {2}feedback ● connected/);
        await app.waitFor(/device dev-b mqtt ● connected/);
        // A remote hub: the user is told once that reading feedback takes it off the hub.
        expect(app.screen()).toContain("takes it off this hub's single feedback queue");
        // Keys are never shown in full.
        const key = /SharedAccessKey=([^;]+)/.exec(info.serviceConnectionString)![1]!;
        await app.key('i');
        const overlay = await app.waitFor('Connection (keys masked)');
        expect(overlay).not.toContain(key);
        await app.key(K.esc);
        await sendAndFollow(app, 'dev-b');
        process.kill(app.proc.pid, 'SIGTERM');
        expect((await app.exited).exitCode).toBe(0);
        expect(app.restored()).toBe(true);
      } finally {
        app.kill();
      }
    });

    it('c+d. a malformed device string: one-line error, Send still works, unknown device is "not found"; help, panes, q in a field', async () => {
      const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', `HostName=localhost;SharedAccessKey=${'A'.repeat(44)}`, '--ca', info.caPath, '--state-dir', tempDir()], {
        cwd: tempDir(),
        cols: 80,
        rows: 24,
      });
      try {
        await app.waitFor(/service ● connected/);
        const screen = await app.waitFor('The device connection string has no DeviceId');
        expect(screen).not.toContain('A'.repeat(10));
        // c. The Send pane works: to an existing device, then to an unknown one.
        await app.key('2');
        await app.waitFor(/✗ The device id is empty/);
        await tabTo(app, /› To device/);
        await app.type('dev-b');
        await app.key(K.tab);
        await app.type('qq');
        await app.key(K.ctrl('s'));
        await app.waitFor(/✓ Enqueued \S+ for dev-b/);
        await tabTo(app, /› To device/);
        for (let i = 0; i < 5; i++) await app.key(K.backspace);
        await app.type('ghost');
        await app.key(K.ctrl('s'));
        const refused = await app.waitFor(/✗ Refused, device not found/);
        expect(refused).toMatch(/To device\s+ghost/);
        expect(refused).toMatch(/Payload\s+qq/);
        // d. Typing q in a text field typed it (above: the payload is "qq", and the app still runs).
        await app.key(K.esc);
        await app.key('?');
        const help = await app.waitFor('Keys (esc or ? closes');
        expect(help).toContain('Send the message in the form');
        await app.key(K.esc);
        await app.key('1');
        await app.waitFor('Press p to paste a device connection string');
        await app.key('3');
        await app.waitFor(/filter: all/);
        await app.key('2');
        await app.waitFor(/› To device\s+ghost[\s\S]*Payload\s+qq/);
        await app.key(K.ctrl('c'));
        expect((await app.exited).exitCode).toBe(0);
        expect(app.restored()).toBe(true);
      } finally {
        app.kill();
      }
    });

    it('with no strings, joins the iot-c2d hub already running on the state directory and creates demo-device there', async () => {
      const app = new PtyApp(['--state-dir', info.stateDir], { cwd: tempDir() });
      try {
        await app.waitFor(`hub local localhost:${info.port} (shared: iot-c2d hub, pid ${hub.pid})`);
        await app.waitFor(/device demo-device mqtt ● connected/);
        await app.waitFor(/service ● connected/);
        await app.key('q');
        expect((await app.exited).exitCode).toBe(0);
      } finally {
        app.kill();
      }
      // The hub is still running: the TUI did not stop what it did not start.
      expect(hub.exitCode).toBeNull();
    });

    it('the hub going away: retrying with the reason, what is shown stays, and both sides reconnect by themselves', async () => {
      const app = new PtyApp(['--hub', info.serviceConnectionString, '--device', info.devices['dev-b']!, '--ca', info.caPath, '--no-feedback', '--state-dir', tempDir()], { cwd: tempDir() });
      try {
        await app.waitFor(/service ● connected[\s\S]*device dev-b mqtt ● connected/);
        await app.key('2');
        await app.waitFor(/› Payload/);
        await app.type('before');
        await app.key(K.ctrl('s'));
        await app.waitFor(/✓ Enqueued \S+ for dev-b/);
        await app.key(K.esc);
        await app.key('1');
        await app.waitFor(/\+ \S+.*\s+before/);
        hub.kill('SIGKILL');
        await new Promise((r) => hub.once('exit', r));
        await app.waitFor(/device dev-b mqtt ● retrying: \S/);
        await app.waitFor(/service ● retrying: \S/);
        expect(app.screen()).toMatch(/\+ \S+.*\s+before/);
        // The same hub comes back on the same port and state: both sides reconnect without a key press.
        hub = spawn(process.execPath, [CLI, 'hub', '--port', String(info.port), '--state-dir', info.stateDir, '--quiet'], { env: cleanEnv(), stdio: 'ignore' });
        await app.waitFor(/service ● connected[\s\S]*device dev-b mqtt ● connected/, 20_000);
        expect(app.screen()).toMatch(/\+ \S+.*\s+before/);
        await app.key('q');
        expect((await app.exited).exitCode).toBe(0);
      } finally {
        app.kill();
      }
    });

    it('joined to another process\'s hub, the header says when that process has stopped', async () => {
      const app = new PtyApp(['--state-dir', info.stateDir], { cwd: tempDir() });
      try {
        await app.waitFor(`hub local localhost:${info.port} (shared: iot-c2d hub, pid ${hub.pid})`);
        const pid = hub.pid;
        hub.kill('SIGKILL');
        await new Promise((r) => hub.once('exit', r));
        await app.waitFor(`(shared: iot-c2d hub, pid ${pid}, has stopped`);
        await app.key('q');
        expect((await app.exited).exitCode).toBe(0);
      } finally {
        app.kill();
      }
    });
  });
});
