/**
 * The device SDK without the ~200 modules of `traverse` (src/clients/defer-traverse.ts): in a fresh process,
 * loading the device client leaves traverse unloaded, and the twin module's stand-in loads and runs the real one.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const DEVICE_CLIENT = fileURLToPath(new URL('../../dist/clients/device-client.js', import.meta.url));

const script = `
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
await import(${JSON.stringify(DEVICE_CLIENT)});
const require = createRequire(${JSON.stringify(DEVICE_CLIENT)});
const loaded = () => Object.keys(require.cache).filter((f) => f.includes('/node_modules/traverse/')).length;
const before = { traverse: loaded(), modules: Object.keys(require.cache).length };
const twin = join(dirname(require.resolve('azure-iot-device')), 'twin.js');
const parent = new Module(twin);
parent.filename = twin;
parent.paths = Module._nodeModulePaths(dirname(twin));
const standIn = Module._load('traverse', parent, false);
const paths = standIn({ a: { b: 1 } }).paths();
console.log(JSON.stringify({ before, paths, after: loaded() }));
`;

it('loading the device client does not load traverse; the twin module gets it when it first calls it', () => {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, IOT_C2D_NO_CODE_CACHE: '1' } });
  expect(result.stderr).toBe('');
  const { before, paths, after } = JSON.parse(result.stdout) as { before: { traverse: number; modules: number }; paths: string[][]; after: number };
  expect(before.traverse).toBe(0);
  expect(paths).toEqual([[], ['a'], ['a', 'b']]);
  expect(after).toBeGreaterThan(0);
});
