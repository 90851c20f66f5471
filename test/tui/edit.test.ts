/** Text edited at a cursor (src/tui/state/edit.ts): code points, lines, the column ↑/↓ keep. */
import { describe, expect, it } from 'vitest';
import { applyEdit, clampCursor, cursorLine } from '../../src/tui/state/edit.js';
import type { EditOp, Editing } from '../../src/tui/state/edit.js';

/** Applies moves and deletions one after another. */
function run(start: Editing, ...kinds: Array<Exclude<EditOp, { kind: 'insert' }>['kind']>): Editing {
  return kinds.reduce<Editing>((e, kind) => applyEdit(e, { kind }), start);
}

describe('editing at a cursor', () => {
  it('inserts and deletes at the cursor; nothing happens past either end', () => {
    expect(applyEdit({ text: 'acd', cursor: 1 }, { kind: 'insert', text: 'b' })).toEqual({ text: 'abcd', cursor: 2 });
    expect(run({ text: 'abcd', cursor: 2 }, 'delete-back')).toEqual({ text: 'acd', cursor: 1 });
    expect(run({ text: 'abcd', cursor: 2 }, 'delete-forward')).toEqual({ text: 'abd', cursor: 2 });
    expect(run({ text: 'ab', cursor: 0 }, 'delete-back', 'left')).toEqual({ text: 'ab', cursor: 0 });
    expect(run({ text: 'ab', cursor: 2 }, 'delete-forward', 'right')).toEqual({ text: 'ab', cursor: 2 });
  });

  it('steps over a surrogate pair as one character, and a cursor inside one moves to its start', () => {
    const text = 'a😀b';
    expect(run({ text, cursor: 3 }, 'left')).toEqual({ text, cursor: 1 });
    expect(run({ text, cursor: 1 }, 'right')).toEqual({ text, cursor: 3 });
    expect(run({ text, cursor: 3 }, 'delete-back')).toEqual({ text: 'ab', cursor: 1 });
    expect(run({ text, cursor: 1 }, 'delete-forward')).toEqual({ text: 'ab', cursor: 1 });
    expect(clampCursor(text, 2)).toBe(1);
    expect(applyEdit({ text, cursor: 2 }, { kind: 'insert', text: 'x' })).toEqual({ text: 'ax😀b', cursor: 2 });
  });

  it('home and end keep to the line; ↑/↓ keep the column they started from through shorter lines', () => {
    const text = 'abcdef\nab\nabcdef';
    expect(run({ text, cursor: 9 }, 'line-start').cursor).toBe(7);
    expect(run({ text, cursor: 8 }, 'line-end').cursor).toBe(9);
    const up = run({ text, cursor: 15 }, 'up');
    expect(up).toEqual({ text, cursor: 9, goal: 5 });
    expect(run(up, 'up')).toEqual({ text, cursor: 5, goal: 5 });
    expect(run(up, 'up', 'down', 'down').cursor).toBe(15);
    // Any other move forgets the column; at the first and last line ↑/↓ stay.
    expect(run(up, 'left').goal).toBeUndefined();
    expect(run({ text, cursor: 2 }, 'up').cursor).toBe(2);
    expect(run({ text, cursor: 12 }, 'down').cursor).toBe(12);
    // The column counts characters, not UTF-16 units.
    expect(run({ text: '😀😀x\nabc', cursor: 9 }, 'up').cursor).toBe(5);
    expect(cursorLine(text, 12)).toEqual({ line: 2, offset: 2 });
  });
});
