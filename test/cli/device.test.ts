/**
 * Issue 5, acceptance 4: `device create / list / show / delete` round trip; `show` of a missing device exits 1
 * with "not found"; a malformed --hub exits 2 naming the bad field. Also how a command finds its hub: --hub,
 * $IOTHUB_CONNECTION_STRING, or the local hub running on --state-dir (said on stderr), and what it says when
 * there is none.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, tempStateDir } from '../helpers/hub.js';
import type { TestHub } from '../helpers/hub.js';
import { hubArgs, jsonLines, killStarted, execCli, runInTerminal } from '../helpers/cli.js';

let hub: TestHub;

beforeAll(async () => {
  hub = await startTestHub({ devices: ['existing'] });
});
afterEach(killStarted);
afterAll(async () => {
  await hub?.dispose();
});

describe('device', () => {
  it('create, list, show, delete: a round trip', async () => {
    const created = await execCli(['device', 'create', 'sensor-1', ...hubArgs(hub)]);
    expect(created.code).toBe(0);
    // stdout is not a terminal here: the connection string alone, key in full, and it is the device's own.
    expect(created.stdout).toBe(`${hub.deviceConnectionString('sensor-1')}\n`);
    expect(created.stderr).toBe("iot-c2d: created device 'sensor-1'.\n");

    const listed = await execCli(['device', 'list', '--json', ...hubArgs(hub)]);
    expect(listed.code).toBe(0);
    const ids = jsonLines(listed.stdout).map((line) => line.deviceId);
    expect(ids).toEqual(expect.arrayContaining(['existing', 'sensor-1']));
    expect(listed.stdout).not.toContain('SharedAccessKey');

    const shown = await execCli(['device', 'show', 'sensor-1', '--json', ...hubArgs(hub)]);
    expect(shown.code).toBe(0);
    expect(jsonLines(shown.stdout)).toEqual([
      expect.objectContaining({
        type: 'device',
        deviceId: 'sensor-1',
        status: 'enabled',
        connectionState: 'Disconnected',
        cloudToDeviceMessageCount: 0,
        connectionString: hub.deviceConnectionString('sensor-1'),
      }),
    ]);

    const deleted = await execCli(['device', 'delete', 'sensor-1', ...hubArgs(hub)]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('Deleted device sensor-1.\n');

    const gone = await execCli(['device', 'list', ...hubArgs(hub)]);
    expect(gone.stdout).toMatch(/^DEVICE +STATUS +CONNECTION +QUEUED\nexisting +enabled +Disconnected +0\n$/);
  });

  it('on a terminal, keys are masked unless --show-keys', async () => {
    const key = /SharedAccessKey=([^;]+)/.exec(hub.deviceConnectionString('existing'))?.[1] as string;
    const masked = await runInTerminal(['device', 'show', 'existing', ...hubArgs(hub)]);
    expect(masked.code).toBe(0);
    expect(masked.output).toContain(`SharedAccessKey=${key.slice(0, 4)}…`);
    expect(masked.output).not.toContain(key);
    const shown = await runInTerminal(['device', 'show', 'existing', '--show-keys', ...hubArgs(hub)]);
    expect(shown.code).toBe(0);
    expect(shown.output).toContain(`SharedAccessKey=${key}`);
  });

  it('show of a missing device exits 1 with "not found"', async () => {
    const result = await execCli(['device', 'show', 'nobody', ...hubArgs(hub)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("iot-c2d: Device 'nobody' not found on this hub: iot-c2d device create nobody creates it, iot-c2d device list shows the others.\n");
  });

  it('a malformed --hub exits 2 naming the bad field', async () => {
    const result = await execCli(['device', 'list', '--hub', 'HostName=localhost:8883;SharedAccessKeyName=iothubowner', '--ca', hub.caPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'iot-c2d: The service connection string (--hub) has no SharedAccessKey: it should look like HostName=<hub>.azure-devices.net;SharedAccessKeyName=<policy>;SharedAccessKey=<key>.\n',
    );
    const env = await execCli(['device', 'list'], { env: { IOTHUB_CONNECTION_STRING: 'HostName=localhost;SharedAccessKeyName=x;SharedAccessKey=short' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^iot-c2d: The service connection string \(\$IOTHUB_CONNECTION_STRING\)'s SharedAccessKey is not a base64 key/);
  });

  it('a device id IoT Hub does not allow is a usage error', async () => {
    const result = await execCli(['device', 'create', 'no spaces', ...hubArgs(hub)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^iot-c2d: The device id contains a space: use ASCII letters, digits and /);
  });
});

describe('finding the hub', () => {
  it('without --hub, uses the local hub running on --state-dir, and says so once on stderr', async () => {
    const result = await execCli(['device', 'show', 'existing', '--state-dir', hub.stateDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Device id:           existing');
    expect(result.stderr).toBe(`iot-c2d: no --hub given: using the local hub on localhost:${hub.port} (${hub.stateDir}).\n`);
  });

  it('takes $IOTHUB_CONNECTION_STRING, and the local CA when the string points at the local hub', async () => {
    const result = await execCli(['device', 'list', '--json', '--state-dir', hub.stateDir], { env: { IOTHUB_CONNECTION_STRING: hub.serviceConnectionString() } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(jsonLines(result.stdout).map((line) => line.deviceId)).toContain('existing');
  });

  it('with no hub running: exit 2 and how to start one', async () => {
    const nowhere = tempStateDir();
    const result = await execCli(['send', 'demo', 'hi', '--state-dir', nowhere]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `iot-c2d: No hub given (--hub or $IOTHUB_CONNECTION_STRING) and no iot-c2d hub is running on ${nowhere}: start one in another terminal (iot-c2d hub --device <id> --state-dir ${nowhere}) or pass --hub <service connection string>.\n`,
    );
  });

  it('a CA file that is missing or not PEM is a usage error; an untrusted hub is a runtime error naming --ca', async () => {
    const missing = await execCli(['device', 'list', '--hub', hub.serviceConnectionString(), '--ca', '/nonexistent/ca.pem']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('iot-c2d: The CA file "/nonexistent/ca.pem" cannot be read (ENOENT): give the PEM file iot-c2d hub prints as "CA:".\n');
    const notPem = join(tempStateDir(), 'ca.pem');
    writeFileSync(notPem, 'hello');
    const wrong = await execCli(['device', 'list', '--hub', hub.serviceConnectionString(), '--ca', notPem]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not a PEM certificate \(no "-----BEGIN CERTIFICATE-----"\)/);
    const untrusted = await execCli(['device', 'list', '--hub', hub.serviceConnectionString()]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^iot-c2d: The hub's TLS certificate is not trusted: pass the hub's CA with --ca <file>/);
  });
});
