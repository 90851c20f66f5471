// The Azure CLI's `az iot` commands (Azure/azure-iot-cli-extension, run from its source by Debian's azure-cli)
// against the embedded hub: the registry (device-identity create/show/connection-string show/list, hub query,
// delete) over HTTPS, and C2D as a user of the CLI sends, receives and settles it: `c2d-message send` (uAMQP,
// SASL PLAIN), `receive --complete|--reject|--abandon` (the HTTPS device API), `purge`, `monitor-feedback` and
// `send --wait` (uAMQP on /messages/servicebound/feedback). Called by run.mjs with its helpers.
//
//   AZURE_IOT_CLI_EXTENSION_DIR  checkout of Azure/azure-iot-cli-extension (default $CACHE/azure-iot-cli-extension)
//
// The extension is loaded from a temporary extension directory holding a copy of its azext_iot package and the
// dist-info the CLI reads an extension's name and version from. The extension asks for a newer CLI core than
// Debian ships (0.25.0: 2.46.0; bookworm: 2.45.0); the copy's azext_metadata.json names the installed version,
// and the run prints that it did.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const SECOND = 1000;
const PAYLOAD = '{"temperature":21.5}';

/** The extension directory and environment `az` runs with, or a reason to skip. */
function prepare(cache, bundle) {
  const source = process.env.AZURE_IOT_CLI_EXTENSION_DIR || join(cache, 'azure-iot-cli-extension');
  if (!existsSync(join(source, 'azext_iot', 'constants.py'))) return { missing: `not found: ${source}/azext_iot (README.md, "Interop with Microsoft's SDKs")` };
  const root = mkdtempSync(join(tmpdir(), 'iot-c2d-az-'));
  const env = {
    AZURE_CONFIG_DIR: join(root, 'config'),
    AZURE_EXTENSION_DIR: join(root, 'extensions'),
    AZURE_CORE_COLLECT_TELEMETRY: 'no',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'true',
    AZURE_CORE_NO_COLOR: 'true',
    AZURE_CORE_OUTPUT: 'json',
    REQUESTS_CA_BUNDLE: bundle,
    SSL_CERT_FILE: bundle,
  };
  const version = spawnSync('az', ['version', '--output', 'json'], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (version.error || version.status !== 0) return { missing: 'az not found (apt-get install azure-cli)' };
  const cli = JSON.parse(version.stdout)['azure-cli'];
  const extension = /VERSION = "([^"]+)"/.exec(readFileSync(join(source, 'azext_iot', 'constants.py'), 'utf8'))?.[1] ?? '0.0.0';
  const target = join(env.AZURE_EXTENSION_DIR, 'azure-iot');
  cpSync(join(source, 'azext_iot'), join(target, 'azext_iot'), { recursive: true });
  const metadataPath = join(target, 'azext_iot', 'azext_metadata.json');
  const wanted = JSON.parse(readFileSync(metadataPath, 'utf8'))['azext.minCliCoreVersion'];
  writeFileSync(metadataPath, JSON.stringify({ 'azext.minCliCoreVersion': cli }));
  const distInfo = join(target, `azure_iot-${extension}.dist-info`);
  mkdirSync(distInfo);
  writeFileSync(join(distInfo, 'METADATA'), `Metadata-Version: 2.1\nName: azure-iot\nVersion: ${extension}\n`);
  return { env, label: `azure-cli ${cli} with azure-iot ${extension} from ${source}${wanted !== cli ? ` (it asks for CLI ${wanted}: loaded with ${cli})` : ''}` };
}

/** The JSON document az printed (pretty-printed from a line that is `{` or `[` to the matching closing line). */
function jsonOf(result) {
  const start = result.lines.findIndex((l) => l === '{' || l === '[');
  if (start < 0) return undefined;
  const end = result.lines.findIndex((l, i) => i > start && l === (result.lines[start] === '{' ? '}' : ']'));
  return JSON.parse(result.lines.slice(start, end + 1).join('\n'));
}

/** Waits for a line of a running process that matches `pattern`; rejects when it exits first or after `ms`. */
function lineOf(proc, pattern, ms, causes) {
  return new Promise((resolve, reject) => {
    const done = (settle) => {
      clearTimeout(timer);
      proc.waiters.delete(check);
      settle();
    };
    const check = () => {
      if (proc.lines.some((l) => pattern.test(l))) done(resolve);
      else if (proc.exitCode !== undefined) done(() => reject(new Error([`exited ${proc.exitCode} before printing ${pattern}`, ...causes(proc.lines, 2)].join(' | '))));
    };
    const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${ms / SECOND} s`))), ms);
    proc.waiters.add(check);
    check();
  });
}

/** Runs the az iot cases; `ctx` holds run.mjs's testCase, start, run, causes, logs, CACHE, the trust bundle and the hub. */
export async function azCases(ctx) {
  const { testCase, start, run, causes, logs, cache, bundle, hub } = ctx;
  const setup = prepare(cache, bundle);
  if (setup.label) console.log(`az cases: ${setup.label}`);
  const log = join(logs, 'az.log');
  const az = async (args, ms = 60 * SECOND) => run('az', [...args, '--login', hub().service], { env: setup.env, logFile: log }, ms);
  const ok = (result, what) => {
    if (result.code !== 0) throw new Error([`az ${what} exited ${result.code}`, ...causes(result.lines, 2)].join(' | '));
    return result;
  };

  await testCase('az iot hub device-identity create / show / connection-string show / list / hub query / delete (HTTPS registry)', setup.missing, async () => {
    const created = jsonOf(ok(await az(['iot', 'hub', 'device-identity', 'create', '-d', 'az-registry']), 'device-identity create'));
    if (created?.authentication?.type !== 'sas' || !created.authentication.symmetricKey?.primaryKey) throw new Error(`create answered ${JSON.stringify(created?.authentication?.type)}, no key`);
    const shown = jsonOf(ok(await az(['iot', 'hub', 'device-identity', 'show', '-d', 'az-registry']), 'device-identity show'));
    if (shown?.etag !== created.etag || shown?.status !== 'enabled') throw new Error(`show answered etag ${shown?.etag}, status ${shown?.status}`);
    const cs = jsonOf(ok(await az(['iot', 'hub', 'device-identity', 'connection-string', 'show', '-d', 'az-registry']), 'connection-string show'));
    if (!/^HostName=[^;]+;DeviceId=az-registry;SharedAccessKey=/.test(cs?.connectionString ?? '')) throw new Error('connection-string show: not a device connection string');
    const list = jsonOf(ok(await az(['iot', 'hub', 'device-identity', 'list']), 'device-identity list'));
    const twin = list?.find((t) => t.deviceId === 'az-registry');
    if (!twin || twin.authenticationType !== 'sas' || twin.connectionState !== 'Disconnected' || twin.cloudToDeviceMessageCount !== 0) throw new Error(`device-identity list: ${JSON.stringify(twin)}`);
    const query = jsonOf(ok(await az(['iot', 'hub', 'query', '-q', "select deviceId, status from devices where deviceId = 'az-registry'"]), 'hub query'));
    if (JSON.stringify(query) !== '[{"deviceId":"az-registry","status":"enabled"}]') throw new Error(`hub query answered ${JSON.stringify(query)}`);
    ok(await az(['iot', 'hub', 'device-identity', 'delete', '-d', 'az-registry']), 'device-identity delete');
    const gone = await az(['iot', 'hub', 'device-identity', 'show', '-d', 'az-registry']);
    if (gone.code === 0 || !gone.lines.some((l) => l.includes('DeviceNotFound'))) throw new Error(`show after delete exited ${gone.code}: ${gone.lines.slice(-1)[0] ?? ''}`);
    return `created, shown, its connection string, listed as a twin (${list.length} devices), queried, deleted; then DeviceNotFound`;
  });

  await testCase('az iot device c2d-message send --ack full --wait (uAMQP) -> c2d-message receive --complete (HTTPS): ids, properties, content type; Success feedback read by az', setup.missing, async () => {
    ok(await az(['iot', 'hub', 'device-identity', 'create', '-d', 'az-c2d']), 'device-identity create');
    // --expiry: ms since the epoch, sent as the AMQP absolute-expiry-time; whole seconds, as HTTP shows it.
    const expiry = (Math.floor(Date.now() / 1000) + 600) * 1000;
    const args = ['iot', 'device', 'c2d-message', 'send', '-d', 'az-c2d', '--data', PAYLOAD, '--mid', 'az-c2d-0', '--cid', 'corr-az', '--ct', 'application/json', '--ce', 'utf-8', '--props', 'color=red;note=a&b', '--expiry', String(expiry), '--ack', 'full', '--wait', '--login', hub().service];
    const sender = start('az', args, { env: setup.env, logFile: log });
    try {
      // az prints this once the message is sent and its feedback receiver is opening.
      await lineOf(sender, /^Starting C2D feedback monitor/, 60 * SECOND, causes);
      const received = jsonOf(ok(await az(['iot', 'device', 'c2d-message', 'receive', '-d', 'az-c2d', '--complete']), 'c2d-message receive'));
      const system = received?.properties?.system ?? {};
      const problems = [];
      // With --ct application/json az sends json.dumps of the parsed --data: '{"temperature": 21.5}'.
      if (JSON.stringify(JSON.parse(received?.data ?? 'null')) !== PAYLOAD) problems.push(`data ${JSON.stringify(received?.data)}`);
      if (received?.ack !== 'complete') problems.push(`ack ${received?.ack}`);
      if (system['iothub-messageid'] !== 'az-c2d-0' || system['iothub-correlationid'] !== 'corr-az') problems.push(`ids ${system['iothub-messageid']}/${system['iothub-correlationid']}`);
      if (system.ContentType !== 'application/json' || system.ContentEncoding !== 'utf-8' || system['iothub-ack'] !== 'full') problems.push(`system ${JSON.stringify(system)}`);
      if (JSON.stringify(received?.properties?.app) !== '{"color":"red","note":"a&b"}') problems.push(`app ${JSON.stringify(received?.properties?.app)}`);
      if (Date.parse(system['iothub-expiry'] ?? '') !== expiry) problems.push(`iothub-expiry ${system['iothub-expiry']}, sent ${new Date(expiry).toISOString()}`);
      if (problems.length > 0) throw new Error(`received: ${problems.join('; ')}`);
      const timer = setTimeout(() => sender.stop(), 45 * SECOND);
      const code = await sender.exited;
      clearTimeout(timer);
      const text = sender.lines.join('\n');
      if (code !== 0 || !/originalMessageId: az-c2d-0/.test(text) || !/statusCode: Success/.test(text)) throw new Error(`send --wait exited ${code} without Success feedback for az-c2d-0`);
      return 'ids, content type and encoding, expiry, properties intact; Success feedback for az-c2d-0 read by send --wait';
    } finally {
      await sender.stop();
    }
  });

  await testCase('az iot device c2d-message receive --reject / --abandon, purge, hub monitor-feedback -w: Rejected feedback, redelivery, queue emptied', setup.missing, async () => {
    ok(await az(['iot', 'device', 'c2d-message', 'send', '-d', 'az-c2d', '--data', 'reject me', '--mid', 'az-reject', '--ack', 'full']), 'c2d-message send');
    const rejected = jsonOf(ok(await az(['iot', 'device', 'c2d-message', 'receive', '-d', 'az-c2d', '--reject']), 'receive --reject'));
    if (rejected?.ack !== 'reject' || rejected.properties?.system?.['iothub-messageid'] !== 'az-reject') throw new Error(`receive --reject: ${JSON.stringify(rejected)}`);
    const feedback = ok(await az(['iot', 'hub', 'monitor-feedback', '-d', 'az-c2d', '-w', 'az-reject'], 45 * SECOND), 'hub monitor-feedback');
    if (!feedback.lines.some((l) => /statusCode: Rejected/.test(l))) throw new Error('monitor-feedback printed no Rejected record for az-reject');
    ok(await az(['iot', 'device', 'c2d-message', 'send', '-d', 'az-c2d', '--data', 'abandon me', '--mid', 'az-abandon']), 'c2d-message send');
    ok(await az(['iot', 'device', 'c2d-message', 'send', '-d', 'az-c2d', '--data', 'purge me', '--mid', 'az-purge']), 'c2d-message send');
    const abandoned = jsonOf(ok(await az(['iot', 'device', 'c2d-message', 'receive', '-d', 'az-c2d', '--abandon']), 'receive --abandon'));
    const again = jsonOf(ok(await az(['iot', 'device', 'c2d-message', 'receive', '-d', 'az-c2d']), 'receive'));
    if (abandoned?.ack !== 'abandon' || again?.properties?.system?.['iothub-messageid'] !== 'az-abandon' || again.properties.system['iothub-deliverycount'] !== '1') {
      throw new Error(`abandoned ${abandoned?.ack}, then received ${again?.properties?.system?.['iothub-messageid']} delivery ${again?.properties?.system?.['iothub-deliverycount']}`);
    }
    const purged = jsonOf(ok(await az(['iot', 'device', 'c2d-message', 'purge', '-d', 'az-c2d']), 'c2d-message purge'));
    if (purged?.totalMessagesPurged !== 2) throw new Error(`purge answered ${JSON.stringify(purged)}`);
    return 'Rejected feedback read by monitor-feedback; the abandoned message came again (delivery count 1); purge emptied 2';
  });
}
