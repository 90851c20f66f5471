#!/usr/bin/env node
// npm run test:interop: Microsoft's Python SDKs (azure-iot-device, azure-iot-hub) and C SDK (azure-iot-sdk-c), Qpid Proton,
// and Debian's mosquitto_sub (mosquitto-clients) as a device that is no SDK at all, against the embedded hub,
// unmodified, with TLS verification on. Prints one PASS/FAIL/SKIP line per case and
// "N passed, N failed"; exits 0 only when every case that ran passed. Not part of `npm test` or CI: it needs the
// SDKs' source (README.md, "Interop with Microsoft's SDKs", says where to get them):
//
//   AZURE_IOT_SDK_PYTHON_DIR   checkout of Azure/azure-iot-sdk-python (its azure-iot-device/ goes on PYTHONPATH)
//   AZURE_IOT_HUB_PYTHON_DIR   checkout of Azure/azure-iot-hub-python (its src/ goes on PYTHONPATH)
//   IOT_C2D_INTEROP_C_DEVICE   scripts/interop/c2d_device.c built against azure-iot-sdk-c
//   IOT_C2D_INTEROP_C_SERVICE  scripts/interop/c2d_service.c built against azure-iot-sdk-c's iothub_service_client
//   (defaults: $XDG_CACHE_HOME/iot-c2d-interop/{azure-iot-sdk-python,azure-iot-hub-python,c2d_device,c2d_service})
//   PYTHON                     interpreter with Debian's python3-uamqp, -paho-mqtt, -msrest, -azure (/usr/bin/python3)
//   IOT_C2D_INTEROP_HUB_ARGS   extra arguments for `iot-c2d hub` (e.g. a host-name option)
//   IOT_C2D_INTEROP_CASES      run only the cases whose name contains this text
//   IOT_C2D_INTEROP_C_HOST_NAME  the hub's --host-name for the C SDK's cases (default 127.0.0.1: the C SDK
//                              needs a dot in HostName; the Python cases run on a hub with the default name)
//   IOT_C2D_INTEROP_NETNS=0    stay in this machine's network namespace (ports 8883, 5671 and 443 must be free)
//
// The SDKs dial the standard ports (8883 MQTT, 5671 AMQP, 443 WebSockets/HTTPS), so the hub runs with
// --standard-ports. To keep those ports private, the script re-runs itself in a new network and mount namespace
// (`unshare`, as root or with a user namespace), where only its own loopback exists.
//
// Trust: the hub's CA is added to (not replacing) the system CAs in one bundle. Python's ssl (paho-mqtt) reads
// it through SSL_CERT_FILE. uAMQP (azure-iot-hub's AMQP) ignores SSL_CERT_FILE and loads certifi.where(), so
// inside the private mount namespace the bundle is bind-mounted over that file, as `update-ca-certificates`
// would do system-wide. The C SDK gets the hub's CA through OPTION_TRUSTED_CERT.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { clearTimeout, setTimeout } from 'node:timers';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { azCases } from './az-cases.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', '..', 'dist', 'cli', 'main.js');
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'iot-c2d-interop');
const config = {
  python: process.env.PYTHON || '/usr/bin/python3',
  deviceSdk: process.env.AZURE_IOT_SDK_PYTHON_DIR || join(CACHE, 'azure-iot-sdk-python'),
  serviceSdk: process.env.AZURE_IOT_HUB_PYTHON_DIR || join(CACHE, 'azure-iot-hub-python'),
  cDevice: process.env.IOT_C2D_INTEROP_C_DEVICE || join(CACHE, 'c2d_device'),
  cService: process.env.IOT_C2D_INTEROP_C_SERVICE || join(CACHE, 'c2d_service'),
  hubArgs: (process.env.IOT_C2D_INTEROP_HUB_ARGS || '').split(/\s+/).filter(Boolean),
  only: process.env.IOT_C2D_INTEROP_CASES || '',
  cHostName: process.env.IOT_C2D_INTEROP_C_HOST_NAME || '127.0.0.1',
};
const SECOND = 1000;
// The C SDK colours its log lines.
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

// ---- a private network namespace ---------------------------------------------------------------------------------

function enterNamespace() {
  if (process.env.IOT_C2D_INTEROP_NETNS === '0' || process.env.IOT_C2D_INTEROP_IN_NAMESPACE === '1') return;
  const flags = process.getuid?.() === 0 ? ['--net', '--mount'] : ['--map-root-user', '--net', '--mount'];
  const probe = spawnSync('unshare', [...flags, 'true'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    console.log('note: no private network namespace (unshare failed); using this machine\'s ports 8883, 5671 and 443');
    return;
  }
  const run = spawnSync('unshare', [...flags, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, IOT_C2D_INTEROP_IN_NAMESPACE: '1' },
  });
  process.exit(run.status ?? 1);
}

// ---- child processes ------------------------------------------------------------------------------------------------

/** Logs never hold a key: SharedAccessKey values, SAS signatures and registry JSON keys are masked. */
function mask(text) {
  return text
    .replace(/(SharedAccessKey=)[^;"'\s]+/g, '$1***')
    .replace(/(sig=)[^&"'\s]+/g, '$1***')
    .replace(/("(?:primary|secondary)Key"\s*:\s*")[^"]+/g, '$1***');
}

/** A running child: its output lines (also written to logFile), and waits on its events. */
function start(command, args, { env = {}, logFile, eventPrefix = '' } = {}) {
  const file = createWriteStream(logFile, { flags: 'a' });
  const log = { write: (text) => file.write(mask(text.toString())), end: () => file.end() };
  log.write(`$ ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { child, lines: [], events: [], exitCode: undefined, waiters: new Set() };
  const notify = () => proc.waiters.forEach((w) => w());
  const onData = (stream) => {
    let rest = '';
    stream.on('data', (chunk) => {
      log.write(chunk);
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        proc.lines.push(line);
        const text = eventPrefix ? (line.startsWith(eventPrefix) ? line.slice(eventPrefix.length) : '') : line;
        if (text.trim().startsWith('{')) {
          try {
            proc.events.push(JSON.parse(text));
          } catch {
            // not one of our JSON lines
          }
        }
      }
      notify();
    });
  };
  onData(child.stdout);
  onData(child.stderr);
  proc.exited = new Promise((resolve) => {
    child.on('error', (error) => {
      proc.lines.push(`cannot start ${command}: ${error.message}`);
      proc.exitCode = -1;
      notify();
      resolve(-1);
    });
    child.on('close', (code, signal) => {
      proc.exitCode = code ?? (signal ? 128 : -1);
      log.end();
      notify();
      resolve(proc.exitCode);
    });
  });
  /** Resolves with the first event that matches, or rejects (exit or timeout). */
  proc.waitFor = (match, ms, what) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = proc.events.find(match);
        if (found) return done(() => resolve(found));
        if (proc.exitCode !== undefined) return done(() => reject(new Error(`${what}: exited (${proc.exitCode}) first`)));
        return undefined;
      };
      const timer = setTimeout(() => done(() => reject(new Error(`${what}: not within ${ms / SECOND} s`))), ms);
      const done = (settle) => {
        clearTimeout(timer);
        proc.waiters.delete(check);
        settle();
      };
      proc.waiters.add(check);
      check();
    });
  proc.stop = () => {
    if (proc.exitCode === undefined) child.kill('SIGTERM');
    return proc.exited;
  };
  return proc;
}

/** Runs to the end (or kills after ms); resolves with { code, lines, events }. */
async function run(command, args, options, ms) {
  const proc = start(command, args, options);
  const timer = setTimeout(() => proc.stop(), ms);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, lines: proc.lines, events: proc.events };
}

// ---- what a received message must look like ----------------------------------------------------------------------

// IoT Hub allows letters, digits and !#$%&'*+-.^_`|~ in property values: these test the MQTT bag's encoding.
const PROPERTIES = { color: 'red', note: 'a&b%c+d' };
const PAYLOAD = '{"temperature":21.5}';

/** Differences between what the device saw and what was sent ([] when none). */
function compare(received, sent) {
  const problems = [];
  for (const key of ['messageId', 'correlationId', 'contentType', 'contentEncoding', 'data']) {
    if (sent[key] !== undefined && received[key] !== sent[key]) problems.push(`${key} ${JSON.stringify(received[key])}, sent ${JSON.stringify(sent[key])}`);
  }
  const got = received.properties ?? {};
  for (const [key, value] of Object.entries(sent.properties)) {
    if (got[key] !== value) problems.push(`property ${key} ${JSON.stringify(got[key])}, sent ${JSON.stringify(value)}`);
  }
  for (const key of Object.keys(got)) {
    if (!(key in sent.properties) && !(key === 'iothub-ack' && got[key] === sent.ack)) problems.push(`unexpected property ${key}=${JSON.stringify(got[key])}`);
  }
  return problems;
}

function checkMessages(events, expected) {
  const messages = events.filter((e) => e.event === 'message');
  const problems = [];
  for (const sent of expected) {
    const received = messages.find((m) => m.messageId === sent.messageId);
    if (!received) problems.push(`${sent.messageId} not received (got ${messages.map((m) => m.messageId).join(', ') || 'none'})`);
    else problems.push(...compare(received, sent).map((p) => `${sent.messageId}: ${p}`));
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return `${messages.length} received, ids and properties intact`;
}

// ---- the cases -------------------------------------------------------------------------------------------------------

function sdkProblem(...paths) {
  const missing = paths.filter((p) => !existsSync(p));
  return missing.length > 0 ? `not found: ${missing.join(', ')} (README.md, "Interop with Microsoft's SDKs")` : '';
}

/** The first distinct lines of a log that name a cause: errors, refusals, the SDKs' complaints (root cause first). */
function causes(lines, limit = 3) {
  const wanted = /error|refused|fail|not found|could not|cannot|missing|not of type|timed? ?out|closing|denied|unauthori[sz]ed|Exception|iotHubSuffix/i;
  const noise = /close has been called|not open|already CLOSED|called while not open|xio_close failed|Cannot send encoded bytes|^\s*(File|raise|Traceback)|^@@|^\$ /;
  const seen = new Set();
  for (const raw of lines) {
    const line = raw.replace(ANSI_COLOUR, '').replace(/Time:[^F]*File:\S*\/(\S+) Func:/, '$1 ').trim().slice(0, 300);
    if (wanted.test(line) && !noise.test(line)) seen.add(line);
    if (seen.size >= limit) break;
  }
  return [...seen];
}

async function main() {
  enterNamespace();
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run test:interop does)`);
  const inNamespace = process.env.IOT_C2D_INTEROP_IN_NAMESPACE === '1';
  if (inNamespace) spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logs = join(CACHE, 'logs', stamp);
  mkdirSync(logs, { recursive: true });

  const pyTransports = ['mqtt', 'mqtt-ws'];
  const cTransports = ['mqtt', 'mqtt-ws', 'amqp', 'amqp-ws', 'http'];
  const hubHelp = spawnSync(process.execPath, [CLI, 'hub', '--help'], { encoding: 'utf8' }).stdout ?? '';
  let hub;
  let info;
  let service;

  /** Starts `iot-c2d hub --standard-ports` with these devices (stopping the one before: same ports), on a new state directory or on `stateDir`. */
  async function startHub(label, devices, extraArgs, stateDir = mkdtempSync(join(tmpdir(), 'iot-c2d-interop-'))) {
    if (hub) await hub.stop();
    const args = [CLI, 'hub', '--standard-ports', '--port', '8883', '--json', '--state-dir', stateDir, ...devices.flatMap((d) => ['--device', d]), ...extraArgs, ...config.hubArgs];
    hub = start(process.execPath, args, { logFile: join(logs, `hub-${label}.log`) });
    info = await hub.waitFor((e) => e.serviceConnectionString !== undefined, 30 * SECOND, 'hub start').catch((error) => {
      throw new Error(`${error.message}: ${hub.lines.slice(-3).join(' | ')}`);
    });
    service = info.serviceConnectionString;
    const hostName = /HostName=([^;]+)/.exec(service)?.[1] ?? '?';
    console.log(`hub for the ${label} cases: iot-c2d hub --standard-ports ${[...extraArgs, ...config.hubArgs].map((a) => `${a} `).join('')}(HostName=${hostName}, ports ${info.ports.join(', ')}${inNamespace ? ', private network namespace' : ''})`);
    return stateDir;
  }

  console.log(`logs: ${logs}`);
  const pyStateDir = await startHub('Python', ['py-backend', 'proton-backend', 'mosquitto', 'py-restart', 'py-twin', 'proton-device-accept', 'proton-device-reject', 'proton-device-release', ...pyTransports.map((t) => `py-${t}`)], []);

  // One trust bundle: the system CAs plus the hub's CA.
  const certifi = spawnSync(config.python, ['-c', 'import certifi; print(certifi.where())'], { encoding: 'utf8' });
  const certifiPath = certifi.status === 0 ? certifi.stdout.trim() : '';
  const systemBundle = ['/etc/ssl/certs/ca-certificates.crt', certifiPath].find((p) => p && existsSync(p));
  const bundle = join(pyStateDir, 'trust.pem');
  writeFileSync(bundle, `${systemBundle ? readFileSync(systemBundle, 'utf8') : ''}\n${readFileSync(info.caPath, 'utf8')}`);
  if (inNamespace && certifiPath) {
    const mount = spawnSync('mount', ['--bind', bundle, realpathSync(certifiPath)], { encoding: 'utf8' });
    if (mount.status !== 0) console.log(`note: could not add the hub CA to ${certifiPath} for uAMQP: ${mount.stderr.trim()}`);
  } else {
    console.log('note: no private mount namespace: uAMQP (the Python back end) trusts only certifi.where(), which lacks the hub CA');
  }

  const pythonEnv = {
    SSL_CERT_FILE: bundle,
    PYTHONPATH: [join(config.deviceSdk, 'azure-iot-device'), join(config.serviceSdk, 'src')].join(':'),
    PYTHONUNBUFFERED: '1',
  };
  const results = [];
  const report = (status, name, detail) => {
    results.push(status);
    console.log(`${status.padEnd(4)}  ${name}${detail ? ` — ${detail}` : ''}`);
  };
  const hubLinesSince = (from) => causes(hub.lines.slice(from), 4).map((l) => `hub: ${l}`);

  async function testCase(name, skipReason, body) {
    if (config.only && !name.includes(config.only)) return;
    if (skipReason) return report('SKIP', name, skipReason);
    const hubMark = hub.lines.length;
    try {
      report('PASS', name, await body());
    } catch (error) {
      const hubCauses = hubLinesSince(hubMark);
      report('FAIL', name, [error.message, ...hubCauses].join(' | '));
    }
    return undefined;
  }

  /** `iot-c2d send --wait`: count messages with ids `${prefix}-0..`, every property, Success feedback. */
  async function sendWithCli(deviceId, prefix, count, logFile) {
    const args = [CLI, 'send', deviceId, PAYLOAD, '--hub', service, '--ca', info.caPath, '--json', '--count', String(count), '--message-id', prefix, '--correlation-id', `corr-${prefix}`,
      '--content-type', 'application/json', '--content-encoding', 'utf-8', '--ack', 'full', '--wait', '--timeout', '45',
      ...Object.entries(PROPERTIES).flatMap(([k, v]) => ['--prop', `${k}=${v}`])];
    const result = await run(process.execPath, args, { logFile }, 60 * SECOND);
    const expected = Array.from({ length: count }, (_, i) => ({ messageId: `${prefix}-${i}`, correlationId: `corr-${prefix}`, contentType: 'application/json', contentEncoding: 'utf-8', data: PAYLOAD, properties: PROPERTIES, ack: 'full' }));
    return { result, expected };
  }

  /** The device's exit; sooner when the sender failed (the device may then wait for nothing). */
  async function settled(device, result) {
    let timer;
    const limit = new Promise((resolve) => {
      timer = setTimeout(resolve, (result.code === 0 ? 60 : 10) * SECOND);
    });
    await Promise.race([device.exited, limit]);
    clearTimeout(timer);
  }

  function feedbackProblem(result) {
    if (result.code === 0) return '';
    return `iot-c2d send --wait exited ${result.code}: ${result.lines.filter((l) => l.trim()).slice(-1)[0] ?? ''}`;
  }

  /** An X.509 device made by `iot-c2d device create --x509 <kind>` on the running hub: its string and files. */
  async function x509Device(deviceId, kind, log, stateDir = pyStateDir) {
    const made = await run(process.execPath, [CLI, 'device', 'create', deviceId, '--x509', kind, '--state-dir', stateDir, '--json'], { logFile: log }, 30 * SECOND);
    const line = made.events.find((e) => e.type === 'device');
    if (made.code !== 0 || !line) throw new Error(`iot-c2d device create --x509 ${kind} exited ${made.code}: ${made.lines.filter((l) => l.trim()).slice(-1)[0] ?? ''}`);
    return { connectionString: line.connectionString, cert: line.certPath, key: line.keyPath };
  }

  // Python device: receives what iot-c2d sends (over MQTT and MQTT over WebSockets), settles, Success feedback;
  // with a SAS key, and as X.509 devices (self-signed, and CA-signed by the hub's test CA) with their certificates.
  const pySdk = sdkProblem(join(config.deviceSdk, 'azure-iot-device', 'azure', 'iot', 'device'));
  for (const auth of ['sas', 'self-signed', 'ca']) {
    for (const transport of pyTransports) {
      const deviceId = auth === 'sas' ? `py-${transport}` : `py-x509-${auth}-${transport}`;
      const label = auth === 'sas' ? '' : ` X.509 ${auth}`;
      await testCase(`python azure-iot-device${label} ${transport.toUpperCase()}: receives C2D messages with ids and properties; Success feedback`, pySdk, async () => {
        const log = join(logs, `${deviceId}.log`);
        const x509 = auth === 'sas' ? undefined : await x509Device(deviceId, auth, log);
        const args = [join(HERE, 'py_device.py'), '--count', '2', '--timeout', '60', ...(transport === 'mqtt-ws' ? ['--websockets'] : []), ...(x509 ? ['--cert', x509.cert, '--key', x509.key] : [])];
        const device = start(config.python, args, { env: { ...pythonEnv, IOTHUB_DEVICE_CONNECTION_STRING: x509?.connectionString ?? info.devices[deviceId] }, logFile: log });
        try {
          await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect').catch((error) => {
            throw new Error([error.message, ...causes(device.lines)].join(' | '));
          });
          const { result, expected } = await sendWithCli(deviceId, deviceId, 2, log);
          await settled(device, result);
          const detail = checkMessages(device.events, expected);
          const fb = feedbackProblem(result);
          if (fb) throw new Error(fb);
          return `${detail}; feedback Success for both`;
        } finally {
          await device.stop();
        }
      });
    }
  }

  // A Python device app that also uses its twin and a direct-method handler, as device apps do beside C2D.
  await testCase('python azure-iot-device MQTT with get_twin, a reported-properties patch and a method handler: then receives C2D; Success feedback', pySdk, async () => {
    const log = join(logs, 'py-twin.log');
    const args = [join(HERE, 'py_device.py'), '--twin', '--count', '2', '--timeout', '60'];
    const device = start(config.python, args, { env: { ...pythonEnv, IOTHUB_DEVICE_CONNECTION_STRING: info.devices['py-twin'] }, logFile: log });
    try {
      await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect, twin and patch').catch((error) => {
        throw new Error([error.message, ...causes(device.lines), ...hubLinesSince(0).slice(-2)].join(' | '));
      });
      const twin = device.events.find((e) => e.event === 'twin')?.twin;
      if (twin?.desired?.$version !== 1) throw new Error(`get_twin gave ${JSON.stringify(twin)}`);
      const { result, expected } = await sendWithCli('py-twin', 'py-twin', 2, log);
      await settled(device, result);
      const detail = checkMessages(device.events, expected);
      const fb = feedbackProblem(result);
      if (fb) throw new Error(fb);
      return `empty twin, patch acknowledged; ${detail}; feedback Success for both`;
    } finally {
      await device.stop();
    }
  });

  // A device that is no SDK at all: Debian's mosquitto_sub (CleanSession 1, a SAS token as the password).
  const mosquitto = spawnSync('mosquitto_sub', ['--help'], { encoding: 'utf8' }).error ? 'mosquitto_sub not found (apt-get install mosquitto-clients)' : '';
  // And as an X.509 device: its certificate and key as the TLS client certificate, no password.
  for (const auth of ['sas', 'x509']) {
    await testCase(`mosquitto_sub as a device (${auth === 'sas' ? 'SAS password' : 'X.509 self-signed client certificate'}, CleanSession 1): receives C2D messages with ids and properties; Success feedback`, mosquitto, async () => {
      const deviceId = auth === 'sas' ? 'mosquitto' : 'mosquitto-cert';
      const log = join(logs, `${deviceId}.log`);
      let credentials;
      if (auth === 'sas') {
        const key = /SharedAccessKey=([^;]+)/.exec(info.devices[deviceId])?.[1] ?? '';
        const { createSasToken } = await import(join(HERE, '..', '..', 'dist', 'core', 'sas.js'));
        credentials = ['-P', createSasToken(`localhost/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 3600)];
      } else {
        const x509 = await x509Device(deviceId, 'self-signed', log);
        credentials = ['--cert', x509.cert, '--key', x509.key];
      }
      // Line-buffered: piped, mosquitto_sub would print nothing until it exits.
      const device = start('stdbuf', ['-oL', 'mosquitto_sub', '-h', 'localhost', '-p', '8883', '--cafile', info.caPath, '-i', deviceId, '-u', `localhost/${deviceId}/?api-version=2021-04-12`, ...credentials,
        '-t', `devices/${deviceId}/messages/devicebound/#`, '-q', '1', '-C', '2', '-W', '60', '-F', '%t %p', '-d'], { logFile: log });
      try {
        // mosquitto_sub prints no JSON events: wait for its SUBACK line.
        await new Promise((resolve, reject) => {
          const timer = setTimeout(() => finish(() => reject(new Error(['no SUBACK within 30 s', ...causes(device.lines)].join(' | ')))), 30 * SECOND);
          const finish = (settle) => {
            clearTimeout(timer);
            device.waiters.delete(check);
            settle();
          };
          const check = () => {
            if (device.lines.some((l) => l.includes('received SUBACK'))) finish(resolve);
            else if (device.exitCode !== undefined) finish(() => reject(new Error([`mosquitto_sub exited (${device.exitCode})`, ...causes(device.lines)].join(' | '))));
          };
          device.waiters.add(check);
          check();
        });
        const { result, expected } = await sendWithCli(deviceId, deviceId, 2, log);
        await settled(device, result);
        // Each message: "<topic> <payload>"; the topic's last segment is the property bag.
        const events = device.lines.filter((l) => l.startsWith(`devices/${deviceId}/messages/devicebound/`)).map((line) => {
          const space = line.indexOf(' ');
          const bag = line.slice(0, space).split('/')[4] ?? '';
          const fields = { event: 'message', data: line.slice(space + 1), properties: {} };
          const system = { '$.mid': 'messageId', '$.cid': 'correlationId', '$.ct': 'contentType', '$.ce': 'contentEncoding' };
          for (const pair of bag.split('&').filter(Boolean)) {
            const [k, v = ''] = pair.split('=').map(decodeURIComponent);
            if (system[k]) fields[system[k]] = v;
            else if (!k.startsWith('$.')) fields.properties[k] = v;
          }
          return fields;
        });
        const detail = checkMessages(events, expected);
        const fb = feedbackProblem(result);
        if (fb) throw new Error(fb);
        return `${detail}; feedback Success for both`;
      } finally {
        await device.stop();
      }
    });
  }

  // The tutorial: a Python back end (azure-iot-hub, uAMQP) sends to a Python device; feedback read with iot-c2d.
  const hubSdk = pySdk || sdkProblem(join(config.serviceSdk, 'src', 'azure', 'iot', 'hub'));
  await testCase('python azure-iot-hub send_c2d_message (uAMQP) -> python device MQTT: ids, properties; Success feedback', hubSdk, async () => {
    const deviceId = 'py-backend';
    const log = join(logs, `${deviceId}.log`);
    const device = start(config.python, [join(HERE, 'py_device.py'), '--count', '1', '--timeout', '60'], { env: { ...pythonEnv, IOTHUB_DEVICE_CONNECTION_STRING: info.devices[deviceId] }, logFile: log });
    try {
      await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect');
      const sent = { messageId: 'py-backend-0', correlationId: 'corr-py-backend', contentType: 'application/json', contentEncoding: 'utf-8', data: PAYLOAD, properties: PROPERTIES, ack: 'full' };
      const properties = { messageId: sent.messageId, correlationId: sent.correlationId, contentType: sent.contentType, contentEncoding: sent.contentEncoding, 'iothub-ack': 'full', ...PROPERTIES };
      const backEnd = await run(config.python, [join(HERE, 'py_service.py'), deviceId, PAYLOAD, JSON.stringify(properties)], { env: { ...pythonEnv, IOTHUB_CONNECTION_STRING: service }, logFile: join(logs, 'py-service.log') }, 45 * SECOND);
      if (backEnd.code !== 0 || !backEnd.events.some((e) => e.event === 'sent')) {
        throw new Error([`send_c2d_message failed (exit ${backEnd.code})`, ...causes(backEnd.lines, 2)].join(' | '));
      }
      await device.exited;
      const detail = checkMessages(device.events, [sent]);
      const feedback = await run(process.execPath, [CLI, 'feedback', '--hub', service, '--ca', info.caPath, '--json', '--message-id', sent.messageId, '--timeout', '30'], { logFile: join(logs, 'py-service.log') }, 45 * SECOND);
      if (feedback.code !== 0) throw new Error(`${detail}, but no Success feedback: ${feedback.lines.filter((l) => l.trim()).slice(-1)[0] ?? ''}`);
      return `${detail}; feedback Success (read with iot-c2d feedback: azure-iot-hub has no feedback receiver over AMQP)`;
    } finally {
      await device.stop();
    }
  });

  // An AMQP back end that shares no code with any Azure SDK: Apache Qpid Proton, SASL PLAIN with a SAS token,
  // sends to a Python device and reads its own feedback record from /messages/serviceBound/feedback.
  const proton = spawnSync(config.python, ['-c', 'import proton'], { encoding: 'utf8' }).status === 0 ? '' : `${config.python} has no proton module (apt-get install python3-qpid-proton)`;
  await testCase('qpid proton back end (SASL PLAIN) -> python device MQTT: ids, properties; Success feedback read by proton', pySdk || proton, async () => {
    const deviceId = 'proton-backend';
    const log = join(logs, `${deviceId}.log`);
    const device = start(config.python, [join(HERE, 'py_device.py'), '--count', '1', '--timeout', '60'], { env: { ...pythonEnv, IOTHUB_DEVICE_CONNECTION_STRING: info.devices[deviceId] }, logFile: log });
    try {
      await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect');
      const sent = { messageId: 'proton-backend-0', correlationId: 'corr-proton-backend', contentType: 'application/json', contentEncoding: 'utf-8', data: PAYLOAD, properties: PROPERTIES, ack: 'full' };
      const properties = { messageId: sent.messageId, correlationId: sent.correlationId, contentType: sent.contentType, contentEncoding: sent.contentEncoding, 'iothub-ack': 'full', ...PROPERTIES };
      const backEnd = await run(config.python, [join(HERE, 'proton_service.py'), deviceId, PAYLOAD, JSON.stringify(properties), '45'], { env: { IOTHUB_CONNECTION_STRING: service, IOTHUB_TRUSTED_CA_FILE: info.caPath }, logFile: join(logs, 'proton-service.log') }, 60 * SECOND);
      if (!backEnd.events.some((e) => e.event === 'sent')) throw new Error([`proton could not send (exit ${backEnd.code})`, ...causes(backEnd.lines, 2)].join(' | '));
      await device.exited;
      const detail = checkMessages(device.events, [sent]);
      const feedback = backEnd.events.find((e) => e.event === 'feedback');
      if (backEnd.code !== 0 || feedback?.record?.statusCode !== 'Success') throw new Error(`${detail}, but no Success feedback for proton: ${causes(backEnd.lines, 2).join(' | ')}`);
      return `${detail}; feedback Success (${feedback.contentType})`;
    } finally {
      await device.stop();
    }
  });

  // A device on Qpid Proton over AMQP (SASL PLAIN, a device SAS token): every property, and each settlement:
  // accepted (Success), rejected (Rejected), released on every delivery (10, then DeliveryCountExceeded).
  const protonOutcomes = {
    accept: { settled: 'accepted', status: 'Success', deliveries: 1 },
    reject: { settled: 'rejected', status: 'Rejected', deliveries: 1 },
    release: { settled: 'released', status: 'DeliveryCountExceeded', deliveries: 10 },
  };
  for (const [disposition, outcome] of Object.entries(protonOutcomes)) {
    const deviceId = `proton-device-${disposition}`;
    await testCase(`qpid proton device AMQP (SASL PLAIN) that settles with ${outcome.settled}: ids, properties; ${outcome.status} feedback`, proton, async () => {
      const log = join(logs, `${deviceId}.log`);
      const device = start(config.python, [join(HERE, 'proton_device.py'), '--disposition', disposition, '--count', String(outcome.deliveries), '--timeout', '90'], { env: { IOTHUB_DEVICE_CONNECTION_STRING: info.devices[deviceId], IOTHUB_TRUSTED_CA_FILE: info.caPath }, logFile: log });
      try {
        await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect').catch((error) => {
          throw new Error([error.message, ...causes(device.lines)].join(' | '));
        });
        const { result, expected } = await sendWithCli(deviceId, deviceId, 1, log);
        await settled(device, result);
        // One message: its id is the prefix itself (--count 1).
        const sent = { ...expected[0], messageId: deviceId };
        const detail = checkMessages(device.events, [sent]);
        const deliveries = device.events.filter((e) => e.event === 'message' && e.messageId === deviceId).length;
        const record = result.events.find((e) => e.type === 'feedback');
        if (record?.status !== outcome.status || deliveries !== outcome.deliveries) {
          throw new Error(`${detail}, but feedback ${record?.status ?? 'none'} after ${deliveries} deliveries, expected ${outcome.status} after ${outcome.deliveries}`);
        }
        return `${detail}; ${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}, ${record.status} feedback`;
      } finally {
        await device.stop();
      }
    });
  }

  // The Azure CLI's az iot commands (scripts/interop/az-cases.mjs): registry over HTTPS, C2D over uAMQP and HTTPS.
  await azCases({ testCase, start, run, causes, logs, cache: CACHE, bundle, hub: () => ({ service }) });

  // A hub killed (SIGKILL) and started again on its state: the Python device (paho, CleanSession 0) reconnects
  // by itself and, its session present, does not subscribe again; it must still get what is sent next.
  await testCase('python azure-iot-device MQTT across a hub SIGKILL and restart: reconnects by itself and receives; Success feedback', pySdk, async () => {
    const deviceId = 'py-restart';
    const log = join(logs, `${deviceId}.log`);
    const device = start(config.python, [join(HERE, 'py_device.py'), '--count', '2', '--timeout', '90'], { env: { ...pythonEnv, IOTHUB_DEVICE_CONNECTION_STRING: info.devices[deviceId] }, logFile: log });
    try {
      await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect');
      const sendOne = (messageId) => run(process.execPath, [CLI, 'send', deviceId, PAYLOAD, '--hub', service, '--ca', info.caPath, '--json', '--message-id', messageId, '--ack', 'full', '--wait', '--timeout', '60'], { logFile: log }, 75 * SECOND);
      const before = await sendOne('before-kill');
      if (before.code !== 0) throw new Error(`before the kill: ${feedbackProblem(before)}`);
      hub.child.kill('SIGKILL');
      await hub.exited;
      await startHub('Python-restarted', [], [], pyStateDir);
      const after = await sendOne('after-restart');
      await settled(device, after);
      const ids = device.events.filter((e) => e.event === 'message').map((e) => e.messageId);
      if (after.code !== 0 || ids.join() !== 'before-kill,after-restart') throw new Error(`received ${ids.join(', ') || 'nothing'}; ${feedbackProblem(after) || 'feedback Success'}`);
      return 'before-kill, then after-restart received; Success feedback for both';
    } finally {
      await device.stop();
    }
  });

  // The C SDK's device on every transport, with the connection string exactly as the hub prints it. The C SDK
  // needs a dot in HostName: the hub's --host-name gives one (a hub without that option prints localhost).
  const cMissing = existsSync(config.cDevice) ? '' : `not found: ${config.cDevice} (build scripts/interop/c2d_device.c, README.md "Interop with Microsoft's SDKs")`;
  const cName = (transport, auth) => `C SDK device${auth === 'sas' ? '' : ` X.509 ${auth}`} ${transport.toUpperCase()}: receives C2D messages with ids and properties; Success feedback`;
  let cStateDir;
  const cServiceName = 'C SDK service client (iothub_messaging_ll, AMQP) -> C SDK device MQTT: ids, properties; Success feedback read by the C service';
  const outcomes = { reject: { status: 'Rejected', deliveries: 1 }, abandon: { status: 'DeliveryCountExceeded', deliveries: 10 } };
  const outcomeName = (disposition, transport) => `C SDK device ${transport.toUpperCase()} that ${disposition}s: ${outcomes[disposition].status} feedback`;
  const cNames = [cServiceName, ...cTransports.flatMap((t) => ['sas', 'self-signed', 'ca'].map((a) => cName(t, a))), ...Object.keys(outcomes).flatMap((d) => ['amqp', 'http'].map((t) => outcomeName(d, t)))];
  if (!cMissing && cNames.some((name) => name.includes(config.only))) {
    if (!hubHelp.includes('--host-name')) console.log('note: this hub has no --host-name option: it prints HostName=localhost, which the C SDK refuses (no dot)');
    cStateDir = await startHub('C', [...cTransports.map((t) => `c-${t}`), 'c-backend', ...['reject', 'abandon'].flatMap((d) => ['amqp', 'http'].map((t) => `c-${d}-${t}`))], hubHelp.includes('--host-name') ? ['--host-name', config.cHostName] : []);
  }
  // With a SAS key on every transport; as X.509 devices (OPTION_X509_CERT) over MQTT, AMQP and HTTP.
  const cCases = [...cTransports.map((t) => ['sas', t]), ...['self-signed', 'ca'].flatMap((a) => ['mqtt', 'amqp', 'http'].map((t) => [a, t]))];
  for (const [auth, transport] of cCases) {
    const deviceId = auth === 'sas' ? `c-${transport}` : `c-x509-${auth}-${transport}`;
    await testCase(cName(transport, auth), cMissing, async () => {
      const log = join(logs, `${deviceId}.log`);
      const x509 = auth === 'sas' ? undefined : await x509Device(deviceId, auth, log, cStateDir);
      const env = { IOTHUB_DEVICE_CONNECTION_STRING: x509?.connectionString ?? info.devices[deviceId], IOTHUB_TRUSTED_CA_FILE: info.caPath, ...(x509 ? { IOTHUB_X509_CERT_FILE: x509.cert, IOTHUB_X509_KEY_FILE: x509.key } : {}) };
      const device = start(config.cDevice, [transport, '2', '75'], { env, logFile: log, eventPrefix: '@@ ' });
      try {
        // HTTP has no connection to report: its device polls, so send right away.
        if (transport !== 'http') {
          await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect').catch((error) => {
            const status = device.events.filter((e) => e.event === 'status' || e.event === 'error').slice(-1)[0];
            throw new Error([error.message, status ? JSON.stringify(status) : '', ...causes(device.lines)].filter(Boolean).join(' | '));
          });
        }
        const { result, expected } = await sendWithCli(deviceId, deviceId, 2, log);
        await settled(device, result);
        if (!device.events.some((e) => e.event === 'message')) throw new Error(['no message received', ...causes(device.lines)].join(' | '));
        const detail = checkMessages(device.events, expected);
        const fb = feedbackProblem(result);
        if (fb) throw new Error(`${detail}, but ${fb}`);
        return `${detail}; feedback Success for both`;
      } finally {
        await device.stop();
      }
    });
  }

  // The other feedback outcomes, from a device we did not write: the C device rejects (Rejected feedback), or
  // abandons every delivery until the hub gives up (DeliveryCountExceeded after 10 deliveries), over AMQP and HTTP.
  for (const [disposition, outcome] of Object.entries(outcomes)) {
    for (const transport of ['amqp', 'http']) {
      const deviceId = `c-${disposition}-${transport}`;
      await testCase(outcomeName(disposition, transport), cMissing, async () => {
        const log = join(logs, `${deviceId}.log`);
        const device = start(config.cDevice, [transport, String(outcome.deliveries), '90'], { env: { IOTHUB_DEVICE_CONNECTION_STRING: info.devices[deviceId], IOTHUB_TRUSTED_CA_FILE: info.caPath, IOTHUB_C2D_DISPOSITION: disposition }, logFile: log, eventPrefix: '@@ ' });
        try {
          if (transport !== 'http') await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect');
          const sent = await run(process.execPath, [CLI, 'send', deviceId, PAYLOAD, '--hub', service, '--ca', info.caPath, '--json', '--message-id', `${deviceId}-m`, '--ack', 'full', '--wait', '--timeout', '75'], { logFile: log }, 90 * SECOND);
          await settled(device, sent);
          const deliveries = device.events.filter((e) => e.event === 'message' && e.messageId === `${deviceId}-m`).length;
          const record = sent.events.find((e) => e.type === 'feedback');
          if (record?.status !== outcome.status || deliveries !== outcome.deliveries) {
            throw new Error(`feedback ${record?.status ?? 'none'} after ${deliveries} deliveries, expected ${outcome.status} after ${outcome.deliveries} | ${sent.lines.filter((l) => l.trim()).slice(-1)[0] ?? ''}`);
          }
          return `${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}, then ${record.status} feedback for ${record.messageId}`;
        } finally {
          await device.stop();
        }
      });
    }
  }

  // The C SDK's back end (its iothub_service_client, on uAMQP) sends to the C device; it reads its own feedback.
  const cServiceMissing = cMissing || (existsSync(config.cService) ? '' : `not found: ${config.cService} (build scripts/interop/c2d_service.c, README.md "Interop with Microsoft's SDKs")`);
  await testCase(cServiceName, cServiceMissing, async () => {
    const deviceId = 'c-backend';
    const log = join(logs, `${deviceId}.log`);
    const device = start(config.cDevice, ['mqtt', '2', '75'], { env: { IOTHUB_DEVICE_CONNECTION_STRING: info.devices[deviceId], IOTHUB_TRUSTED_CA_FILE: info.caPath }, logFile: log, eventPrefix: '@@ ' });
    try {
      await device.waitFor((e) => e.event === 'connected', 30 * SECOND, 'device connect');
      const backEnd = await run(config.cService, [deviceId, '2', '45'], { env: { IOTHUB_CONNECTION_STRING: service, IOTHUB_TRUSTED_CA_FILE: info.caPath }, logFile: join(logs, 'c-service.log'), eventPrefix: '@@ ' }, 60 * SECOND);
      await settled(device, backEnd);
      // The C service client sends no content type or encoding.
      const expected = [0, 1].map((i) => ({ messageId: `${deviceId}-svc-${i}`, correlationId: `corr-${deviceId}`, data: PAYLOAD, properties: PROPERTIES, ack: 'full' }));
      const detail = checkMessages(device.events, expected);
      const records = backEnd.events.filter((e) => e.event === 'feedback');
      const problems = expected.filter((m) => !records.some((r) => r.originalMessageId === m.messageId && r.deviceId === deviceId && r.description.toLowerCase() === 'success'));
      if (backEnd.code !== 0 || problems.length > 0) {
        throw new Error([`${detail}, but the C service exited ${backEnd.code} with feedback for ${records.map((r) => `${r.originalMessageId}=${r.description}`).join(', ') || 'none'}`, ...causes(backEnd.lines, 2)].join(' | '));
      }
      return `${detail}; the C service read Success feedback for both`;
    } finally {
      await device.stop();
    }
  });

  await hub.stop();
  const passed = results.filter((s) => s === 'PASS').length;
  const failed = results.filter((s) => s === 'FAIL').length;
  const skipped = results.filter((s) => s === 'SKIP').length;
  console.log(`interop: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(`interop: ${error.message}`);
  process.exitCode = 1;
});
