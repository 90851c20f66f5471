/**
 * Issue 9, the TUI's part: a pasted `x509=true` device string asks for the certificate and key files (paths,
 * `~` expanded), names a missing or wrong file in one line with the prompt kept filled, never shows the key,
 * and connects with them (the fake connector records what it was given).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeDeviceCertificate } from '../../src/hub/index.js';
import { KEYS } from '../helpers/keys.js';
import { fakes } from './fakes.js';
import { startApp } from './harness.js';
import type { Harness } from './harness.js';

let app: Harness | undefined;
const home = process.env.HOME;
afterEach(async () => {
  await app?.quit();
  app = undefined;
  process.env.HOME = home;
});

const paste = (text: string): string => `\u001b[200~${text}\u001b[201~`;
const X509_CS = 'HostName=fake-hub.azure-devices.net;DeviceId=cam-1;x509=true';
let dir: string;
let cert: { certPem: string; keyPem: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iot-c2d-x509-prompt-'));
  cert = await makeDeviceCertificate('cam-1');
  const other = await makeDeviceCertificate('someone-else');
  writeFileSync(join(dir, 'cam-1-cert.pem'), cert.certPem);
  writeFileSync(join(dir, 'cam-1-key.pem'), cert.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'other-key.pem'), other.keyPem, { mode: 0o600 });
});

describe('X.509 device in the paste prompt', () => {
  it('asks for the certificate, then the key; a missing or mismatched file is named and the prompt keeps what was typed', async () => {
    const f = fakes({ deviceConnectionString: undefined });
    app = await startApp(f.connector);
    process.env.HOME = dir;
    await app.press('p');
    await app.screen('Paste a device connection string');
    await app.press(paste(X509_CS));
    await app.press(KEYS.enter);
    await app.screen('X.509 device cam-1: its certificate file');

    await app.press(paste('~/nope.pem'));
    await app.press(KEYS.enter);
    let screen = await app.screen(`Cannot read ${join(dir, 'nope.pem')}: ENOENT.`);
    expect(screen).toContain('› ~/nope.pem');
    // The key is not a certificate: said so, in one line.
    await app.press(KEYS.ctrl('u'));
    await app.press(paste('~/cam-1-key.pem'));
    await app.press(KEYS.enter);
    await app.screen(`${join(dir, 'cam-1-key.pem')} is not a PEM certificate`);
    await app.press(KEYS.ctrl('u'));
    await app.press(paste('~/cam-1-cert.pem'));
    await app.press(KEYS.enter);
    await app.screen('X.509 device cam-1: its private key file');

    // Another device's key: refused, the path kept.
    await app.press(paste(join(dir, 'other-key.pem')));
    await app.press(KEYS.enter);
    screen = await app.screen('is not the private key of the certificate');
    expect(screen).toContain('other-key.pem');
    expect(f.openedDevice).toHaveLength(0);

    await app.press(KEYS.ctrl('u'));
    await app.press(paste('~/cam-1-key.pem'));
    await app.press(KEYS.enter);
    screen = await app.screen(/device cam-1 mqtt ● connected/);
    expect(screen).not.toContain('PRIVATE KEY');
    expect(f.openedDevice).toEqual([{ connectionString: X509_CS, transport: 'mqtt', x509: { cert: cert.certPem, key: cert.keyPem } }]);
    // Reconnects (x twice, a transport) keep the certificate.
    await app.press('x');
    await app.screen(/device cam-1 mqtt . disconnected: disconnected by you/);
    await app.press('x');
    await app.screen(/device cam-1 mqtt ● connected/);
    expect(f.openedDevice[1]?.x509).toEqual({ cert: cert.certPem, key: cert.keyPem });
  });

  it('an x509=true string given without files (the command line, d) says how to give them; d on an X.509 device asks for them', async () => {
    const f = fakes({ deviceConnectionString: X509_CS });
    app = await startApp(f.connector);
    await app.screen("Device 'cam-1' authenticates with a certificate (x509=true): press p on the Device pane");
    expect(f.openedDevice).toHaveLength(0);
    const info = { deviceId: 'cam-2', status: 'enabled', connectionState: 'Disconnected', cloudToDeviceMessageCount: 0, generationId: 'g2' } as const;
    f.registry.list = async () => [info];
    f.registry.get = async () => info;
    f.registry.deviceConnectionString = (i) => `HostName=fake-hub.azure-devices.net;DeviceId=${i.deviceId};x509=true`;
    await app.press('d');
    await app.screen('Connect as which device?');
    const overlay = app.store.getState().overlay;
    const index = overlay?.kind === 'menu' ? overlay.items.findIndex((i) => i.value === 'cam-2') : -1;
    await app.press(String(index + 1));
    await app.screen('X.509 device cam-2: its certificate file');
  });
});
