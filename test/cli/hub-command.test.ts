/**
 * Issue: the embedded hub, acceptance 8 and the skeleton's command line: `iot-c2d hub` in a child process
 * prints connection strings and a CA that a separate program using only the official SDKs can use.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, waitForLine } from '../helpers/cli.js';
import { tempStateDir } from '../helpers/hub.js';

const run = promisify(execFile);
const ROUNDTRIP = fileURLToPath(new URL('../fixtures/sdk-roundtrip.cjs', import.meta.url));
const stateDir = tempStateDir();
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('iot-c2d hub', () => {
  it('prints connection strings and a CA that an unmodified SDK program can use, and stops cleanly on SIGTERM', async () => {
    const hub = runCli(['hub', '--port', '0', '--device', 'dev1', '--state-dir', stateDir, '--show-keys']);
    const serviceCs = (await waitForLine(hub, /^\s+HostName=.*SharedAccessKeyName=iothubowner/)).trim();
    const deviceCs = (await waitForLine(hub, /^\s+HostName=.*DeviceId=dev1;/)).trim();
    const caPath = (await waitForLine(hub, /^CA:/)).replace(/^CA:\s+/, '');
    expect(caPath).toBe(`${stateDir}/tls/ca.pem`);

    const { stdout } = await run(process.execPath, [ROUNDTRIP, serviceCs, deviceCs], { env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath }, timeout: 20_000 });
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ type: 'received', messageId: 'sdk-only-1', data: 'from the tutorial' });
    expect(lines[1]).toMatchObject({ type: 'feedback', records: [{ originalMessageId: 'sdk-only-1', deviceId: 'dev1', statusCode: 'Success' }] });

    hub.child.kill('SIGTERM');
    expect(await hub.exited).toBe(0);
  });

  it('masks keys in its text output unless --show-keys, and keeps them in full in connection.env', async () => {
    const hub = runCli(['hub', '--port', '0', '--device', 'dev3', '--state-dir', stateDir]);
    await waitForLine(hub, /^Press Ctrl\+C/);
    const env = readFileSync(join(stateDir, 'connection.env'), 'utf8');
    const keys = [...env.matchAll(/SharedAccessKey=([^;"'\n]+)/g)].map((m) => m[1] as string);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(statSync(join(stateDir, 'connection.env')).mode & 0o777).toBe(0o600);
    const out = hub.stdout();
    expect(out).toMatch(/DeviceId=dev3;SharedAccessKey=/);
    for (const key of keys) expect(out).not.toContain(key);
    expect(out).toContain('--show-keys prints them');
    hub.child.kill('SIGINT');
    expect(await hub.exited).toBe(0);
  });

  it('prints full keys in --json for scripts', async () => {
    const hub = runCli(['hub', '--port', '0', '--device', 'dev2', '--state-dir', stateDir, '--json']);
    const info = JSON.parse(await waitForLine(hub, /^\{/)) as { port: number; devices: Record<string, string>; caPath: string };
    expect(info.port).toBeGreaterThan(0);
    expect(info.devices.dev2).toMatch(new RegExp(`^HostName=localhost;DeviceId=dev2;SharedAccessKey=[^;]{40,};GatewayHostName=localhost:${info.port}$`));
    hub.child.kill('SIGINT');
    expect(await hub.exited).toBe(0);
  });
});

describe('the command line', () => {
  it('answers --help and --version', async () => {
    const help = await run(process.execPath, [CLI, '--help']);
    expect(help.stdout).toMatch(/iot-c2d hub/);
    const version = await run(process.execPath, [CLI, '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('rejects unknown commands and flags with one line and exit code 2', async () => {
    for (const args of [['frobnicate'], ['hub', '--no-such-flag'], ['hub', '--port', '70000']]) {
      const result = runCli(args);
      expect(await result.exited).toBe(2);
      const lines = result.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^iot-c2d: /);
      expect(lines[0]).not.toMatch(/at .*\.js/);
    }
  });

  it('refuses a second hub on the same state directory, naming the running one', async () => {
    const first = runCli(['hub', '--port', '0', '--state-dir', stateDir, '--json']);
    await waitForLine(first, /^\{/);
    const second = runCli(['hub', '--port', '0', '--state-dir', stateDir]);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/already running on .*use it, or give another --state-dir/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});
