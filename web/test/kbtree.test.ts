// The knowledge category tree (src/pages/knowledge/tree.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTree, categoryPath, flatten } from '../src/pages/knowledge/tree.js';

const cats = [
  { id: 1, parent_id: null, name: 'Zähler', position: 1 },
  { id: 2, parent_id: null, name: 'Abrechnung', position: 0 },
  { id: 3, parent_id: 2, name: 'Raten', position: 0 },
  { id: 4, parent_id: 2, name: 'Abschläge', position: 0 },
  { id: 5, parent_id: 4, name: 'Erhöhung', position: 0 },
];

test('siblings by position, then name; children nested with their depth', () => {
  const flat = flatten(buildTree(cats)).map((n) => `${'-'.repeat(n.depth)}${n.category.name}`);
  assert.deepEqual(flat, ['Abrechnung', '-Abschläge', '--Erhöhung', '-Raten', 'Zähler']);
});

test('a category path names its ancestors', () => {
  assert.equal(categoryPath(cats, 5), 'Abrechnung › Abschläge › Erhöhung');
  assert.equal(categoryPath(cats, 1), 'Zähler');
  assert.equal(categoryPath(cats, 99), '');
  assert.equal(categoryPath(cats, null), '');
});
