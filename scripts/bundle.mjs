#!/usr/bin/env node
// Bundles the command line into dist/cli/main.js (replacing tsc's unbundled output of that file) and a chunk
// per dynamic import() in dist/cli/chunks, because loading hundreds of small modules was most of the TUI's
// cold start, and parsing code a command never runs was most of a command's (bench/README.md). Native
// modules stay outside; the Azure SDKs are one CommonJS bundle of their own, dist/cli/sdk.cjs.
import { build, transform } from 'esbuild';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
 *
 * The stand-in also answers at once for text made only of characters that are one column each on their own
 * and beside others, once its colours are taken out (ASCII, Latin-1, the punctuation, arrows, box drawing and shapes the TUI draws: ● · …
 * ↑ ─): the real module takes its fast path only for plain ASCII and segments everything else into
 * graphemes, which was much of the TUI's first frame (its Segmenter alone ≈ 20 ms). That set is worked out
 * here, at build time, by asking the very module the stand-in wraps about each candidate character.
 * Any other text is the real module's count plus what a terminal draws wider than it counts
 * (src/tui/terminal-widths.ts: marks newer than Unicode 6 are a column each in xterm.js), so that Ink's cells
 * match the terminal's and the TUI's layout (layout.ts) agrees with Ink's.
 */
const NARROW_CANDIDATES = [[0x20, 0x7e], [0xa0, 0x2ff], [0x2010, 0x205e], [0x2190, 0x21ff], [0x2500, 0x27bf]];

async function narrowClass(path) {
  const { default: width } = await import(pathToFileURL(path).href);
  const ranges = [];
  for (const [from, to] of NARROW_CANDIDATES) {
    for (let cp = from; cp <= to; cp++) {
      const c = String.fromCodePoint(cp);
      if (width(c) !== 1 || width(`a${c}a`) !== 3 || width(c + c) !== 2 || width(`${c}\u0301`) !== 1) continue;
      const last = ranges.at(-1);
      if (last && last[1] === cp - 1) last[1] = cp;
      else ranges.push([cp, cp]);
    }
  }
  const hex = (cp) => `\\u${cp.toString(16).padStart(4, '0')}`;
  return ranges.map(([a, z]) => (a === z ? hex(a) : `${hex(a)}-${hex(z)}`)).join('');
}

const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length > 0) return undefined;
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, async (args) => ({
      resolveDir: root,
      contents: [
        "import { DRAWN_ONE, DRAWN_TWO } from './src/tui/terminal-widths.ts';",
        `const narrow = /^[${await narrowClass(args.path)}]*$/;`,
        'let real;',
        'export default function stringWidth(text, options) {',
        // Colours (SGR sequences) count for nothing, as in string-width; any other escape sequence keeps its ESC and
        // goes to the real module.
        "  if (options === undefined && typeof text === 'string') {",
        "    const plain = text.includes('\\x1b') ? text.replace(/\\x1b\\[[0-9;]*m/g, '') : text;",
        '    if (narrow.test(plain)) return plain.length;',
        '  }',
        `  real ??= require(${JSON.stringify(args.path)}).default;`,
        '  const counted = real(text, options);',
        // What a terminal draws wider (src/tui/terminal-widths.ts) counts that wide, so that Ink gives it as many
        // cells and what follows on the line (a border) stays where Ink put it.
        "  if (typeof text !== 'string' || !(DRAWN_ONE.test(text) || DRAWN_TWO.test(text))) return counted;",
        '  let extra = 0;',
        '  for (const cp of text) extra += DRAWN_TWO.test(cp) ? 2 - real(cp) : DRAWN_ONE.test(cp) ? 1 - real(cp) : 0;',
        '  return counted + extra;',
        '}',
        '',
      ].join('\n'),
    }));
  },
};

/**
 * Ink's text pipeline splits every line into grapheme clusters with an Intl.Segmenter (ansi-tokenize's tokenize,
 * slice-ansi), each made when its module loads: the first one loads ICU's break iterators (≈ 10–20 ms) before
 * the first frame, and segmenting is slow per character. Both get a stand-in with the same interface
 * (`segment(text)`, its segments iterable and with `containing(index)`) that, for text made only of characters
 * each of which is a grapheme cluster of its own whatever its neighbours (ESC and the one-column characters of
 * lazyStringWidth's set: no combining marks, joiners, variation selectors, CR/LF, Hangul or regional
 * indicators), gives one segment per character; any other text goes to a real Intl.Segmenter, made on first
 * use. The build checks every character of the set against Intl.Segmenter, and fails if the modules change.
 */
const GRAPHEME_TARGETS = [
  [/node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, 'const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });', 'segmenter'],
  [/node_modules[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, "const GRAPHEME_SEGMENTER = new Intl.Segmenter(undefined, {granularity: 'grapheme'});", 'GRAPHEME_SEGMENTER'],
];

async function singleGraphemeClass() {
  const cls = await narrowClass(fileURLToPath(import.meta.resolve('string-width')));
  const re = new RegExp(`^[${cls}]$`);
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (let cp = 0; cp <= 0xffff; cp++) {
    const c = String.fromCodePoint(cp);
    if (!re.test(c)) continue;
    const text = `a${c}${c}\x1b${c}a`;
    if ([...segmenter.segment(text)].length !== text.length) throw new Error(`U+${cp.toString(16)} is not a grapheme of its own: review scripts/bundle.mjs (graphemesWithoutIcu)`);
  }
  return cls;
}

const graphemesWithoutIcu = {
  name: 'graphemes-without-icu',
  setup(b) {
    b.onResolve({ filter: /^iot-c2d:grapheme-segmenter$/ }, () => ({ path: 'grapheme-segmenter', namespace: 'grapheme-segmenter' }));
    b.onLoad({ filter: /.*/, namespace: 'grapheme-segmenter' }, async () => ({
      resolveDir: root,
      contents: `const single = /^[\\x1b${await singleGraphemeClass()}]*$/;
let real;
function* each(input) {
  for (let index = 0; index < input.length; index++) yield { segment: input[index], index, input };
}
export const graphemeSegmenter = {
  segment(text) {
    const input = String(text);
    if (!single.test(input)) return (real ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(input);
    return {
      containing(at = 0) {
        const index = Math.trunc(Number(at)) || 0;
        return index >= 0 && index < input.length ? { segment: input[index], index, input } : undefined;
      },
      [Symbol.iterator]: () => each(input),
    };
  },
};
`,
    }));
    for (const [filter, line, name] of GRAPHEME_TARGETS) {
      b.onLoad({ filter }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(line)) throw new Error(`${args.path} no longer has "${line}": review scripts/bundle.mjs (graphemesWithoutIcu)`);
        return { contents: source.replace(line, `import { graphemeSegmenter } from 'iot-c2d:grapheme-segmenter';\nconst ${name} = graphemeSegmenter;`), loader: 'js' };
      });
    }
  },
};

/**
 * Node modules that the first frame does not need, loaded on first use: terminal-size (Ink) imports
 * node:child_process (≈ 5 ms to load) for its fallback of asking `tput` or `stty`, which a terminal that reports
 * its size never needs; signal-exit 3 (cli-cursor's) requires assert (≈ 4 ms) for one check of its argument.
 * The build fails if either changes those lines.
 */
const LAZY_BUILTINS = [
  [/node_modules[\\/]terminal-size[\\/]index\.js$/, "import {execFileSync} from 'node:child_process';", "const execFileSync = (...args) => process.getBuiltinModule('node:child_process').execFileSync(...args);"],
  [/node_modules[\\/]signal-exit[\\/]index\.js$/, "var assert = require('assert')", "var assert = { equal: function (actual, expected, message) { return require('assert').equal(actual, expected, message) } }"],
];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    for (const [filter, line, lazy] of LAZY_BUILTINS) {
      b.onLoad({ filter }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(line)) throw new Error(`${args.path} no longer has "${line}": review scripts/bundle.mjs (lazyBuiltins)`);
        if (line.includes('assert') && (source.match(/assert\./g) ?? []).length !== 1) throw new Error(`${args.path} uses assert for more than one check: review scripts/bundle.mjs (lazyBuiltins)`);
        return { contents: source.replace(line, lazy), loader: 'js' };
      });
    }
  },
};

/**
 * yoga-layout (Ink's layout engine) carries its WebAssembly as a base64 data: URL, which its Emscripten loader
 * decodes and instantiates asynchronously (with fetch() whenever a global fetch exists, which made Node load
 * undici before the first frame), and its index waits for that with a top-level await, which a CommonJS bundle
 * cannot have. The bundle instantiates the decoded bytes synchronously (`new WebAssembly.Module/Instance`, as
 * the loader's own base64 fallback decodes them, but with Buffer) and takes the module object once its runtime
 * is ready, in the same tick. The build fails if yoga changes the lines it replaces.
 */
const yogaSync = {
  name: 'yoga-sync',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const asyncStart = '(function(){return w||"function"!=typeof WebAssembly.instantiateStreaming';
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(asyncStart) || !source.includes('function b(e){a(e.instance)}') || !source.includes('function wa(){')) {
        throw new Error(`${args.path} no longer instantiates its wasm as it did: review scripts/bundle.mjs (yogaSync)`);
      }
      // Its base64 decoding (atob, which is JavaScript in Node, then a loop over the characters) took ≈ 10 ms: Buffer's is native.
      const decode = 'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c';
      if (!source.includes(decode)) throw new Error(`${args.path} no longer decodes its wasm as it did: review scripts/bundle.mjs (yogaSync)`);
      return {
        contents: source
          .replace(asyncStart, `return b({instance:new WebAssembly.Instance(new WebAssembly.Module(wa()),d)}),{};${asyncStart}`)
          .replace(decode, 'var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))'),
        loader: 'js',
      };
    });
    b.onLoad({ filter: /node_modules[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, async (args) => {
      const line = 'const Yoga = wrapAssembly(await loadYoga());';
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(line)) throw new Error(`${args.path} no longer has "${line}": review scripts/bundle.mjs (yogaSync)`);
      const sync = `const yogaModule = {};
loadYoga(yogaModule);
if (!yogaModule.calledRun) throw new Error('yoga-layout did not start synchronously (scripts/bundle.mjs, yogaSync)');
const Yoga = wrapAssembly(yogaModule);`;
      return { contents: source.replace(line, sync), loader: 'js' };
    });
  },
};

/**
 * Ink's reconciler has two top-level awaits, both for React's devtools only (DEV=true; the bundle stubs the
 * devtools out): the import of its devtools module, made a require, and the read of its package.json, for which
 * the bundle takes the value Ink uses without DEV. The build fails if Ink changes those lines.
 */
const inkNoTopLevelAwait = {
  name: 'ink-no-top-level-await',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      for (const [from, to] of [
        ["await import('./devtools.js');", "require('./devtools.js');"],
        ['const packageJson = isDev()\n    ? await loadPackageJson()\n    : { name: undefined, version: undefined };', 'const packageJson = { name: undefined, version: undefined };'],
      ]) {
        if (!source.includes(from)) throw new Error(`${args.path} no longer has "${from.split('\n')[0]}": review scripts/bundle.mjs (inkNoTopLevelAwait)`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * Ink builds each frame's screen in a new Output: a fresh blank cell object for every cell, every line
 * tokenized into styled characters and every character measured again (new caches per frame), and every row
 * turned back into a string, though most rows do not change between frames. That was most of a frame's CPU,
 * and Ink draws about ten frames while the TUI connects (bench/README.md, TUI cold start). The bundle keeps
 * Ink's output code but (1) lets each frame's caches fall back to the previous frame's, never older ones (a
 * flood of new lines does not pile up): both are pure functions of the text; (2) fills the grid with one
 * frozen blank cell; (3) reuses a row's string when the row holds the same cell objects as in the previous
 * frame (cached lines give the same objects); (4) takes each text's width from Ink's own cache of it
 * (measure-text.js) rather than measuring it again. The same screen comes out. The build fails if Ink changes
 * any of the lines it replaces.
 */
const inkFrameReuse = {
  name: 'ink-frame-reuse',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]ink[\\/]build[\\/]output\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      const replace = (from, to) => {
        if (!source.includes(from)) throw new Error(`${args.path} no longer has "${from.trim().split('\n')[0]}": review scripts/bundle.mjs (inkFrameReuse)`);
        source = source.replace(from, to);
      };
      replace('export default class Output {', `const BLANK = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });
// The caches of one frame, falling back to the previous frame's: what the last frame drew is not computed again,
// and nothing older is kept (a flood of new lines does not pile up).
class FrameCaches extends OutputCaches {
    constructor(previous) {
        super();
        this.previous = previous;
    }
    getStyledChars(line) {
        let cached = this.styledChars.get(line);
        if (cached === undefined) {
            cached = this.previous?.styledChars.get(line) ?? styledCharsFromTokens(tokenize(line));
            this.styledChars.set(line, cached);
        }
        return cached;
    }
    getStringWidth(text) {
        let cached = this.widths.get(text);
        if (cached === undefined) {
            cached = this.previous?.widths.get(text) ?? stringWidth(text);
            this.widths.set(text, cached);
        }
        return cached;
    }
}
let lastFrameCaches;
function frameCaches() {
    if (lastFrameCaches) lastFrameCaches.previous = undefined;
    lastFrameCaches = new FrameCaches(lastFrameCaches);
    return lastFrameCaches;
}
let previousRows = [];
function rowText(y, cells) {
    const previous = previousRows[y];
    if (previous && previous.cells.length === cells.length && previous.cells.every((cell, i) => cell === cells[i])) return previous.text;
    const text = styledCharsToString(cells).trimEnd();
    previousRows[y] = { cells, text };
    return text;
}
export default class Output {`);
      replace('    caches = new OutputCaches();', '    caches = frameCaches();');
      replace(`            const row = [];
            for (let x = 0; x < this.width; x++) {
                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });
            }
            output.push(row);`, '            output.push(new Array(this.width).fill(BLANK));');
      replace(`            .map(line => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })`, `            .map((line, y) => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return rowText(y, lineWithoutEmptyItems);
        })`);
      return { contents: source, loader: 'js' };
    });
    // Each text's width, measured again at every frame: Ink's measureText has it cached since the layout.
    b.onLoad({ filter: /node_modules[\\/]ink[\\/]build[\\/]render-node-to-output\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const [imports, call] = ["import widestLine from 'widest-line';", 'const currentWidth = widestLine(text);'];
      if (!source.includes(imports) || !source.includes(call)) throw new Error(`${args.path} no longer measures text with widestLine: review scripts/bundle.mjs (inkFrameReuse)`);
      return { contents: source.replace(imports, "import measureText from './measure-text.js';").replace(call, 'const currentWidth = measureText(text).width;'), loader: 'js' };
    });
  },
};

/**
 * The TUI (src/tui/start.tsx with Ink, React and yoga) is a CommonJS bundle of its own, dist/cli/tui.cjs,
 * because Node 20 keeps no compiled code for ES modules: as CommonJS it goes through the V8 code cache
 * (src/cli/code-cache.ts), which the first frame needed most (bench/README.md, TUI first frame). The command
 * line's `import('../../tui/start.js')` loads that file.
 */
const TUI_BUNDLE = 'tui.cjs';
const tuiFromCommonJs = {
  name: 'tui-from-commonjs',
  setup(b) {
    b.onResolve({ filter: /[\\/]tui[\\/]start\.js$/ }, (args) => ({ path: args.path, namespace: 'tui-from-commonjs' }));
    // A dynamic import() target is a chunk of its own, in dist/cli/chunks: the bundle is next to main.js.
    b.onLoad({ filter: /.*/, namespace: 'tui-from-commonjs' }, () => ({ contents: `export const { runTui } = require('../${TUI_BUNDLE}');`, loader: 'js' }));
    b.onResolve({ filter: new RegExp(`^\\.\\./${TUI_BUNDLE.replace('.', '\\.')}$`) }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The Azure SDKs the clients use, with their dependencies, are one CommonJS bundle, dist/cli/sdk.cjs, run from
 * the code cache like tui.cjs: one file to read instead of some 300 CommonJS modules to resolve, stat and read
 * after the TUI's first frame or at a command's start (bench/README.md, the SDK clients bundle). It holds the
 * modules src/clients/sdk.ts names (SDK_MODULES) and exports the same `sdk(name)`; in the command line's
 * bundle, src/clients/sdk.ts is that file (the sources and the tests load the SDKs from node_modules). esbuild
 * keeps one copy of each file, so a module named there is the instance the SDK's own modules require, and
 * what the clients adjust in it reaches the SDK. Only their dependencies are bundled, never their code changed,
 * except for three things the build checks, failing if the SDKs change:
 * - azure-iot-device's twin module gets its stand-in for `traverse` here (src/clients/defer-traverse.ts does it
 *   at run time for the sources), and traverse with its ~200 polyfill modules stays in node_modules;
 * - @azure/storage-blob (file uploads, which no command makes; the SDK requires it on first use) stays in
 *   node_modules, as do the native addons ws tries (bufferutil, utf-8-validate);
 * - every rhea in it must have rhea's fix for merged dispositions (scripts/patch-rhea.mjs, run by postinstall).
 * A module left in node_modules is required from dist/cli: the build checks that Node finds the same file from
 * there as from the SDK module that requires it.
 */
const SDK_BUNDLE = 'sdk.cjs';
const { SDK_MODULES } = await import('../dist/clients/sdk.js');
const requireFromRoot = createRequire(join(root, 'package.json'));

/** The file of an SDK module name of src/clients/sdk.ts (`a > b > c`: `c` as `b` requires it, `b` as `a` does). */
function sdkModulePath(name) {
  let from = requireFromRoot;
  let path;
  for (const step of name.split(' > ')) {
    path = from.resolve(step);
    from = createRequire(path);
  }
  return path;
}

/** `request` required from `importer` (a file), and from dist/cli, must be the same file. */
function sameFromDist(request, importer) {
  const theirs = createRequire(importer).resolve(request);
  const ours = createRequire(join(root, 'dist', 'cli', SDK_BUNDLE)).resolve(request);
  if (theirs !== ours) throw new Error(`${request}: ${importer} requires ${theirs}, but dist/cli/${SDK_BUNDLE} would get ${ours}: review scripts/bundle.mjs (sdkBundle)`);
}

const RHEA_BUG = 'if ((first !== last && !message.are_outcomes_equivalent(last.state, delivery.state)) || last.settled !== delivery.settled || next_id !== delivery.id) {';
const TRAVERSE = 'const traverse = require("traverse");';

const sdkBundle = {
  name: 'sdk-bundle',
  setup(b) {
    b.onResolve({ filter: /^iot-c2d:sdk$/ }, () => ({ path: 'sdk', namespace: 'sdk-bundle' }));
    b.onLoad({ filter: /.*/, namespace: 'sdk-bundle' }, () => ({
      resolveDir: root,
      loader: 'js',
      contents: `// The Azure SDK modules of src/clients/sdk.ts (SDK_MODULES), each initialised on first use.
const modules = {
${SDK_MODULES.map((name) => `  ${JSON.stringify(name)}: () => require(${JSON.stringify(sdkModulePath(name))}),`).join('\n')}
};
exports.sdk = (name) => {
  const load = modules[name];
  if (!load) throw new Error(\`\${name} is not in dist/cli/${SDK_BUNDLE}: add it to SDK_MODULES (src/clients/sdk.ts)\`);
  return load();
};
`,
    }));
    b.onLoad({ filter: /node_modules[\\/]azure-iot-device[\\/]dist[\\/]twin\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(TRAVERSE)) throw new Error(`${args.path} no longer has '${TRAVERSE}': review scripts/bundle.mjs (sdkBundle) and src/clients/defer-traverse.ts`);
      sameFromDist('traverse', args.path);
      const standIn = 'let realTraverse;\nconst traverse = function traverse(...args) {\n    realTraverse ??= require("traverse");\n    return realTraverse.apply(this, args);\n};';
      return { contents: source.replace(TRAVERSE, standIn), loader: 'js' };
    });
    b.onResolve({ filter: /^(traverse|@azure\/storage-blob)$/ }, (args) => {
      sameFromDist(args.path, args.importer);
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /node_modules[\\/]rhea[\\/]lib[\\/]session\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (source.includes(RHEA_BUG)) throw new Error(`${args.path} does not have rhea's fix for merged dispositions: run node scripts/patch-rhea.mjs (npm install runs it)`);
      return { contents: source, loader: 'js' };
    });
    // esbuild keeps some comments (before class members), and a few SDK comments have curly quotes: the files
    // with a character beyond ASCII lose their comments and indentation (esbuild's own minifyWhitespace, strings
    // escaped), so the bundle stays ASCII; the rest keep theirs, and esbuild's per-module headers (profiles).
    b.onLoad({ filter: /node_modules[\\/].*\.c?js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      // eslint-disable-next-line no-control-regex
      if (!/[^\x00-\x7f]/.test(source)) return undefined;
      return { contents: (await transform(source, { loader: 'js', minifyWhitespace: true, charset: 'ascii' })).code, loader: 'js' };
    });
  },
};

/** In the command line's bundle, src/clients/sdk.ts is dist/cli/sdk.cjs (its chunks are in dist/cli/chunks). */
const sdkFromBundle = {
  name: 'sdk-from-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/sdk\.js$/ }, (args) => (/[\\/]src[\\/]clients$/.test(args.resolveDir) ? { path: 'sdk', namespace: 'sdk-from-bundle' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'sdk-from-bundle' }, () => ({ contents: `export const { sdk } = require('../${SDK_BUNDLE}');`, loader: 'js' }));
    b.onResolve({ filter: new RegExp(`^\\.\\./${SDK_BUNDLE.replace('.', '\\.')}$`) }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  absWorkingDir: root,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
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
  logLevel: 'warning',
};

/**
 * Ink turns each row of cells back into a string with @alcalzone/ansi-tokenize's styledCharsToString, which
 * works out the escape codes between each two neighbouring cells (diffAnsiCodes: three Sets and four arrays
 * per cell), ≈ 1/4 of the first frame's CPU. Between two cells with the very same codes (the blank cells'
 * shared list, or the lists of one styled text's characters, which hold the same code objects) that
 * difference is empty, and the bundle skips it. The build fails if ansi-tokenize changes that code.
 */
const sameStylesNoDiff = {
  name: 'same-styles-no-diff',
  setup(b) {
    b.onLoad({ filter: /node_modules[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const [between, atEnd] = ['        else {\n            ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));', '        if (i === chars.length - 1) {'];
      if (!source.includes(between) || !source.includes(atEnd)) throw new Error(`${args.path} no longer diffs each two cells as it did: review scripts/bundle.mjs (sameStylesNoDiff)`);
      return {
        contents: `${source
          .replace(between, '        else if (!sameCodes(chars[i - 1].styles, char.styles)) {\n            ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));')
          .replace(atEnd, '        if (i === chars.length - 1 && char.styles.length > 0) {')}
function sameCodes(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
}
`,
        loader: 'js',
      };
    });
  },
};

// Chunk names carry a content hash: drop the previous build's.
rmSync(new URL('../dist/cli/chunks', import.meta.url), { recursive: true, force: true });

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/cli',
  entryNames: '[name]',
  // Each dynamic import() is a chunk of its own, read only when a command needs it: `send` never parses
  // the TUI, the hub or the device SDK glue (bench/README.md, CLI start-up).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  // Bundled CommonJS calls require(); give the ES module one.
  banner: { js: "import { createRequire as __iotC2dCreateRequire } from 'node:module'; const require = __iotC2dCreateRequire(import.meta.url);" },
  plugins: [tuiFromCommonJs, sdkFromBundle, lazyStringWidth, noHelpCache],
});

// The TUI's embedded hub runs in a worker thread (src/cli/embedded-hub.ts): hub-thread.cjs installs the code
// cache there and loads hub-worker.cjs (the hub) through it, as CommonJS, like tui.cjs.
await build({
  ...common,
  entryPoints: ['src/cli/hub-thread.ts', 'src/cli/hub-worker.ts'],
  outdir: 'dist/cli',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  // selfsigned (and its @peculiar/x509, ~1 MB) is needed only when a state directory gets its certificates: from
  // node_modules on that first start, not parsed at every start.
  external: [...common.external, './hub-worker.cjs', 'selfsigned'],
  // Its import() becomes require(): a script compiled through the code cache (vm.Script) has no ES module loader.
  supported: { 'dynamic-import': false },
});

await build({
  ...common,
  entryPoints: ['src/tui/start.tsx'],
  outfile: `dist/cli/${TUI_BUNDLE}`,
  format: 'cjs',
  plugins: [lazyStringWidth, graphemesWithoutIcu, lazyBuiltins, yogaSync, inkNoTopLevelAwait, inkFrameReuse, sameStylesNoDiff],
});

await build({
  entryPoints: ['iot-c2d:sdk'],
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: `dist/cli/${SDK_BUNDLE}`,
  // The SDKs test class names (`message.constructor.name !== 'Message'`, `NoRetry`, rhea's errors): esbuild renames
  // a class that refers to itself (`var Message = class _Message`) unless told to keep the names.
  keepNames: true,
  sourcemap: 'linked',
  external: ['bufferutil', 'utf-8-validate'],
  logLevel: 'warning',
  plugins: [sdkBundle],
});

// esbuild writes strings and identifiers as ASCII, but keeps some comments as they are: one non-ASCII character
// makes Node read the whole file into a two-byte string, which then costs more to read, hash (code-cache.ts)
// and compile, on the TUI's way to its first frame (tui.cjs) or to connected (sdk.cjs). Keep them ASCII.
for (const bundle of [TUI_BUNDLE, SDK_BUNDLE]) {
  const text = await readFile(new URL(`../dist/cli/${bundle}`, import.meta.url), 'utf8');
  const nonAscii = /[^\p{ASCII}]/u.exec(text);
  if (nonAscii) {
    const line = text.slice(0, nonAscii.index).split('\n').length;
    throw new Error(`dist/cli/${bundle}:${line} has a non-ASCII character (${JSON.stringify(nonAscii[0])}), most likely in a comment: write it in ASCII`);
  }
}
