// The course editor's helpers (src/pages/trainingEdit.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { articleQuery, moved } from '../src/pages/trainingEdit.js';

test('typed words become prefixes; search syntax stays as typed', () => {
  assert.equal(articleQuery('  Zähler  wechsel '), 'Zähler* wechsel*');
  assert.equal(articleQuery('"Abschlag erhöhen" tag:strom abs*'), '"Abschlag erhöhen" tag:strom abs*');
  assert.equal(articleQuery('   '), '');
});

test('moving keeps every item and stays inside the list', () => {
  assert.deepEqual(moved([1, 2, 3], 0, 1), [2, 1, 3]);
  assert.deepEqual(moved([1, 2, 3], 2, -1), [1, 3, 2]);
  assert.deepEqual(moved([1, 2, 3], 0, -1), [1, 2, 3]);
  assert.deepEqual(moved([1, 2, 3], 2, 1), [1, 2, 3]);
});
