/**
 * The code cache of the CommonJS modules from node_modules (src/cli/code-cache.ts, built in dist/cli): a
 * process that loads an SDK module writes the cache, the next one uses it and has nothing to add, a damaged
 * cache file is only a slower start, and IOT_C2D_NO_CODE_CACHE=1 writes nothing. The TUI's own CommonJS
 * bundle (dist/cli/tui.cjs) is cached the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODULE = pathToFileURL(join(ROOT, 'dist/cli/code-cache.js')).href;
// Loads an SDK module (CommonJS, from node_modules) after installing the cache, and prints what it exports.
const PROGRAM = `
import { createRequire } from 'node:module';
const { installCodeCache } = await import(${JSON.stringify(MODULE)});
installCodeCache();
const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const common = require('azure-iot-common');
console.log(typeof common.Message, new common.Message('x').getData());
`;
// Loads the TUI's bundle (Ink, React, yoga: started synchronously, no top-level await) without running it.
const TUI_PROGRAM = `
import { createRequire } from 'node:module';
const { installCodeCache } = await import(${JSON.stringify(MODULE)});
installCodeCache();
const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
console.log(typeof require('./dist/cli/tui.cjs').runTui);
`;

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function cacheHome(): { home: string; file: string } {
  const home = mkdtempSync(join(tmpdir(), 'iot-c2d-code-cache-'));
  homes.push(home);
  return { home, file: join(home, 'iot-c2d', 'code-cache', `${process.version}-${process.arch}.bin`) };
}

function run(home: string, extra: Record<string, string> = {}, program = PROGRAM): string {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: home };
  delete env.IOT_C2D_NO_CODE_CACHE;
  Object.assign(env, extra);
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', program], { env, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

/** The files the cache holds code for. */
function cachedFiles(file: string): string[] {
  const bytes = readFileSync(file);
  const length = bytes.readUInt32LE(0);
  return Object.keys(JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Record<string, unknown>);
}

describe('code cache', () => {
  it('is written by the first process and used, unchanged, by the next', () => {
    const { home, file } = cacheHome();
    expect(run(home)).toBe('function x');
    expect(existsSync(file)).toBe(true);
    const files = cachedFiles(file);
    expect(files.some((f) => f.includes(join('node_modules', 'azure-iot-common', 'dist', 'message.js')))).toBe(true);
    expect(files.every((f) => f.includes('node_modules'))).toBe(true);
    const written = readFileSync(file);
    const mtime = statSync(file).mtimeMs;

    // Every module's cached code was accepted: nothing new to write.
    expect(run(home)).toBe('function x');
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readFileSync(file).equals(written)).toBe(true);
  });

  it("caches the TUI's bundle too, and uses it in the next process", () => {
    const { home, file } = cacheHome();
    expect(run(home, {}, TUI_PROGRAM)).toBe('function');
    expect(cachedFiles(file)).toContain(join(ROOT, 'dist', 'cli', 'tui.cjs'));
    const written = readFileSync(file);
    expect(run(home, {}, TUI_PROGRAM)).toBe('function');
    expect(readFileSync(file).equals(written)).toBe(true);
  });

  it('drops the entries of files that are gone when it writes, so the file does not only grow', () => {
    const { home, file } = cacheHome();
    run(home);
    // An entry for a module of an install that has since been removed.
    const bytes = readFileSync(file);
    const length = bytes.readUInt32LE(0);
    const index = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Record<string, [string, number, number]>;
    const data = bytes.subarray(4 + length);
    const gone = join(home, 'removed-install', 'node_modules', 'gone', 'index.js');
    index[gone] = ['hash', data.length, 3];
    const head = Buffer.from(JSON.stringify(index), 'utf8');
    const size = Buffer.alloc(4);
    size.writeUInt32LE(head.length, 0);
    writeFileSync(file, Buffer.concat([size, head, data, Buffer.from('abc')]));
    const kept = cachedFiles(file).filter((f) => f !== gone);

    // The next process that has something new to add writes the file again.
    run(home, {}, TUI_PROGRAM);
    const files = cachedFiles(file);
    expect(files).not.toContain(gone);
    expect(files).toEqual(expect.arrayContaining(kept));
    expect(files).toContain(join(ROOT, 'dist', 'cli', 'tui.cjs'));
  });

  it('a damaged cache file only means compiling from source, and is written anew', () => {
    const { home, file } = cacheHome();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from('not a cache file at all'));
    expect(run(home)).toBe('function x');
    expect(cachedFiles(file).length).toBeGreaterThan(0);
  });

  it('IOT_C2D_NO_CODE_CACHE=1 writes nothing', () => {
    const { home, file } = cacheHome();
    expect(run(home, { IOT_C2D_NO_CODE_CACHE: '1' })).toBe('function x');
    expect(existsSync(file)).toBe(false);
  });
});
