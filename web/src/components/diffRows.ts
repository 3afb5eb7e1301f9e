// Two versions' texts as the rows of a side-by-side diff, computed by the
// `diff` library (jsdiff): lines first, then the words inside a changed line.
// Pure (no DOM), so node's test runner checks it (test/kbdiff.test.ts).
// Shared by the knowledge history and the text modules' history.

import { diffLines, diffWordsWithSpace } from 'diff';

/** A piece of a line: unchanged, or removed (left) / added (right). */
export interface Piece {
  text: string;
  changed: boolean;
}

/** One row: the left (older) and the right (newer) line; `null`: no line on that side. */
export interface Row {
  left: Piece[] | null;
  right: Piece[] | null;
  kind: 'same' | 'changed' | 'removed' | 'added';
}

function lines(value: string): string[] {
  const out = value.split('\n');
  if (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/** The words of a changed line pair, marked on each side. */
function words(a: string, b: string): { left: Piece[]; right: Piece[] } {
  const left: Piece[] = [];
  const right: Piece[] = [];
  for (const c of diffWordsWithSpace(a, b)) {
    if (!c.added) left.push({ text: c.value, changed: !!c.removed });
    if (!c.removed) right.push({ text: c.value, changed: !!c.added });
  }
  return { left, right };
}

export function diffRows(older: string, newer: string): Row[] {
  const rows: Row[] = [];
  const changes = diffLines(older, newer);
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    if (!c.added && !c.removed) {
      for (const l of lines(c.value)) rows.push({ left: [{ text: l, changed: false }], right: [{ text: l, changed: false }], kind: 'same' });
      continue;
    }
    // A removal followed by an addition: pair the lines, mark the words.
    const removed = c.removed ? lines(c.value) : [];
    const next = c.removed ? changes[i + 1] : undefined;
    const added = c.added ? lines(c.value) : next?.added ? lines(next.value) : [];
    if (next?.added) i++;
    const n = Math.max(removed.length, added.length);
    for (let j = 0; j < n; j++) {
      const a = removed[j];
      const b = added[j];
      if (a !== undefined && b !== undefined) rows.push({ ...words(a, b), kind: 'changed' });
      else if (a !== undefined) rows.push({ left: [{ text: a, changed: true }], right: null, kind: 'removed' });
      else if (b !== undefined) rows.push({ left: null, right: [{ text: b, changed: true }], kind: 'added' });
    }
  }
  return rows;
}
