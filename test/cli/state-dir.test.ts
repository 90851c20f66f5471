/**
 * A state directory that cannot be made: every command that would write there says so in one line, naming
 * the directory and the fix, and exits 2, without a stack trace and without drawing a screen. Node 20's
 * recursive mkdir spun at full CPU forever on such a path (core/make-directory.ts); /proc/nope/x is one
 * (Linux: /proc exists, and takes no new directory), and a path under a file another.
 */
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../helpers/clients.js';
import { execCli, hubArgs, killStarted, runInTerminal } from '../helpers/cli.js';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { rejectionOf } from '../helpers/wait.js';

let hub: TestHub;
const scratch = tempStateDir();
const underFile = join(scratch, 'a-file', 'state');

beforeAll(async () => {
  writeFileSync(join(scratch, 'a-file'), '');
  hub = await startTestHub();
});
afterAll(async () => {
  await killStarted();
  await hub?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** The one line a bad state directory gets. */
const refusal = (dir: string, code: string, label = 'The state directory'): RegExp =>
  new RegExp(`^iot-c2d: ${label} ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\S* cannot be created \\(${code}[):].*or give another --state-dir\\.$`);

function expectOneLine(text: string, pattern: RegExp): void {
  const lines = text.replace(/\r/g, '').split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('a state directory that cannot be made', () => {
  for (const [dir, code] of [['/proc/nope/x', 'ENOENT'], [underFile, 'ENOTDIR']] as const) {
    it(`iot-c2d (the TUI) --state-dir ${dir === underFile ? '<file>/state' : dir}: one line, exit 2, no screen`, async () => {
      const result = await runInTerminal(['--state-dir', dir]);
      expect(result.code).toBe(2);
      // The alternate screen was never entered: nothing was drawn.
      expect(result.output).not.toContain('\x1b[?1049h');
      expectOneLine(result.output, refusal(dir, code));
    });

    it(`iot-c2d hub --state-dir ${dir === underFile ? '<file>/state' : dir}: one line, exit 2`, async () => {
      const result = await execCli(['hub', '--port', '0', '--state-dir', dir]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expectOneLine(result.stderr, refusal(dir, code));
    });
  }

  it('device create --x509: one line, exit 2, and no device registered without its certificate', async () => {
    const result = await execCli(['device', 'create', 'nowhere', '--x509', 'self-signed', '--state-dir', '/proc/nope/x', ...hubArgs(hub)]);
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, refusal('/proc/nope/x/devices', 'ENOENT', 'The directory'));
    expect((await rejectionOf(openRegistry(hub).get('nowhere'))).message).toMatch(/not registered/);
  });
});
