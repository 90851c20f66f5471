/**
 * Issue 10: the TUI acts on the message the user sees. The built `iot-c2d` in a pseudo-terminal against the
 * real embedded hub: reject after a reconnect, a second device pasted in, several keys in one write.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYS as K } from '../helpers/keys.js';
import { PtyApp, cleanEnv } from '../helpers/pty.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-e2e-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const paste = (text: string): string => `\u001b[200~${text}\u001b[201~`;

/** From any pane: the form with `payload` in it (replacing what was there), sent; returns the message id. */
async function send(app: PtyApp, payload: string): Promise<string> {
  await app.key('2');
  await app.waitFor(/› Payload/);
  await app.key(K.ctrl('u'));
  await app.key(paste(payload));
  // A long payload scrolls to the caret at its end.
  await app.waitFor((s) => s.split('\n').some((l) => l.startsWith('› Payload') && l.includes(payload.slice(-12).trim())));
  await app.key(K.ctrl('s'));
  const screen = await app.waitFor(new RegExp(`✓ Enqueued (\\S+) for`));
  return /✓ Enqueued (\S+) for/.exec(screen)![1]!;
}

function embedded(options: { cols?: number; rows?: number } = {}): PtyApp {
  const state = tempDir();
  return new PtyApp(['--port', '0'], { env: cleanEnv({ XDG_STATE_HOME: state }), cwd: state, ...options });
}

describe('iot-c2d tui acts on the message the user sees', () => {
  it('send A over MQTT, switch to AMQP, manual settle, send B, r: B is rejected and marked, enter shows B', async () => {
    const app = embedded();
    try {
      await app.waitFor(/device demo-device mqtt ● connected/, 30_000);
      await app.waitFor(/service ● connected/, 30_000);
      await send(app, 'payload-A');
      await app.key(K.esc);
      await app.key('1');
      await app.waitFor(/\+ \S+.*payload-A/);
      await app.key('t');
      await app.waitFor('Connect the device over');
      await app.key('3');
      await app.waitFor(/device demo-device amqp ● connected/);
      await app.key('m');
      await app.waitFor('settle manual');
      const b = await send(app, 'payload-B');
      await app.key(K.esc);
      await app.key('1');
      await app.waitFor(/\. demo-device amqp #\d+.*payload-B/);
      // Following the tail, the newest row is the selection, and it shows.
      expect(app.inverseRows().join('\n')).toContain('payload-B');
      await app.key('r');
      await app.waitFor(`Message ${b} rejected`);
      const screen = await app.waitFor(/x demo-device amqp #\d+.*payload-B/);
      expect(screen).toMatch(/\+ demo-device mqtt #\d+.*payload-A/);
      await app.key(K.enter);
      const details = await app.waitFor((s) => s.includes(`Message ${b} (`) && s.includes('payload-B'));
      expect(details).toContain('payload-B');
      expect(details).not.toContain('payload-A');
      await app.key(K.esc);
      // The hub recorded B as rejected.
      await app.key('3');
      await app.waitFor(new RegExp(`Rejected .*${b.slice(0, 16)}`));
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
    } finally {
      app.kill();
    }
  });

  it('a second device, created and then the first pasted back: each row opens its own message; keys written together each act', async () => {
    const app = embedded();
    try {
      await app.waitFor(/device demo-device mqtt ● connected/, 30_000);
      await app.waitFor(/service ● connected/, 30_000);
      // The first device's string, unmasked, from the file w writes (as a user would copy it).
      await app.key('i');
      await app.waitFor('Connection (keys masked)');
      await app.key('w');
      const written = await app.waitFor(/Written unmasked \(mode 0600\) to (\S+)/);
      const file = /Written unmasked \(mode 0600\) to (\S+)/.exec(written.replace(/\n/g, ''))![1]!;
      const demoCs = /IOTHUB_DEVICE_CONNECTION_STRING='([^']+)'/.exec(readFileSync(file, 'utf8'))![1]!;
      await app.key(K.esc);
      const first = await send(app, 'to-demo');
      await app.key(K.esc);
      await app.key('1');
      await app.waitFor(/received · [\s\S]*to-demo/);
      // A second device, created from the TUI.
      await app.key('d');
      await app.waitFor('Create a new device');
      await app.key('2');
      await app.waitFor('Create a device: its id');
      await app.key(paste('second-device'));
      await app.key(K.enter);
      await app.waitFor(/device second-device mqtt ● connected/);
      const second = await send(app, 'to-second');
      await app.key(K.esc);
      await app.key('1');
      await app.waitFor(/second-device mqtt #\d+.*to-second/);
      // The first device pasted back in: its new message is numbered 1 by its new client, as the first was.
      await app.key('p');
      await app.waitFor('Paste a device connection string');
      await app.key(paste(demoCs));
      await app.key(K.enter);
      await app.waitFor(/device demo-device mqtt ● connected/, 30_000);
      const third = await send(app, 'to-demo-again');
      await app.key(K.esc);
      await app.key('1');
      await app.waitFor(/demo-device mqtt #\d+.*to-demo-again/);
      await app.key(K.enter);
      let details = await app.waitFor((s) => s.includes(`Message ${third} (`) && s.includes('to-demo-again'));
      expect(details).toContain('to-demo-again');
      await app.key(K.esc);
      await app.key('k');
      await app.waitFor('row 2 of 3');
      await app.key(K.enter);
      details = await app.waitFor((s) => s.includes(`Message ${second} (`) && s.includes('to-second'));
      expect(details).toContain('to-second');
      await app.key(K.esc);
      await app.key('k');
      await app.waitFor('row 1 of 3');
      await app.key(K.enter);
      details = await app.waitFor((s) => s.includes(`Message ${first} (`) && s.includes('to-demo'));
      expect(details).toContain('to-demo');
      await app.key(K.esc);
      await app.key('G');
      await app.waitFor('following the tail');
      // Several keys in one write, each acting as if typed alone.
      await app.key('kk');
      await app.waitFor('row 1 of 3');
      await app.key('??');
      await app.waitFor((s) => !s.includes('Keys (esc or ? closes') && s.includes('row 1 of 3'));
      await app.key(']]');
      await app.waitFor(/› Payload/);
      await app.key(K.esc);
      await app.key('31');
      await app.waitFor('row 1 of 3');
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
    } finally {
      app.kill();
    }
  });

  it('the tutorial\'s three sends from the form are message_0, message_1, message_2; P purges the queue and the header shows 0', async () => {
    const app = embedded();
    try {
      await app.waitFor(/device demo-device mqtt ● connected/, 30_000);
      await app.waitFor(/service ● connected/, 30_000);
      // The device offline, so the messages wait in its queue.
      await app.key('x');
      await app.waitFor('disconnected by you');
      await app.key('2');
      await app.waitFor(/› Payload/);
      await app.key(paste('{"service client sent a message": 12.3}'));
      await app.key(K.tab);
      await app.waitFor(/› Message id/);
      await app.key(paste('message_0'));
      for (const id of ['message_0', 'message_1', 'message_2']) {
        await app.waitFor(new RegExp(`› Message id\\s+${id}`));
        await app.key(K.ctrl('s'));
        await app.waitFor(`✓ Enqueued ${id} for demo-device`);
      }
      await app.waitFor(/› Message id\s+message_3/);
      await app.key(K.esc);
      await app.key('3');
      const feedback = await app.waitFor(/filter: all[\s\S]*message_2/);
      expect(feedback).toMatch(/enqueued .*message_0/);
      expect(feedback).toMatch(/enqueued .*message_1/);
      await app.key('1');
      await app.waitFor('queue 3/50');
      await app.key('P');
      await app.waitFor('Purge the C2D queue of demo-device? 3 queued messages are lost');
      await app.key('2');
      await app.waitFor('Purged 3 messages from the C2D queue of demo-device.');
      await app.waitFor('queue 0/50');
      await app.key('3');
      await app.waitFor(/Purged .*message_2/);
      await app.key('q');
      expect((await app.exited).exitCode).toBe(0);
    } finally {
      app.kill();
    }
  });

  for (const [cols, rows] of [
    [60, 20],
    [80, 24],
  ] as const) {
    it(`${cols}×${rows} with an emoji payload: the header and tab bar stay on top, messageId columns stay`, async () => {
      const app = embedded({ cols, rows });
      const top = (screen: string): void => {
        const lines = screen.split('\n');
        // In full words, or at 60 columns in fewer (header.tsx), every state shown either way.
        expect(lines[0]).toMatch(cols >= 80 ? /^iot-c2d hub local/ : /^svc ● \w+ {2}fb ● \w+ {2}hub local/);
        expect(lines[1]).toMatch(cols >= 80 ? /^device demo-device/ : /^device ● \w+ {2}queue \S+ {2}demo-device/);
        expect(lines[2]).toMatch(/^ 1 Device/);
        expect(lines).toHaveLength(rows);
      };
      try {
        await app.waitFor(cols >= 80 ? /device demo-device mqtt ● connected/ : /device ● connected {2}queue \S+ {2}demo-device mqtt/, 30_000);
        await app.waitFor(cols >= 80 ? /service ● connected/ : /svc ● connected/, 30_000);
        const payload = `thumbs 👍🏽 up, 漢字, cafe\u0301, ${'long text '.repeat(12)}`;
        const id = await send(app, payload);
        top(app.screen());
        await app.key(K.esc);
        await app.key('1');
        const device = await app.waitFor(/received · [\s\S]*thumbs/);
        top(device);
        expect(device).toContain(id.slice(0, 10));
        await app.key(K.enter);
        const details = await app.waitFor((s) => s.includes(`Message ${id.slice(0, 10)}`) && s.includes('System properties'));
        top(details);
        await app.key(K.esc);
        await app.key('3');
        const feedback = await app.waitFor(/filter: all[\s\S]*Success/);
        top(feedback);
        // The row names its message: the messageId column is the last to go.
        expect(feedback.split('\n').find((l) => l.includes('Success') && l.includes('full'))).toContain(id.slice(0, 8));
        await app.key('?');
        const help = await app.waitFor('Keys (esc');
        top(help);
        expect(help.split('\n')[4]).toMatch(/Keys \(esc or \? closes/);
        await app.key(K.esc);
        await app.key('q');
        expect((await app.exited).exitCode).toBe(0);
      } finally {
        app.kill();
      }
    });
  }
});
