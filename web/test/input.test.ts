// The locale input's parsing and formatting (src/i18n/input.ts): German and
// English, whatever the machine's locale.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDateInput,
  formatDateTimeInput,
  formatInput,
  formatNumberInput,
  formatTimeInput,
  parseDateInput,
  parseDateTimeInput,
  parseInput,
  parseNumberInput,
  parseTimeInput,
} from '../src/i18n/input.js';

test('numbers: German writes 1.234,5, English 1,234.5', () => {
  assert.equal(formatNumberInput(1234.5, 'de'), '1.234,5');
  assert.equal(formatNumberInput(1234.5, 'en'), '1,234.5');
  assert.equal(formatNumberInput(65535, 'de', { grouping: false }), '65535');
  assert.equal(formatNumberInput(null, 'de'), '');
});

test('numbers: German reads 1.234,50 and 1234,5; English 1,234.50 and 1234.5', () => {
  assert.deepEqual(parseNumberInput('1.234,50', 'de', false), { ok: true, value: 1234.5 });
  assert.deepEqual(parseNumberInput(' 1234,5 ', 'de', false), { ok: true, value: 1234.5 });
  assert.deepEqual(parseNumberInput('-3', 'de', false), { ok: true, value: -3 });
  assert.deepEqual(parseNumberInput('1,234.50', 'en', false), { ok: true, value: 1234.5 });
  assert.deepEqual(parseNumberInput('1234.5', 'en', false), { ok: true, value: 1234.5 });
  assert.deepEqual(parseNumberInput('1.234', 'de', true), { ok: true, value: 1234 });
  assert.deepEqual(parseNumberInput('', 'de', false), { ok: true, value: null });
});

test('numbers: the other language\'s way, stray groups and letters are refused with an example', () => {
  assert.deepEqual(parseNumberInput('1.5', 'de', false), { ok: false, error: { code: 'invalid', example: '1.234,5' } });
  assert.deepEqual(parseNumberInput('1,5', 'en', false), { ok: false, error: { code: 'invalid', example: '1,234.5' } });
  assert.deepEqual(parseNumberInput('12a', 'en', false), { ok: false, error: { code: 'invalid', example: '1,234.5' } });
  assert.deepEqual(parseNumberInput('1,5', 'de', true), { ok: false, error: { code: 'invalid', example: '1.234' } });
  assert.deepEqual(parseNumberInput('', 'de', false, { required: true }), { ok: false, error: { code: 'required' } });
});

test('numbers: limits, named in the language', () => {
  assert.deepEqual(parseNumberInput('0', 'de', true, { min: 1, max: 1200 }), { ok: false, error: { code: 'min', limit: '1' } });
  assert.deepEqual(parseNumberInput('1201', 'de', true, { min: 1, max: 1200 }), { ok: false, error: { code: 'max', limit: '1.200' } });
  assert.deepEqual(parseNumberInput('1201', 'en', true, { min: 1, max: 1200 }), { ok: false, error: { code: 'max', limit: '1,200' } });
  assert.deepEqual(parseNumberInput('24', 'en', true, { min: 0, max: 24 }), { ok: true, value: 24 });
});

test('dates: German 03.12.2026, English 12/03/2026', () => {
  assert.equal(formatDateInput('2026-12-03', 'de'), '03.12.2026');
  assert.equal(formatDateInput('2026-12-03', 'en'), '12/03/2026');
  assert.deepEqual(parseDateInput('03.12.2026', 'de'), { ok: true, value: '2026-12-03' });
  assert.deepEqual(parseDateInput('3.12.2026', 'de'), { ok: true, value: '2026-12-03' });
  assert.deepEqual(parseDateInput('12/03/2026', 'en'), { ok: true, value: '2026-12-03' });
  assert.deepEqual(parseDateInput('', 'en'), { ok: true, value: null });
});

test('dates: impossible or foreign-format dates are refused with an example', () => {
  assert.deepEqual(parseDateInput('31.02.2026', 'de'), { ok: false, error: { code: 'invalid', example: '03.12.2026' } });
  assert.deepEqual(parseDateInput('12/03/2026', 'de'), { ok: false, error: { code: 'invalid', example: '03.12.2026' } });
  assert.deepEqual(parseDateInput('03.12.2026', 'en'), { ok: false, error: { code: 'invalid', example: '12/03/2026' } });
  assert.deepEqual(parseDateInput('03.12.26', 'de'), { ok: false, error: { code: 'invalid', example: '03.12.2026' } });
  assert.deepEqual(parseDateInput('', 'de', true), { ok: false, error: { code: 'required' } });
});

test('times: 24 hours in German, 12 in English; both read 14:30', () => {
  assert.equal(formatTimeInput('14:30', 'de'), '14:30');
  assert.equal(formatTimeInput('14:30', 'en'), '2:30 PM');
  assert.equal(formatTimeInput('00:05', 'en'), '12:05 AM');
  assert.deepEqual(parseTimeInput('14:30', 'de'), { ok: true, value: '14:30' });
  assert.deepEqual(parseTimeInput('2:30 pm', 'en'), { ok: true, value: '14:30' });
  assert.deepEqual(parseTimeInput('12:05 AM', 'en'), { ok: true, value: '00:05' });
  assert.deepEqual(parseTimeInput('25:00', 'de'), { ok: false, error: { code: 'invalid', example: '14:30' } });
  assert.deepEqual(parseTimeInput('13:00 PM', 'en'), { ok: false, error: { code: 'invalid', example: '2:30 PM' } });
});

test('date and time: in the given zone, to and from a UTC instant', () => {
  assert.equal(formatDateTimeInput('2026-12-03T13:30:00Z', 'de', 'Europe/Berlin'), '03.12.2026 14:30');
  assert.equal(formatDateTimeInput('2026-12-03T13:30:00Z', 'en', 'Europe/Berlin'), '12/03/2026 2:30 PM');
  assert.deepEqual(parseDateTimeInput('03.12.2026 14:30', 'de', false, 'Europe/Berlin'), { ok: true, value: '2026-12-03T13:30:00.000Z' });
  // Summer time: two hours ahead of UTC.
  assert.deepEqual(parseDateTimeInput('01.07.2026 14:30', 'de', false, 'Europe/Berlin'), { ok: true, value: '2026-07-01T12:30:00.000Z' });
  assert.deepEqual(parseDateTimeInput('12/03/2026, 2:30 PM', 'en', false, 'UTC'), { ok: true, value: '2026-12-03T14:30:00.000Z' });
  assert.deepEqual(parseDateTimeInput('03.12.2026', 'de', false, 'UTC'), { ok: false, error: { code: 'invalid', example: '03.12.2026 14:30' } });
});

test('parseInput and formatInput round-trip every kind', () => {
  for (const locale of ['de', 'en']) {
    for (const [kind, value] of [
      ['number', 1234.5],
      ['integer', 65535],
      ['date', '2026-02-28'],
      ['time', '07:45'],
      ['datetime', '2026-03-29T01:30:00.000Z'],
    ] as const) {
      const text = formatInput(kind, value, locale, {}, 'Europe/Berlin');
      assert.deepEqual(parseInput(kind, text, locale, {}, 'Europe/Berlin'), { ok: true, value }, `${locale} ${kind} ${text}`);
    }
  }
});
