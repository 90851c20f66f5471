/**
 * Issue 9, the TUI's part, end to end: `iot-c2d device create <id> --x509 self-signed` (the built CLI, a real
 * hub), then the TUI in a pseudo-terminal: the device's x509=true string pasted, its certificate and key
 * files given (the key by a `~/` path), a C2D message sent from the form reaches it, and Success comes back.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execCli, hubArgs, jsonLines } from '../helpers/cli.js';
import { startTestHub } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { KEYS as K } from '../helpers/keys.js';
import { PtyApp, cleanEnv } from '../helpers/pty.js';

let hub: TestHub;
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iot-c2d-e2e-x509-'));
  dirs.push(dir);
  return dir;
}
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const paste = (text: string): string => `\u001b[200~${text}\u001b[201~`;

it('an X.509 device pasted into the TUI with its certificate and key files receives a message sent from the form, with Success', async () => {
  const created = await execCli(['device', 'create', 'cam-tui', '--x509', 'self-signed', '--json', '--state-dir', hub.stateDir, ...hubArgs(hub)]);
  expect(created.code).toBe(0);
  const [made] = jsonLines(created.stdout) as Array<{ connectionString: string; certPath: string; keyPath: string }>;
  const home = tempDir();
  copyFileSync(made!.keyPath, join(home, 'cam-tui-key.pem'));

  const app = new PtyApp([...hubArgs(hub), '--state-dir', tempDir()], { cwd: tempDir(), env: cleanEnv({ HOME: home }) });
  try {
    await app.waitFor(/service ● connected/, 30_000);
    await app.key('p');
    await app.waitFor('Paste a device connection string');
    await app.key(paste(made!.connectionString));
    await app.key(K.enter);
    await app.waitFor('X.509 device cam-tui: its certificate file');
    // A file that is not there: named in one line, and the prompt keeps what was typed.
    await app.key(paste('~/missing-cert.pem'));
    await app.key(K.enter);
    let screen = await app.waitFor(`Cannot read ${join(home, 'missing-cert.pem')}: ENOENT.`);
    expect(screen).toContain('› ~/missing-cert.pem');
    await app.key(K.ctrl('u'));
    await app.key(paste(made!.certPath));
    await app.key(K.enter);
    await app.waitFor('X.509 device cam-tui: its private key file');
    await app.key(paste('~/cam-tui-key.pem'));
    await app.key(K.enter);
    await app.waitFor(/device cam-tui mqtt ● connected/, 30_000);

    await app.key('2');
    await app.waitFor(/› Payload/);
    await app.key(paste('hello certificate'));
    await app.key(K.ctrl('s'));
    const sent = await app.waitFor(/✓ Enqueued (\S+) for cam-tui/);
    const messageId = /✓ Enqueued (\S+) for/.exec(sent)![1]!;
    await app.key(K.esc);
    await app.key('1');
    await app.waitFor(new RegExp(`\\+ ${messageId.slice(0, 12)}.*hello certificate`));
    await app.key('3');
    screen = await app.waitFor(new RegExp(`full Success .*${messageId.slice(0, 16)}`));
    expect(app.output).not.toContain('PRIVATE KEY');
    await app.key('q');
    expect((await app.exited).exitCode).toBe(0);
  } finally {
    app.kill();
  }
});
