// The rule builder's model (src/pages/rules/ruleModel.ts): the tree and
// its API form, operators and values per field kind, order moves, the
// schedule's days/hours/minutes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPS,
  addChild,
  businessDayMinutes,
  countLeaves,
  defaultValue,
  fromApi,
  incompleteLeaves,
  joinMinutes,
  moved,
  newId,
  removeNode,
  splitMinutes,
  toApi,
  updateNode,
  valueShape,
  type ApiNode,
} from '../src/pages/rules/ruleModel.js';

const tree: ApiNode = {
  all: [
    { field: 'subject', op: 'contains', value: 'Zählerstand' },
    { any: [{ field: 'priority', op: 'in', value: ['high', 'urgent'] }, { field: 'tags', op: 'is-empty' }] },
  ],
};

test('a tree goes to the editor and back unchanged', () => {
  assert.deepEqual(toApi(fromApi(tree)), tree);
  assert.equal(countLeaves(fromApi(tree)), 3);
});

test('a bare condition or nothing becomes an "all" group', () => {
  assert.deepEqual(toApi(fromApi({ field: 'status', op: 'is', value: 'new' })), { all: [{ field: 'status', op: 'is', value: 'new' }] });
  assert.deepEqual(toApi(fromApi(undefined)), { all: [] });
});

test('operators without a value send none', () => {
  const root = fromApi({ all: [{ field: 'tags', op: 'is-empty', value: 'left over' }] });
  assert.deepEqual(toApi(root), { all: [{ field: 'tags', op: 'is-empty' }] });
});

test('adding, changing and removing nodes leaves the rest alone', () => {
  let root = fromApi(tree);
  const group = { id: newId(), kind: 'group' as const, mode: 'any' as const, children: [] };
  root = addChild(root, root.id, group);
  root = addChild(root, group.id, { id: newId(), kind: 'leaf', field: 'channel', op: 'is', value: 'email' });
  assert.equal(countLeaves(root), 4);
  const leafId = root.children[0].id;
  root = updateNode(root, leafId, (n) => (n.kind === 'leaf' ? { ...n, value: 'Abschlag' } : n));
  assert.deepEqual((toApi(root) as { all: ApiNode[] }).all[0], { field: 'subject', op: 'contains', value: 'Abschlag' });
  root = removeNode(root, group.id);
  assert.equal(countLeaves(root), 3);
  assert.deepEqual(toApi(removeNode(root, leafId)), { all: [tree.all[1]] });
});

test('incomplete values are found, complete ones not', () => {
  const root = fromApi({
    all: [
      { field: 'subject', op: 'contains', value: '' },
      { field: 'priority', op: 'in', value: [] },
      { field: 'business_hours', op: 'is-open', value: null },
      { field: 'tags', op: 'is-set' },
      { field: 'status', op: 'is', value: 'new' },
    ],
  });
  assert.deepEqual(
    incompleteLeaves(root).map((l) => l.field),
    ['subject', 'priority', 'business_hours'],
  );
});

test('operators fit the field kind; values follow the operator', () => {
  assert.deepEqual(OPS.hours, ['is-open', 'is-closed']);
  assert.deepEqual(OPS.fulltext, ['contains', 'not-contains', 'matches']);
  assert.ok(!OPS.date.includes('contains'));
  assert.equal(valueShape('in'), 'list');
  assert.equal(valueShape('changed'), 'none');
  assert.equal(valueShape('is-closed'), 'calendar');
  assert.deepEqual(defaultValue('priority', 'in', 'high'), ['high']);
  assert.equal(defaultValue('priority', 'is', ['urgent', 'high']), 'urgent');
  assert.equal(defaultValue('status', 'is'), 'new');
  assert.equal(defaultValue('number', 'gt'), null);
  assert.equal(defaultValue('string', 'is-set', 'x'), null);
});

test('moving a rule up or down, not past the ends', () => {
  assert.deepEqual(moved(['a', 'b', 'c'], 1, -1), ['b', 'a', 'c']);
  assert.deepEqual(moved(['a', 'b', 'c'], 1, 1), ['a', 'c', 'b']);
  const same = ['a', 'b'];
  assert.equal(moved(same, 0, -1), same);
  assert.equal(moved(same, 1, 1), same);
});

test('a business day is the common opening length of the calendar', () => {
  const weekdays = [0, 1, 2, 3, 4].map((weekday) => ({ weekday, start: '08:00', end: '17:00' }));
  assert.equal(businessDayMinutes(weekdays), 540);
  // A split Monday (8–12, 13–17 = 480) and a short Saturday do not change the common day.
  assert.equal(businessDayMinutes([...weekdays.slice(1), { weekday: 0, start: '08:00', end: '12:00' }, { weekday: 0, start: '13:00', end: '17:00' }, { weekday: 5, start: '09:00', end: '12:00' }]), 540);
  assert.equal(businessDayMinutes([]), 1440);
});

test('days, hours and minutes to minutes and back', () => {
  assert.equal(joinMinutes({ days: 3, hours: 0, minutes: 0 }, 540), 1620);
  assert.deepEqual(splitMinutes(1620, 540), { days: 3, hours: 0, minutes: 0 });
  assert.deepEqual(splitMinutes(1500, 1440), { days: 1, hours: 1, minutes: 0 });
  assert.deepEqual(splitMinutes(605, 540), { days: 1, hours: 1, minutes: 5 });
  assert.equal(joinMinutes(splitMinutes(4321, 510), 510), 4321);
});
