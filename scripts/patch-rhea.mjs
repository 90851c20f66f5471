#!/usr/bin/env node
// Applies rhea's upstream fix for merged dispositions to the rhea copies inside this package's own
// node_modules, and nowhere else. Runs from "postinstall"; changes one line per copy, idempotently.
//
// package.json's "overrides" give this package's tree one rhea (ours, also used by the Azure SDKs), so
// on a checkout (`npm ci`) and in a global install there is exactly one copy to fix: <package>/node_modules/rhea.
// Where npm nests further copies under our node_modules (an install that ignores our overrides), they are
// in our tree and fixed too. Copies outside this package's directory (hoisted into a project that depends on
// us) belong to that project and are left alone.
//
// The bug (rhea <= 3.0.5, lib/session.js, write_dispositions): when a run of dispositions held a single
// delivery, the next consecutive delivery was merged into the run without comparing outcomes, so
// "accepted 5, rejected 6" went on the wire as "accepted 5..6". Upstream rhea fixed it by always comparing.
// test/hub/mixed-settlements.test.ts fails without this patch.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUGGY = 'if ((first !== last && !message.are_outcomes_equivalent(last.state, delivery.state)) || last.settled !== delivery.settled || next_id !== delivery.id) {';
const FIXED = 'if (!message.are_outcomes_equivalent(last.state, delivery.state) || last.settled !== delivery.settled || next_id !== delivery.id) {';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Package directories directly in a node_modules folder (scoped ones included). */
function packagesIn(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.')) return [];
    if (name.startsWith('@')) return readdirSync(join(dir, name)).map((sub) => join(dir, name, sub));
    return [join(dir, name)];
  });
}

/** rhea/lib/session.js files under <root>/node_modules, at any depth, never above <root>. */
function copies(modules, found = []) {
  for (const pkg of packagesIn(modules)) {
    const file = join(pkg, 'lib', 'session.js');
    if (basename(pkg) === 'rhea' && existsSync(file)) found.push(file);
    copies(join(pkg, 'node_modules'), found);
  }
  return found;
}

let patched = 0;
for (const file of copies(join(root, 'node_modules'))) {
  const text = readFileSync(file, 'utf8');
  if (text.includes(FIXED)) continue;
  if (!text.includes(BUGGY)) {
    console.warn(`patch-rhea: ${file} has neither the known bug nor the fix; left as is.`);
    continue;
  }
  writeFileSync(file, text.replace(BUGGY, FIXED));
  patched += 1;
}
if (patched > 0) console.log(`patch-rhea: fixed merged dispositions in ${patched} copies of rhea under ${root}.`);
