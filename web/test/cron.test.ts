// The cron shapes the UI words and the schedule picker writes (src/components/cron.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronFor, parseCron } from '../src/components/cron.js';

test('the common shapes are recognised', () => {
  assert.deepEqual(parseCron('0 30 3 * * *'), { kind: 'daily', hour: 3, minute: 30 });
  assert.deepEqual(parseCron('30 3 * * *'), { kind: 'daily', hour: 3, minute: 30 });
  assert.deepEqual(parseCron('0 0 7 * * MON'), { kind: 'weekly', day: 1, hour: 7, minute: 0 });
  assert.deepEqual(parseCron('0 0 7 * * 7'), { kind: 'weekly', day: 0, hour: 7, minute: 0 });
  assert.deepEqual(parseCron('0 */15 * * * *'), { kind: 'everyMinutes', n: 15 });
  assert.deepEqual(parseCron('0 * * * * *'), { kind: 'everyMinutes', n: 1 });
  assert.deepEqual(parseCron('0 17 * * * *'), { kind: 'hourly', minute: 17 });
  assert.deepEqual(parseCron('*/10 * * * * *'), { kind: 'everySeconds', n: 10 });
  assert.deepEqual(parseCron('* * * * * *'), { kind: 'everySeconds', n: 1 });
});

test('shapes it cannot word are custom', () => {
  for (const expr of ['0 30 3 1 * *', '0 0 9-17 * * MON-FRI', '15 30 3 * * *', 'nonsense', '0 0 25 * * *', '0 0 7 * * MON,TUE']) {
    assert.deepEqual(parseCron(expr), { kind: 'custom' }, expr);
  }
});

test('the picker writes what the parser reads back', () => {
  const shapes = [
    { kind: 'everyMinutes', n: 5 },
    { kind: 'everyMinutes', n: 1 },
    { kind: 'hourly', minute: 45 },
    { kind: 'daily', hour: 23, minute: 5 },
    { kind: 'weekly', day: 3, hour: 8, minute: 0 },
  ] as const;
  for (const shape of shapes) {
    const expr = cronFor(shape);
    assert.ok(expr, JSON.stringify(shape));
    assert.deepEqual(parseCron(expr), shape, expr);
  }
  assert.equal(cronFor({ kind: 'daily', hour: 3, minute: 30 }), '0 30 3 * * *');
  assert.equal(cronFor({ kind: 'custom' }), null);
});
