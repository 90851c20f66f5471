// Summarises a V8 .cpuprofile (node --cpu-prof): self time by package / source file and the top functions.
//   node bench/tools/profile-summary.mjs <file.cpuprofile> [top]
// A bundled file (dist/cli/main.js) is split back into its modules by esbuild's `// path` comments.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [file, topArg] = process.argv.slice(2);
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dts = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dts[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const bundles = new Map();
/** For a bundle: the module each line belongs to, from esbuild's `// node_modules/x/y.js` headers. */
function modulesOf(url) {
  if (!bundles.has(url)) {
    const path = url.startsWith('file:') ? fileURLToPath(url) : url;
    const starts = [];
    if (/dist\/cli\/(main|chunks\/.*)\.js$/.test(path) && existsSync(path)) {
      readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
        const m = /^\/\/ ((node_modules|src)\/.*)$/.exec(line);
        if (m) starts.push([i, m[1]]);
      });
    }
    bundles.set(url, starts);
  }
  return bundles.get(url);
}
const group = (url, line) => {
  if (!url) return '(native/vm)';
  const starts = modulesOf(url);
  if (starts.length > 0) {
    let lo = 0;
    for (let hi = starts.length - 1; lo < hi; ) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid][0] <= line) lo = mid;
      else hi = mid - 1;
    }
    if (starts[lo][0] <= line) url = starts[lo][1];
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*?\/(src|dist)\//, '$1/');
};
const idle = new Set(['(idle)', '(program)']);
let busy = 0;
for (const [id, t] of self) if (!idle.has(byId.get(id).callFrame.functionName)) busy += t;
const byGroup = new Map();
const byFn = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  if (idle.has(n.callFrame.functionName)) continue;
  const g = group(n.callFrame.url, n.callFrame.lineNumber);
  byGroup.set(g, (byGroup.get(g) ?? 0) + t);
  const key = `${n.callFrame.functionName || '(anonymous)'} ${g}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + t);
}
const pct = (t) => `${((100 * t) / busy).toFixed(1)} %`;
console.log(`sampled ${(total / 1e6).toFixed(1)} s, busy (not idle) ${(busy / 1e6).toFixed(1)} s; shares below are of the busy time`);
console.log('\nself time by package / file:');
for (const [g, t] of [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t).padStart(8)}  ${g}`);
console.log('\ntop functions (self):');
for (const [f, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t).padStart(8)}  ${f}`);
