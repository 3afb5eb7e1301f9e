// The text-module picker's matching (src/components/fuzzy.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fold, fuzzyFilter, score, shortcutAtCaret } from '../src/components/fuzzy.js';

const modules = [
  { shortcut: 'abschlag', title: 'Abschlag anpassen' },
  { shortcut: 'danke', title: 'Dank für die Nachricht' },
  { shortcut: 'kuendigung', title: 'Kündigung bestätigen' },
  { shortcut: 'umzug', title: 'Umzug melden' },
  { shortcut: 'zaehlerstand', title: 'Zählerstand erhalten' },
];

test('folding: case, umlauts, ß', () => {
  assert.equal(fold('Zählerstand GROß'), 'zahlerstand gross');
});

test('German spellings folded as the server search folds them', () => {
  assert.equal(fold('Müller Mueller Muller'), 'muller muller muller');
  assert.equal(fold('Straße Strasse'), 'strasse strasse');
  assert.equal(fold('Goethe Göthe'), 'gothe gothe');
  // Not an umlaut: "ue" after q or a vowel.
  assert.equal(fold('Quelle Bauer neue'), 'quelle bauer neue');
  assert.equal(fuzzyFilter(modules, 'kü')[0].shortcut, 'kuendigung');
  assert.equal(fuzzyFilter(modules, 'zaehler')[0].shortcut, 'zaehlerstand');
  assert.equal(fuzzyFilter(modules, 'Kuendigung')[0].shortcut, 'kuendigung');
});

test('a shortcut prefix wins over letters in order', () => {
  assert.equal(fuzzyFilter(modules, 'ku')[0].shortcut, 'kuendigung');
  assert.equal(fuzzyFilter(modules, 'zs')[0].shortcut, 'zaehlerstand');
  assert.ok(score('ab', 'abschlag') > score('ab', 'xabschlag'));
  assert.ok(score('ab', 'x ab') > score('ab', 'xab'));
  assert.equal(score('zz', 'abc'), 0);
});

test('titles match too, umlauts folded', () => {
  assert.equal(fuzzyFilter(modules, 'zähler')[0].shortcut, 'zaehlerstand');
  assert.equal(fuzzyFilter(modules, 'bestät')[0].shortcut, 'kuendigung');
});

test('an empty query lists everything up to the limit', () => {
  assert.equal(fuzzyFilter(modules, '').length, 5);
  assert.equal(fuzzyFilter(modules, '', 2).length, 2);
});

test('the ::query before the caret', () => {
  assert.deepEqual(shortcutAtCaret('Hallo ::ab', 10), { query: 'ab', start: 6 });
  assert.deepEqual(shortcutAtCaret('::', 2), { query: '', start: 0 });
  assert.equal(shortcutAtCaret('Hallo::ab', 9), null);
  assert.equal(shortcutAtCaret('::ab cd', 7), null);
  assert.deepEqual(shortcutAtCaret('x\n::zä', 6), { query: 'zä', start: 2 });
});
