/**
 * A V8 code cache for the CommonJS code the command line runs, which Node 20 otherwise parses and compiles from
 * source in every process (it has no `module.enableCompileCache`; bench/README.md, CLI start-up): our own
 * CommonJS bundles (scripts/bundle.mjs), the TUI (dist/cli/tui.cjs, whose compiled code the first frame needs)
 * and the Azure SDKs with what they pull in (dist/cli/sdk.cjs), and whatever is still loaded from node_modules
 * (better-sqlite3's JavaScript, the SDKs' rarely used traverse and @azure/storage-blob).
 *
 * `Module.prototype._compile` is replaced, for those files only, by the same steps Node takes
 * (wrap, compile, run with `exports, require, module, __filename, __dirname`) through a `vm.Script` given the
 * cached code. At exit, the code of every module compiled without a usable cache, its lazily compiled
 * functions included, is added to one file: `$XDG_CACHE_HOME/iot-c2d/code-cache/<Node version>-<arch>.bin`
 * (`~/.cache` when XDG_CACHE_HOME is unset), written whole to a temporary file and renamed. An entry is used
 * only for a file whose content has the same SHA-1; V8 itself refuses code made by another V8 or with other
 * flags (a flag set at run time, `v8.setFlagsFromString`, counts: every iot-c2d process must keep V8's flags
 * as Node set them, or the processes reject each other's entries). Anything that goes wrong (no cache directory, a damaged file) only means compiling from source.
 * `IOT_C2D_NO_CODE_CACHE=1` turns it off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { threadId } from 'node:worker_threads';
import { cacheDirectory } from '../core/cache-directory.js';

/** Node's CommonJS loader internals this relies on (stable since Node 12; Node 20's `_compile` takes a format). */
interface LoaderModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string, format?: string): unknown;
}
interface Loader {
  prototype: LoaderModule;
  wrap(script: string): string;
  _resolveFilename(request: string, parent: LoaderModule, isMain: boolean, options?: unknown): string;
  _resolveLookupPaths(request: string, parent: LoaderModule): string[] | null;
  _extensions: unknown;
  _cache: unknown;
}

/** Index of the cache file: filename → [SHA-1 of the source, offset in the data, length]. */
type Index = Record<string, [string, number, number]>;

/** Files under node_modules, and our own CommonJS bundles next to main.js. */
const CACHED = /[\\/]node_modules[\\/]|[\\/]dist[\\/]cli[\\/][^\\/]+\.cjs$/;

function cacheFile(): string {
  return join(cacheDirectory(), 'code-cache', `${process.version}-${process.arch}.bin`);
}

/** The file: a 4-byte length, the index as JSON, then the cached code of every entry. */
function read(file: string): { index: Index; data: Buffer } {
  try {
    const bytes = readFileSync(file);
    const length = bytes.readUInt32LE(0);
    return { index: JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Index, data: bytes.subarray(4 + length) };
  } catch {
    return { index: {}, data: Buffer.alloc(0) };
  }
}

function write(file: string, old: { index: Index; data: Buffer }, fresh: Map<string, { hash: string; script: vm.Script }>): void {
  const index: Index = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  const add = (filename: string, hash: string, code: Buffer): void => {
    index[filename] = [hash, offset, code.length];
    chunks.push(code);
    offset += code.length;
  };
  // Entries of files that are gone (another install, a removed checkout) are dropped, or the file, which every
  // process reads whole, would only grow.
  for (const [filename, [hash, start, length]] of Object.entries(old.index)) {
    if (!fresh.has(filename) && existsSync(filename)) add(filename, hash, old.data.subarray(start, start + length));
  }
  for (const [filename, { hash, script }] of fresh) add(filename, hash, script.createCachedData());
  const head = Buffer.from(JSON.stringify(index), 'utf8');
  const size = Buffer.alloc(4);
  size.writeUInt32LE(head.length, 0);
  mkdirSync(dirname(file), { recursive: true });
  // The TUI's hub thread (embedded-hub.ts) keeps a cache too, in the same process: one temporary file per thread.
  const temporary = `${file}.${process.pid}-${threadId}.tmp`;
  writeFileSync(temporary, Buffer.concat([size, head, ...chunks]));
  renameSync(temporary, file);
}

/** Node's `require` for a module: what `makeRequireFunction` gives a module's code. */
function requireFor(loader: Loader, module: LoaderModule): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: unknown) => loader._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, module);
  require.resolve = resolve;
  Object.assign(require, { main: process.mainModule, extensions: loader._extensions, cache: loader._cache });
  return require;
}

export function installCodeCache(): void {
  if (process.env.IOT_C2D_NO_CODE_CACHE === '1') return;
  const loader = Module as unknown as Loader;
  const compile = loader.prototype._compile;
  const file = cacheFile();
  let cache: { index: Index; data: Buffer } | undefined;
  const fresh = new Map<string, { hash: string; script: vm.Script }>();
  const importModuleDynamically = (vm as unknown as { constants?: { USE_MAIN_CONTEXT_DEFAULT_LOADER?: symbol } }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;

  loader.prototype._compile = function (this: LoaderModule, content: string, filename: string, format?: string): unknown {
    // ES modules (require(esm), .mjs) and our other files go Node's way.
    if (format !== undefined && format !== 'commonjs') return compile.call(this, content, filename, format);
    if (!CACHED.test(filename) || filename.endsWith('.mjs')) return compile.call(this, content, filename, format);
    cache ??= read(file);
    const hash = createHash('sha1').update(content).digest('base64');
    const entry = cache.index[filename];
    const cachedData = entry && entry[0] === hash ? cache.data.subarray(entry[1], entry[1] + entry[2]) : undefined;
    let script: vm.Script;
    try {
      script = new vm.Script(loader.wrap(content), { filename, ...(cachedData ? { cachedData } : {}), ...(importModuleDynamically ? { importModuleDynamically: importModuleDynamically as never } : {}) });
    } catch {
      // Not CommonJS after all (Node detects ES module syntax), or not valid: Node says what it is.
      return compile.call(this, content, filename, format);
    }
    if (!cachedData || script.cachedDataRejected) {
      if (fresh.size === 0) process.once('exit', () => save());
      fresh.set(filename, { hash, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(loader, this), this, filename, dirname(filename));
  };

  const save = (): void => {
    try {
      // The file as it is now: what another thread or process added since this one read it is kept.
      write(file, read(file), fresh);
    } catch {
      // No cache directory, a read-only home: the next run compiles from source again.
    }
  };
}
