// Browser test of the demo data (issue 17, point 13): each project's cases
// and topics come from its client's own business. The project lead works
// for the energy supplier (electricity, gas sales) and the mail-order house;
// the telecoms provider's router faults appear in none of their lists.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/demo-data.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realServer, signIn, failureArtifacts } from './harness.mjs';

const env = realServer();

const PROJECTS = [
  { key: 'ACME', shows: ['Abschlagszahlung zu hoch?', 'Stromausfall in der Goethestraße'], topics: ['Zählerstand', 'Störung'] },
  { key: 'ACMEGAS', shows: ['Angebot für Gastarif Fix 24', 'Preisgarantie bis wann?'], topics: ['Angebot', 'Tarifwechsel'] },
  { key: 'NORD', shows: ['Lieferung nicht angekommen', 'Retourenschein fehlt'], topics: ['Retoure', 'Reklamation'] },
];
// What belongs to other businesses: a router fault, a parcel in an energy
// project, a meter reading at the mail-order house.
const FOREIGN = { ACME: ['Router', 'Lieferung', 'Paket'], ACMEGAS: ['Router', 'Lieferung', 'Paket'], NORD: ['Router', 'Zählerstand', 'Abschlag'] };

test('each demo project shows cases and topics of its own business (de)', { timeout: 120_000 }, async () => {
  let lead;
  try {
    lead = await signIn(env, 'lead@zezaro.example');
    const { page } = lead;
    for (const project of PROJECTS) {
      const switcher = page.getByTestId('project-switch');
      const value = await switcher.locator('option', { hasText: `${project.key} ·` }).first().getAttribute('value');
      await switcher.selectOption(value);
      await page.getByTestId('nav-cases').click();
      await page.getByTestId('cases-page').waitFor();
      await page.getByTestId('view-all').click();
      await page.getByTestId('case-table').waitFor();
      for (const subject of project.shows) {
        await page.getByTestId('case-subject-cell').filter({ hasText: subject }).first().waitFor();
      }
      const subjects = await page.getByTestId('case-subject-cell').allInnerTexts();
      for (const word of FOREIGN[project.key]) {
        assert.ok(!subjects.some((s) => s.includes(word)), `${project.key}: no "${word}" among ${JSON.stringify(subjects)}`);
      }
      // The topic views in the sidebar are the project's own.
      await page.locator('[data-testid^="view-topic-"]').first().waitFor();
      const topics = await page.locator('[data-testid^="view-topic-"]').allInnerTexts();
      for (const topic of project.topics) {
        assert.ok(topics.some((t) => t.includes(topic)), `${project.key}: topic ${topic} in ${JSON.stringify(topics)}`);
      }
      assert.ok(!topics.some((t) => t.includes(project.key === 'NORD' ? 'Zählerstand' : 'Retoure')), `${project.key}: ${JSON.stringify(topics)}`);
    }
    assert.deepEqual(lead.problems, []);
  } catch (err) {
    await failureArtifacts('demo-data', lead);
    throw err;
  } finally {
    await lead?.context.close();
  }
});
