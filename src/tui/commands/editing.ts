/** Edits at the cursor, in the paste prompt or the focused text field of the Send form (state/edit.ts applies them). */
import type { EditOp } from '../state/edit.js';
import { isTextField } from '../state/form.js';
import { keyContext } from '../keymap/key-context.js';
import type { Act } from './context.js';

/** An edit at the cursor of the focused text field (the reducer keeps the payload's line breaks only). */
export function editField(act: Act, op: EditOp): void {
  const field = act.state.send.focus;
  if (field === undefined || !isTextField(field)) return;
  act.dispatch({ type: 'edit', target: 'field', op });
}

/** A cursor key or a deletion, in the prompt or the focused text field; the key is taken either way. */
export function edit(act: Act, op: EditOp): boolean {
  const ctx = keyContext(act.state);
  if (ctx.overlay === 'prompt') act.dispatch({ type: 'edit', target: 'prompt', op });
  else if (ctx.typing) editField(act, op);
  return true;
}
