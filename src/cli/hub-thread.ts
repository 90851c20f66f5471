/**
 * The entry of the hub's worker thread in the built command line (dist/cli/hub-thread.cjs, started by
 * embedded-hub.ts): installs the V8 code cache in this thread too, then loads the hub worker, a CommonJS
 * bundle (dist/cli/hub-worker.cjs) that the cache then serves compiled, as it does the TUI and the SDKs on the
 * main thread (code-cache.ts). Node 20 keeps no compiled code for ES modules.
 */
import { createRequire } from 'node:module';
import { installCodeCache } from './code-cache.js';

/** This file's path: it runs as CommonJS (scripts/bundle.mjs). */
declare const __filename: string;

installCodeCache();
createRequire(__filename)('./hub-worker.cjs');
