/**
 * Writes docs/keybindings.md from the TUI's binding table (`npm run docs:keys`), or with --check exits 1 when
 * the file is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keybindingsMarkdown } from '../src/tui/keymap/docs.js';

const path = fileURLToPath(new URL('../docs/keybindings.md', import.meta.url));
const wanted = keybindingsMarkdown();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== wanted) {
    process.stderr.write('docs/keybindings.md is out of date: run npm run docs:keys\n');
    process.exit(1);
  }
} else {
  writeFileSync(path, wanted);
  process.stdout.write(`Wrote ${path}\n`);
}
