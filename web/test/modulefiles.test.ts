// Files of text modules in a reply draft (src/pages/case/moduleFiles.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { originOf, staleModules, stillInDraft, type Insertion } from '../src/pages/case/moduleFiles.js';

const preis: Insertion = { moduleId: 1, shortcut: 'preis', text: 'Hallo Erika,\n\nanbei das Preisblatt.\nViele Grüße', fileIds: [10] };
const agb: Insertion = { moduleId: 2, shortcut: 'agb', text: 'Unsere AGB finden Sie im Anhang.', fileIds: [11, 10] };

test('a module is in the draft while one of its lines is', () => {
  assert.equal(stillInDraft('Hallo Erika,\n\nanbei das Preisblatt.\nViele Grüße', preis), true);
  assert.equal(stillInDraft('Guten Tag Frau Muster,\nanbei das Preisblatt.', preis), true, 'greeting edited, the rest kept');
  assert.equal(stillInDraft('Ganz anderer Text', preis), false);
  assert.equal(stillInDraft('', preis), false);
});

test('no warning while the text is there', () => {
  assert.deepEqual(staleModules(preis.text, [preis], [10]), []);
});

test('the text removed, its file still attached: named once', () => {
  assert.deepEqual(staleModules('Neu geschrieben.', [preis, preis], [10]), [{ moduleId: 1, shortcut: 'preis', fileIds: [10] }]);
});

test('the file removed by the agent: nothing to say', () => {
  assert.deepEqual(staleModules('Neu geschrieben.', [preis], []), []);
});

test('a file another module in the draft also attached stays unnamed', () => {
  const draft = 'Unsere AGB finden Sie im Anhang.';
  assert.deepEqual(staleModules(draft, [preis, agb], [10, 11]), []);
  assert.deepEqual(staleModules('', [preis, agb], [10, 11]).map((s) => [s.shortcut, s.fileIds]), [
    ['preis', [10]],
    ['agb', [11, 10]],
  ]);
});

test('one insertion of a module left in the draft keeps the module', () => {
  const again = { ...preis, text: 'Hallo Tom,\nanbei das Preisblatt.' };
  assert.deepEqual(staleModules('anbei das Preisblatt.', [preis, again], [10]), []);
});

test('kept on purpose: not named again', () => {
  assert.deepEqual(staleModules('', [preis], [10], [1]), []);
});

test('the origin of a file is the newest insertion naming it', () => {
  assert.equal(originOf(10, [preis, agb])?.shortcut, 'agb');
  assert.equal(originOf(11, [preis])?.shortcut, undefined);
});
