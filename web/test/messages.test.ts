// Plurals and placeholders of messages (src/i18n/messages.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMessage } from '../src/i18n/messages.js';

const updated = { one: '{n} Fall aktualisiert.', other: '{n} Fälle aktualisiert.' };
const updatedEn = { one: '{n} case updated.', other: '{n} cases updated.' };

test('plural forms follow Intl.PluralRules on {n}', () => {
  assert.equal(formatMessage('de', updated, { n: 1 }), '1 Fall aktualisiert.');
  assert.equal(formatMessage('de', updated, { n: 2 }), '2 Fälle aktualisiert.');
  assert.equal(formatMessage('de', updated, { n: 0 }), '0 Fälle aktualisiert.');
  assert.equal(formatMessage('en', updatedEn, { n: 1 }), '1 case updated.');
  assert.equal(formatMessage('en', updatedEn, { n: 3 }), '3 cases updated.');
});

test('numbers in placeholders are formatted for the language', () => {
  assert.equal(formatMessage('de', updated, { n: 1234 }), '1.234 Fälle aktualisiert.');
  assert.equal(formatMessage('en', updatedEn, { n: 1234 }), '1,234 cases updated.');
  assert.equal(formatMessage('de', 'Fall {ref}: {n} von {total}', { ref: 'ACME-1234', n: 1, total: 2500 }), 'Fall ACME-1234: 1 von 2.500');
});

test('unknown placeholders stay; no vars leaves the text', () => {
  assert.equal(formatMessage('en', 'Hello {name}', {}), 'Hello {name}');
  assert.equal(formatMessage('en', 'Hello {name}'), 'Hello {name}');
  assert.equal(formatMessage('en', updatedEn), '{n} cases updated.');
});
