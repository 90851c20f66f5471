/** docs/keybindings.md, generated from the binding table (`npm run docs:keys`; a test fails when it is stale). */
import { BINDINGS, SCOPE_ORDER, SCOPE_TITLES, displayKey } from './bindings.js';

export function keybindingsMarkdown(): string {
  const lines = [
    '# iot-c2d tui: key bindings',
    '',
    '<!-- Generated from src/tui/keymap/bindings.ts by `npm run docs:keys`. Do not edit by hand. -->',
    '',
    'While a field of the Send form has focus, single-letter keys type into it: only chords (ctrl+…), `esc`,',
    '`tab`, `enter` and the editing keys (arrows, `home`, `end`, `backspace`, `delete`) act. `esc` leaves the form.',
    'Text is edited at the cursor, in the form and in the paste prompt alike; focusing a field puts the cursor at',
    'its end.',
  ];
  for (const scope of SCOPE_ORDER) {
    const rows = BINDINGS.filter((b) => b.scope === scope);
    if (rows.length === 0) continue;
    lines.push('', `## ${SCOPE_TITLES[scope]}`, '', '| keys | action | unavailable |', '|---|---|---|');
    for (const b of rows) {
      const keys = b.keys.map((k) => `\`${displayKey(k).replace('|', '\\|')}\``).join(' ');
      lines.push(`| ${keys} | ${b.description.replace(/\|/g, '\\|')} | ${(b.needs ?? []).map((n) => n.doc).join('; ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
