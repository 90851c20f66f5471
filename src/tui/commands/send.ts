/** The Send pane's keys and the form's, with their handlers: focus, fields, property rows, send and recall. */
import { REPEAT_RUNNING, SERVICE } from '../keymap/availability.js';
import type { Binding } from '../keymap/bindings.js';
import { cycleAck, fieldOrder, propIndex } from '../state/form.js';
import type { FieldId, Form } from '../state/form.js';
import { openPrompt } from './context.js';
import type { Act } from './context.js';
import { edit, editField } from './editing.js';

/** Gives `field` the keys (undefined: the form lets go of them); a field no longer in the form falls back to the payload. */
export function focus(act: Act, field: FieldId | undefined): void {
  if (field !== undefined && !fieldOrder(act.state.send.form).includes(field)) field = 'payload';
  act.dispatch({ type: 'focus', focus: field });
}

export function setForm(act: Act, form: Form): void {
  act.dispatch({ type: 'form', form });
}

function stepField(act: Act, by: 1 | -1): void {
  const order = fieldOrder(act.state.send.form);
  const i = order.indexOf(act.state.send.focus ?? act.state.send.lastFocus);
  focus(act, order[(i + by + order.length) % order.length]);
}

function send(act: Act): void {
  void act.sender.send(act.connections.service);
}

function fieldEnter(act: Act): void {
  const field = act.state.send.focus;
  if (field === 'send') send(act);
  else if (field === 'addProperty') addProperty(act);
  else if (field === 'payload') editField(act, { kind: 'insert', text: '\n' });
  else stepField(act, 1);
}

function addProperty(act: Act): void {
  const form = act.state.send.form;
  setForm(act, { ...form, properties: [...form.properties, ''] });
  focus(act, `prop:${form.properties.length}`);
}

function removeProperty(act: Act): void {
  const s = act.state.send;
  const i = s.focus === undefined ? undefined : propIndex(s.focus);
  if (i === undefined) return act.dispatch({ type: 'send-result', result: { level: 'info', text: 'Move to a property row (tab) to remove it.' } });
  const properties = s.form.properties.filter((_, j) => j !== i);
  setForm(act, { ...s.form, properties });
  focus(act, properties.length === 0 ? 'addProperty' : `prop:${Math.min(i, properties.length - 1)}`);
}

function recall(act: Act): void {
  const s = act.state.send;
  const next = s.recall + 1;
  if (next >= s.recent.length) act.dispatch({ type: 'send-result', result: { level: 'info', text: s.recent.length ? 'No older send to recall.' : 'Nothing sent yet to recall.' } });
  else act.dispatch({ type: 'recall', index: next });
}

/** ←/→ on Ack step through its choices; elsewhere they move the cursor. */
function sideways(act: Act, by: 1 | -1): boolean {
  if (act.state.send.focus !== 'ack') return edit(act, { kind: by === 1 ? 'right' : 'left' });
  setForm(act, { ...act.state.send.form, ack: cycleAck(act.state.send.form.ack, by) });
  return true;
}

/** ↑/↓ move between the payload's lines; elsewhere they do nothing. */
function upDown(act: Act, kind: 'up' | 'down'): boolean {
  return act.state.send.focus === 'payload' ? edit(act, { kind }) : true;
}

const RECALL = 'Put a recent send back into the form (again: an older one)';

export const SEND_BINDINGS: readonly Binding[] = [
  { id: 'edit-form', keys: ['enter', 'tab'], scope: 'send', description: 'Edit the form', hint: 'edit', run: (act) => focus(act, act.state.send.lastFocus) },
  { id: 'paste-service', keys: ['p'], scope: 'send', description: 'Paste a service connection string and connect with it', hint: 'paste cs', run: (act) => openPrompt(act, 'service') },
  { id: 'send', keys: ['ctrl+s'], scope: 'send', description: 'Send the message in the form', hint: 'send', needs: [SERVICE], run: send },
  { id: 'recall', keys: ['ctrl+r'], scope: 'send', description: RECALL, hint: 'recall', run: recall },
];

export const FORM_BINDINGS: readonly Binding[] = [
  { id: 'send', keys: ['ctrl+s'], scope: 'form', description: 'Send the message (Repeat > 1: that many, at the rate given)', hint: 'send', needs: [SERVICE], run: send },
  { id: 'next-field', keys: ['tab'], scope: 'form', description: 'Next field', hint: 'fields', run: (act) => stepField(act, 1) },
  { id: 'prev-field', keys: ['shift+tab'], scope: 'form', description: 'Previous field', run: (act) => stepField(act, -1) },
  { id: 'field-enter', keys: ['enter'], scope: 'form', description: 'Send on the Send button, add a row on "+ add property", a line break at the cursor in the payload, else next field', run: fieldEnter },
  { id: 'leave-form', keys: ['esc'], scope: 'form', description: 'Leave the form (the single-letter keys work again); alt+1, alt+2, alt+3 leave it for that pane', hint: 'leave', run: (act) => focus(act, undefined) },
  { id: 'add-property', keys: ['ctrl+n'], scope: 'form', description: 'Add a custom property row (key=value)', hint: '+prop', run: addProperty },
  { id: 'remove-property', keys: ['ctrl+d'], scope: 'form', description: 'Remove the focused property row', hint: '-prop', run: removeProperty },
  { id: 'recall', keys: ['ctrl+r'], scope: 'form', description: RECALL, hint: 'recall', run: recall },
  { id: 'stop-repeat', keys: ['ctrl+x'], scope: 'form', description: 'Stop a repeated send', needs: [REPEAT_RUNNING], run: (act) => act.sender.stop() },
  { id: 'cursor-left', keys: ['left'], scope: 'form', description: 'Cursor one character left (on Ack: the previous choice)', run: (act) => sideways(act, -1) },
  { id: 'cursor-right', keys: ['right'], scope: 'form', description: 'Cursor one character right, in the payload on to the next line (on Ack: the next choice)', run: (act) => sideways(act, 1) },
  { id: 'cursor-up', keys: ['up'], scope: 'form', description: 'In the payload: the line above, in the same column where it is long enough', run: (act) => upDown(act, 'up') },
  { id: 'cursor-down', keys: ['down'], scope: 'form', description: 'In the payload: the line below, in the same column where it is long enough', run: (act) => upDown(act, 'down') },
  { id: 'line-start', keys: ['home', 'ctrl+a'], scope: 'form', description: 'Cursor to the start of the line', run: (act) => edit(act, { kind: 'line-start' }) },
  { id: 'line-end', keys: ['end', 'ctrl+e'], scope: 'form', description: 'Cursor to the end of the line', run: (act) => edit(act, { kind: 'line-end' }) },
  { id: 'delete-back', keys: ['backspace'], scope: 'form', description: 'Delete the character before the cursor', run: (act) => edit(act, { kind: 'delete-back' }) },
  { id: 'delete-forward', keys: ['delete'], scope: 'form', description: 'Delete the character at the cursor', run: (act) => edit(act, { kind: 'delete-forward' }) },
  { id: 'clear-field', keys: ['ctrl+u'], scope: 'form', description: 'Clear the focused field (the whole payload, however long)', hint: 'clear', run: (act) => edit(act, { kind: 'clear' }) },
  { id: 'delete-to-end', keys: ['ctrl+k'], scope: 'form', description: 'Delete from the cursor to the end of the line', run: (act) => edit(act, { kind: 'delete-to-end' }) },
  {
    id: 'payload-file',
    keys: ['ctrl+o'],
    scope: 'form',
    description: 'Load the payload from a file (asks for its path; relative to the working directory)',
    hint: 'file',
    run: (act) => openPrompt(act, 'payload-file'),
  },
  {
    id: 'choice-next',
    keys: ['space'],
    scope: 'form',
    description: 'On Ack: the next choice (in a text field it types a space)',
    run: (act) => act.state.send.focus === 'ack' && sideways(act, 1),
  },
];
