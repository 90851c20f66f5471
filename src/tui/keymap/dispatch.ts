/** Which bindings are live, and which one a key press means. Pure: the controller runs the binding's handler. */
import { BINDINGS } from './bindings.js';
import type { Binding, Scope } from './bindings.js';
import type { KeyContext } from './key-context.js';

export { keyContext } from './key-context.js';
export type { KeyContext } from './key-context.js';

/**
 * The scopes whose bindings apply, most specific first. While typing (a form field or the prompt) only chords,
 * esc, tab, enter and the editing keys (arrows, home, end, backspace, delete) pass; everything else types.
 */
export function activeScopes(ctx: KeyContext): Scope[] {
  if (ctx.overlay === 'prompt') return ['always', 'prompt'];
  if (ctx.overlay === 'menu') return ['always', 'menu'];
  if (ctx.overlay === 'help' || ctx.overlay === 'details') return ['always', 'details', 'overlay', 'global'];
  if (ctx.overlay === 'connection') return ['always', 'connection', 'overlay', 'global'];
  if (ctx.typing) return ['always', 'form'];
  return ['always', ctx.pane, 'global'];
}

export function findBinding(ctx: KeyContext, key: string): Binding | undefined {
  for (const scope of activeScopes(ctx)) {
    const binding = BINDINGS.find((b) => b.scope === scope && b.keys.includes(key));
    if (binding) return binding;
  }
  return undefined;
}

/** The status bar's hints: the live bindings that have a hint, most specific scope first, each command once. */
export function hints(ctx: KeyContext): Binding[] {
  const seen = new Set<string>();
  const out: Binding[] = [];
  for (const scope of activeScopes(ctx)) {
    for (const binding of BINDINGS) {
      if (binding.scope !== scope || !binding.hint || seen.has(binding.id)) continue;
      seen.add(binding.id);
      out.push(binding);
    }
  }
  // The pane keys share one hint: show "1-3 panes" rather than three entries.
  return out;
}
