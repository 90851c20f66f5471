#!/usr/bin/env node
// Bundles the command line into dist/cli/main.js (replacing tsc's unbundled output of that file) and a chunk
// per dynamic import() in dist/cli/chunks, because loading hundreds of small modules was most of the TUI's
// cold start, and parsing code a command never runs was most of a command's (bench/README.md). Native
// modules stay outside; the Azure SDKs are loaded at run time through createRequire, from node_modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * yargs renders the whole help text of a command each time it runs the command's handler
 * (`cacheHelpMessage`), in case a later failure prints it; our `.fail()` handler never prints help, so that
 * rendering (≈ 1/3 of a command's start-up CPU, most of it string-width) is dropped from the bundle. The build
 * fails if yargs changes that line.
 */
const noHelpCache = {
  name: 'no-yargs-help-cache',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]yargs[\\/]build[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const line = 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();';
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(line)) throw new Error(`${args.path} no longer has "${line}": review scripts/bundle.mjs (noHelpCache)`);
      return { contents: source.replace(line, '/* help not cached: scripts/bundle.mjs */'), loader: 'js' };
    });
  },
};

/**
 * string-width builds an Intl.Segmenter and Unicode-set regular expressions when it is loaded (≈ 50 ms, more
 * on a busy machine), and yargs loads it (through cliui) for every command, though only --help measures
 * text. Every import of it gets a stand-in that loads the real module on its first call.
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length > 0) return undefined;
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: root,
      contents: `let real;\nexport default function stringWidth(text, options) {\n  real ??= require(${JSON.stringify(args.path)}).default;\n  return real(text, options);\n}\n`,
    }));
  },
};

/**
 * yoga-layout (Ink's layout engine) carries its WebAssembly as a base64 data: URL, and its Emscripten loader
 * reads it with fetch() whenever a global fetch exists, as in Node 18+: Node then loads undici, its fetch
 * implementation, only to decode that URL, before the TUI can draw its first frame. The loader's own
 * fallback decodes the base64 directly: the bundle always takes it. The build fails if yoga changes that line.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const check = 'function ya(){return w||"function"!=typeof fetch?';
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(check)) throw new Error(`${args.path} no longer has '${check}': review scripts/bundle.mjs (yogaWithoutFetch)`);
      return { contents: source.replace(check, 'function ya(){return true?'), loader: 'js' };
    });
  },
};

// Chunk names carry a content hash: drop the previous build's.
rmSync(new URL('../dist/cli/chunks', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
  entryNames: '[name]',
  // Each dynamic import() is a chunk of its own, read only when a command needs it: `send` never parses
  // the TUI, the hub or the device SDK glue (bench/README.md, CLI start-up).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'node-pty', 'bufferutil', 'utf-8-validate'],
  alias: {
    'react-devtools-core': './scripts/bundle-stubs/react-devtools-core.js',
    // Ink's "am I in CI" (no live drawing), answered at build time: see the stub.
    'is-in-ci': './scripts/bundle-stubs/is-in-ci.js',
  },
  // React's production build, decided at bundle time (the TUI is never a development build).
  define: { 'process.env.NODE_ENV': '"production"' },
  // Bundled CommonJS calls require(); give the ES module one.
  banner: { js: "import { createRequire as __iotC2dCreateRequire } from 'node:module'; const require = __iotC2dCreateRequire(import.meta.url);" },
  plugins: [lazyStringWidth, noHelpCache, yogaWithoutFetch],
  logLevel: 'warning',
});
