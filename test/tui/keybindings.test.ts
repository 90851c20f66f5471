/** The binding table is the single source: the docs are generated from it, and it has no clashes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BINDINGS } from '../../src/tui/keymap/bindings.js';
import { keybindingsMarkdown } from '../../src/tui/keymap/docs.js';
import { activeScopes, findBinding } from '../../src/tui/keymap/dispatch.js';

describe('key bindings', () => {
  it('docs/keybindings.md is what the table generates (npm run docs:keys regenerates it)', () => {
    const file = readFileSync(new URL('../../docs/keybindings.md', import.meta.url), 'utf8');
    expect(file).toBe(keybindingsMarkdown());
  });

  it('no key means two things in one scope', () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) {
      for (const key of b.keys) {
        const slot = `${b.scope}:${key}`;
        expect(seen.get(slot), `${slot} bound to ${seen.get(slot)} and ${b.id}`).toBeUndefined();
        seen.set(slot, b.id);
      }
    }
  });

  it('while typing in the form, single letters are not commands but chords, esc, tab and enter are', () => {
    const ctx = { pane: 'send' as const, overlay: undefined, typing: true };
    for (const letter of ['q', '1', '2', '3', '?', 'i', 'p', 'c']) expect(findBinding(ctx, letter)).toBeUndefined();
    expect(findBinding(ctx, 'ctrl+s')?.id).toBe('send');
    expect(findBinding(ctx, 'ctrl+c')?.id).toBe('quit-now');
    expect(findBinding(ctx, 'esc')?.id).toBe('leave-form');
    expect(findBinding(ctx, 'tab')?.id).toBe('next-field');
    expect(findBinding(ctx, 'shift+tab')?.id).toBe('prev-field');
  });

  it('pane keys beat global ones, and a prompt only lets ctrl+c through', () => {
    expect(findBinding({ pane: 'device', overlay: undefined, typing: false }, 'enter')?.id).toBe('open');
    expect(findBinding({ pane: 'feedback', overlay: undefined, typing: false }, 'q')?.id).toBe('quit');
    expect(activeScopes({ pane: 'device', overlay: 'prompt', typing: false })).toEqual(['always', 'prompt']);
    expect(findBinding({ pane: 'device', overlay: 'prompt', typing: false }, 'q')).toBeUndefined();
  });
});
