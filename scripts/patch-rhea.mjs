#!/usr/bin/env node
// Applies rhea's upstream fix for merged dispositions to every installed copy of rhea (ours and the ones
// inside the Azure SDKs). Runs from "postinstall"; changes one line per copy, idempotently.
//
// The bug (rhea <= 3.0.5, lib/session.js, write_dispositions): when a run of dispositions held a single
// delivery, the next consecutive delivery was merged into the run without comparing outcomes, so
// "accepted 5, rejected 6" went on the wire as "accepted 5..6". Upstream rhea fixed it by always comparing.
// test/hub/mixed-settlements.test.ts fails without this patch.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const BUGGY = 'if ((first !== last && !message.are_outcomes_equivalent(last.state, delivery.state)) || last.settled !== delivery.settled || next_id !== delivery.id) {';
const FIXED = 'if (!message.are_outcomes_equivalent(last.state, delivery.state) || last.settled !== delivery.settled || next_id !== delivery.id) {';

/** Every rhea/lib/session.js reachable from here: node_modules/rhea and node_modules/<pkg>/node_modules/rhea. */
function copies() {
  const found = new Set();
  const dirs = createRequire(import.meta.url).resolve.paths('rhea') ?? [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const candidates = [join(dir, 'rhea')];
    for (const name of readdirSync(dir)) {
      if (name.startsWith('@')) continue;
      candidates.push(join(dir, name, 'node_modules', 'rhea'));
    }
    for (const candidate of candidates) {
      const file = join(candidate, 'lib', 'session.js');
      if (existsSync(file)) found.add(file);
    }
  }
  return [...found];
}

let patched = 0;
for (const file of copies()) {
  const text = readFileSync(file, 'utf8');
  if (text.includes(FIXED)) continue;
  if (!text.includes(BUGGY)) {
    console.warn(`patch-rhea: ${file} has neither the known bug nor the fix; left as is.`);
    continue;
  }
  writeFileSync(file, text.replace(BUGGY, FIXED));
  patched += 1;
}
if (patched > 0) console.log(`patch-rhea: fixed merged dispositions in ${patched} copies of rhea.`);
