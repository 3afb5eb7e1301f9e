// The knowledge history's side-by-side diff rows (src/components/diffRows.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRows } from '../src/components/diffRows.js';

const text = (pieces: { text: string; changed: boolean }[] | null) => (pieces ? pieces.map((p) => p.text).join('') : null);
const marked = (pieces: { text: string; changed: boolean }[] | null) => (pieces ?? []).filter((p) => p.changed).map((p) => p.text.trim()).join(' ');

test('unchanged lines stand on both sides', () => {
  const rows = diffRows('a\nb\n', 'a\nb\n');
  assert.deepEqual(rows.map((r) => r.kind), ['same', 'same']);
  assert.equal(text(rows[1].left), 'b');
  assert.equal(text(rows[1].right), 'b');
});

test('a changed line is paired and its changed words are marked', () => {
  const rows = diffRows('Titel\nDer Abschlag ist monatlich fällig.\nEnde', 'Titel\nDer Abschlag ist vierteljährlich fällig.\nEnde');
  assert.deepEqual(rows.map((r) => r.kind), ['same', 'changed', 'same']);
  assert.equal(text(rows[1].left), 'Der Abschlag ist monatlich fällig.');
  assert.equal(text(rows[1].right), 'Der Abschlag ist vierteljährlich fällig.');
  assert.equal(marked(rows[1].left), 'monatlich');
  assert.equal(marked(rows[1].right), 'vierteljährlich');
});

test('added and removed lines leave the other side empty', () => {
  const rows = diffRows('eins\nzwei\n', 'eins\ndrei\nvier\n');
  assert.deepEqual(rows.map((r) => r.kind), ['same', 'changed', 'added']);
  assert.equal(rows[2].left, null);
  assert.equal(text(rows[2].right), 'vier');
  const gone = diffRows('eins\nzwei\n', 'eins\n');
  assert.deepEqual(gone.map((r) => r.kind), ['same', 'removed']);
  assert.equal(gone[1].right, null);
});
