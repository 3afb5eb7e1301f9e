// Browser test of the distribution between own team and provider (issue 15)
// against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/distribution.test.mjs
//
// Acme's client admin moves the topic "Vertrag" of the ACME project to the
// provider's Team Basic in the distribution editor, moving the unassigned
// open cases, while Anna (Acme's own team) has her team's queue open and
// Mehmet (provider, Team Basic) the project's case list. The waiting
// Vertrag case leaves Anna's queue and reaches Mehmet's list live; the next
// Vertrag case goes to Mehmet only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ADMIN = 'kadmin@acme-energie.example';
const ANNA = 'anna.schmidt@acme-energie.example';
const BASIC = 'basic.agent@zezaro.example';
const PROJECT_KEY = 'ACME';

const env = realServer();

const login = (email, options) => signIn(env, email, options);

/** A JSON API call with the page's session (and its CSRF token). */
async function call(context, method, path, body) {
  const me = await (await context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await context.request.fetch(`${env.baseUrl}/api/v1${path}`, {
    method,
    data: body,
    headers: { 'X-CSRF-Token': me.csrf_token ?? '' },
  });
  const text = await res.text();
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The case list of the ACME project, in the view `view`. */
async function caseList(who, view) {
  const switcher = who.page.getByTestId('project-switch');
  const value = await switcher.locator('option', { hasText: `${PROJECT_KEY} ·` }).first().getAttribute('value');
  await switcher.selectOption(value);
  await who.page.getByTestId('nav-cases').click();
  await who.page.getByTestId('cases-page').waitFor();
  await who.page.getByTestId(view).click();
  await who.page.getByTestId('case-table').waitFor();
  await who.page.evaluate(() => {
    window.__noReload = true;
  });
  return Number(value);
}

async function failureArtifacts(name, pages) {
  mkdirSync(outDir, { recursive: true });
  for (const [i, p] of pages.entries()) {
    if (!p) continue;
    await p.page.screenshot({ path: join(outDir, `${name}-${i}.png`), fullPage: true }).catch(() => {});
    if (p.problems.length) console.error(`browser ${i} problems:\n` + p.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-4000));
}

test('the client admin moves a topic to the provider while both teams have their lists open', { timeout: 240_000 }, async () => {
  let admin;
  let anna;
  let basic;
  const tag = Date.now().toString(36);
  const waiting = `Vertragsübernahme ${tag}`;
  const next = `Vertragskündigung ${tag}`;
  try {
    admin = await login(ADMIN);
    anna = await login(ANNA);
    basic = await login(BASIC);
    const acme = await caseList(anna, 'view-team-client');
    await caseList(basic, 'view-all');
    const topics = await call(anna.context, 'GET', `/projects/${acme}/topics`);
    const vertrag = topics.items.find((x) => x.name === 'Vertrag');
    assert.ok(vertrag, 'topic Vertrag');

    // A Vertrag case waits in the own team's queue, unassigned.
    await call(anna.context, 'POST', '/cases', {
      project_id: acme,
      subject: waiting,
      channel: 'email',
      topic_id: vertrag.id,
      handling_team: 'client',
      message: { kind: 'inbound', body_text: 'Ich möchte den Vertrag meiner Mutter übernehmen.' },
    });
    await anna.page.getByTestId('case-row').filter({ hasText: waiting }).waitFor();

    // The admin: Vertrag → Team Basic, moving the unassigned open cases.
    await admin.page.getByTestId('nav-distribution').click();
    await admin.page.getByTestId('distribution-page').waitFor();
    await admin.page.getByTestId('dist-project').selectOption(String(acme));
    await admin.page.getByTestId('dist-version').waitFor();
    await admin.page.getByTestId('dist-add-entry').click();
    const row = admin.page.getByTestId('dist-entry').last();
    await row.getByTestId('dist-entry-topic').selectOption(String(vertrag.id));
    await row.getByTestId('dist-entry-team').selectOption('provider-basic');
    await admin.page.getByTestId('dist-choice-move-unassigned').check();
    await admin.page.getByTestId('dist-save').click();
    await admin.page.getByTestId('dist-saved').waitFor();
    assert.match(await admin.page.getByTestId('dist-versions').innerText(), /Version 1/);

    // Live: the waiting case leaves Anna's queue and reaches Mehmet.
    await basic.page.getByTestId('case-row').filter({ hasText: waiting }).waitFor();
    await anna.page.getByTestId('case-row').filter({ hasText: waiting }).waitFor({ state: 'detached' });

    // The next Vertrag case: Mehmet sees it arrive, Anna's queue does not.
    await call(anna.context, 'POST', '/cases', {
      project_id: acme,
      subject: next,
      channel: 'email',
      topic_id: vertrag.id,
      message: { kind: 'inbound', body_text: 'Bitte kündigen Sie meinen Vertrag zum Monatsende.' },
    });
    await basic.page.getByTestId('case-row').filter({ hasText: next }).waitFor();
    await anna.page.waitForTimeout(1500);
    assert.equal(await anna.page.getByTestId('case-row').filter({ hasText: next }).count(), 0);
    for (const who of [anna, basic]) {
      assert.equal(await who.page.evaluate(() => window.__noReload), true, 'no reload');
    }

    // The list and the case screen name the provider team.
    const moved = basic.page.getByTestId('case-row').filter({ hasText: waiting });
    assert.match(await moved.getByTestId('case-provider-team').innerText(), /Team Basic/);
    await moved.getByText(waiting).click();
    await basic.page.getByTestId('case-handling').waitFor();
    assert.equal(await basic.page.getByTestId('case-handling').inputValue(), 'provider-basic');

    // The admin removes the plan, after a confirmation: back to "no plan".
    await admin.page.getByTestId('dist-remove-plan').click();
    await admin.page.getByTestId('confirm').getByTestId('submit').click();
    await admin.page.getByTestId('dist-removed').waitFor();
    await admin.page.getByTestId('dist-remove-plan').waitFor({ state: 'detached' });
    // The version history is read apart from the plan: it goes with its
    // own answer, which can come after the plan's.
    await admin.page.getByTestId('dist-versions').waitFor({ state: 'detached' });
    assert.equal(await admin.page.getByTestId('dist-versions').count(), 0);
    for (const p of [admin, anna, basic]) assert.deepEqual(p.problems, []);
  } catch (err) {
    await failureArtifacts('distribution', [admin, anna, basic]);
    throw err;
  } finally {
    for (const p of [admin, anna, basic]) await p?.context.close();
  }
});

test('the project lead reads the demo plan on a phone, in German', { timeout: 120_000 }, async () => {
  let lead;
  try {
    lead = await login('lead@zezaro.example', { viewport: { width: 390, height: 844 } });
    await lead.page.goto(env.baseUrl + '/admin/distribution');
    await lead.page.getByTestId('distribution-page').waitFor();
    const select = lead.page.getByTestId('dist-project');
    const gas = await select.locator('option', { hasText: 'Gasvertrieb' }).getAttribute('value');
    await select.selectOption(gas);
    await lead.page.getByTestId('dist-entry').first().waitFor();
    // Read only: no editing controls, the demo's rows in German.
    assert.equal(await lead.page.getByTestId('dist-save').count(), 0);
    const table = await lead.page.getByTestId('dist-entries').innerText();
    assert.match(table, /Dienstleister – Team Pro/);
    assert.match(table, /Eigenes Team/);
    assert.match(await lead.page.getByTestId('dist-versions').innerText(), /Version 1/);
    const overflow = await lead.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
    assert.deepEqual(lead.problems, []);
  } catch (err) {
    await failureArtifacts('distribution-lead', [lead]);
    throw err;
  } finally {
    await lead?.context.close();
  }
});
