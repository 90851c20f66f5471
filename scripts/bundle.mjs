#!/usr/bin/env node
// Bundles the command line into one file, dist/cli/main.js (replacing tsc's unbundled output of that file),
// because loading hundreds of small modules was most of the TUI's cold start (bench/README.md). Native
// modules stay outside; the Azure SDKs are loaded at run time through createRequire, from node_modules.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli/main.js',
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
  logLevel: 'warning',
});
