// Search snippets' match markers (src/components/snippet.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snippetParts, snippetText } from '../src/components/snippet.js';

test('matches between « and » become marked parts, the markers removed', () => {
  assert.deepEqual(snippetParts('…Frau «Müller» ruft wegen «Straße» an…'), [
    { text: '…Frau ', mark: false },
    { text: 'Müller', mark: true },
    { text: ' ruft wegen ', mark: false },
    { text: 'Straße', mark: true },
    { text: ' an…', mark: false },
  ]);
  assert.equal(snippetText('«Müller» und «Mueller»'), 'Müller und Mueller');
});

test('adjacent matches join; stray and unclosed markers leave no marker behind', () => {
  assert.deepEqual(snippetParts('«Hans» «Müller»'), [
    { text: 'Hans', mark: true },
    { text: ' ', mark: false },
    { text: 'Müller', mark: true },
  ]);
  assert.deepEqual(snippetParts('«a»«b»'), [{ text: 'ab', mark: true }]);
  assert.deepEqual(snippetParts('x » y'), [{ text: 'x  y', mark: false }]);
  assert.deepEqual(snippetParts('x «y'), [
    { text: 'x ', mark: false },
    { text: 'y', mark: true },
  ]);
  assert.deepEqual(snippetParts(''), []);
  for (const s of ['«a»', 'x » y', '«««', 'a«b»c»d']) {
    assert.ok(!snippetParts(s).some((p) => p.text.includes('«') || p.text.includes('»')), s);
  }
});

test('markup in the text stays text', () => {
  assert.deepEqual(snippetParts('<b>«x»</b>'), [
    { text: '<b>', mark: false },
    { text: 'x', mark: true },
    { text: '</b>', mark: false },
  ]);
});
