// Browser test of issue 17, point 9, on the set-up screens: SLA, rules,
// work instructions, webhooks, exports and teams offer only what the server
// allows, read from `can` in /me (per client and per project) and on each
// work instruction, against the real server:
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/permissions-setup.test.mjs
//
// The provider's project lead reads Acme's calendars and rules but changes
// none, and may not withdraw Acme's client-wide instruction; Acme's client
// admin changes all of it except the provider's teams; an agent sees none
// of these screens. What is no longer offered the server still refuses
// (403). German and English.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, failureArtifacts, realServer, signIn } from './harness.mjs';

const KADMIN = 'kadmin@acme-energie.example';
const LEAD = 'lead@zezaro.example';
const ANNA = 'anna.schmidt@acme-energie.example';

const env = realServer();

async function login(email, language) {
  const who = await signIn(env, email);
  await who.page.getByTestId('lang-switch').selectOption(language);
  await who.page.waitForFunction((l) => document.documentElement.lang === l, language);
  return who;
}

const call = (context, method, path, body) => apiCall(env, context, method, path, body);

async function json(context, path) {
  const res = await call(context, 'GET', path);
  assert.ok(res.ok(), `GET ${path}: ${res.status()}`);
  return res.json();
}

const languages = [
  { language: 'de', calendar: 'Kalender', edit: 'Bearbeiten', projectsLed: 'Projekte (mindestens eines, für das Sie Anweisungen schreiben dürfen)' },
  { language: 'en', calendar: 'Calendar', edit: 'Edit', projectsLed: 'Projects (at least one you may write instructions for)' },
];

for (const l of languages) {
  test(`a project lead reads the client's SLA, rules and instructions but is offered no change the server refuses (${l.language})`, async () => {
    let lead;
    try {
      lead = await login(LEAD, l.language);
      const { page, context } = lead;
      const me = await json(context, '/me');
      const acme = me.clients.find((c) => c.name.startsWith('Acme'));
      assert.ok(acme, 'the lead sees Acme');
      assert.equal(acme.can.manage_sla, false);
      assert.equal(acme.can.view_calendars, true);

      // The navigation: no webhooks, no exports.
      assert.equal(await page.getByTestId('nav-sla').count(), 1);
      assert.equal(await page.getByTestId('nav-rules').count(), 1);
      assert.equal(await page.getByTestId('nav-webhooks').count(), 0);
      assert.equal(await page.getByTestId('nav-exports').count(), 0);

      // SLA: calendars to read, nothing to create or change.
      await page.getByTestId('nav-sla').click();
      if (await page.getByTestId('sla-client').count()) await page.getByTestId('sla-client').selectOption(String(acme.id));
      const calendar = page.getByTestId('sla-calendar-row').first();
      await calendar.waitFor();
      assert.equal((await calendar.getByRole('button').innerText()).trim(), l.calendar);
      assert.equal(await page.getByTestId('sla-new-calendar').count(), 0);
      assert.equal(await page.getByTestId('sla-new-policy').count(), 0);
      // The electricity project has the demo's policies.
      const strom = me.projects.find((p) => p.key === 'ACME');
      assert.equal(strom.can.view_sla, true);
      await page.getByTestId('sla-project').selectOption(String(strom.id));
      await page.getByTestId('sla-policy-row').first().waitFor();
      assert.equal(await page.getByTestId('sla-policy-row').getByRole('button').count(), 0, 'no Edit on a policy');
      await calendar.getByRole('button').click();
      assert.equal(await page.getByTestId('sla-calendar-save').count(), 0, 'read-only calendar');
      const calendars = (await json(context, `/calendars?client_id=${acme.id}`)).items;
      assert.equal((await call(context, 'DELETE', `/calendars/${calendars[0].id}`)).status(), 403);

      // Rules: the list to read, no new, no reorder, no delete.
      await page.getByTestId('nav-rules').click();
      if (await page.getByTestId('rules-client').count()) await page.getByTestId('rules-client').selectOption(String(acme.id));
      await page.getByTestId('rules-table').waitFor();
      for (const id of ['rule-new', 'rule-delete', 'rule-up', 'rule-down']) assert.equal(await page.getByTestId(id).count(), 0, id);
      const rules = (await json(context, `/rules?client_id=${acme.id}`)).items;
      assert.ok(rules.length > 0);
      assert.equal((await call(context, 'DELETE', `/rules/${rules[0].id}`)).status(), 403);

      // Instructions: Acme's client-wide instruction is not the lead's to withdraw.
      await page.getByTestId('nav-instructions').click();
      if (await page.getByTestId('ins-client').count()) await page.getByTestId('ins-client').selectOption(String(acme.id));
      await page.getByTestId('ins-table').waitFor();
      const all = (await json(context, `/instructions?client_id=${acme.id}`)).items;
      const wide = all.find((i) => i.project_ids.length === 0 && i.state === 'published');
      assert.ok(wide, 'a client-wide instruction');
      assert.deepEqual(wide.can, { manage: false });
      // The form for a new one: only for projects the lead leads, at least one.
      const form = page.getByTestId('ins-form');
      await form.waitFor();
      assert.equal((await form.locator('legend').first().innerText()).trim(), l.projectsLed);
      assert.ok(await page.getByTestId('ins-publish').isDisabled(), 'no instruction for every project');
      await form.getByTestId('ins-project-ACME').check();
      assert.ok(await page.getByTestId('ins-publish').isEnabled(), 'one for a project the lead leads');
      await page.getByTestId('ins-open').filter({ hasText: wide.title }).click();
      await page.getByTestId('ins-detail').waitFor();
      for (const id of ['ins-withdraw', 'ins-delete', 'ins-edit']) assert.equal(await page.getByTestId(id).count(), 0, id);
      assert.equal(await page.getByTestId('ins-default-save').count(), 0, 'no client defaults');
      assert.equal((await call(context, 'POST', `/instructions/${wide.id}/withdraw`)).status(), 403);

      // Webhooks and exports: not offered, refused.
      assert.equal((await call(context, 'GET', `/webhooks?client_id=${acme.id}`)).status(), 403);
      assert.equal((await call(context, 'POST', `/clients/${acme.id}/exports`)).status(), 403);
      assert.deepEqual(lead.problems, []);
    } catch (e) {
      await failureArtifacts(`permissions-setup-lead-${l.language}`, lead);
      throw e;
    } finally {
      await lead?.context.close();
    }
  });

  test(`a client admin is offered the client's set-up, but not the provider's teams (${l.language})`, async () => {
    let admin;
    try {
      admin = await login(KADMIN, l.language);
      const { page, context } = admin;
      for (const id of ['nav-sla', 'nav-rules', 'nav-webhooks', 'nav-exports', 'nav-instructions', 'nav-teams']) {
        assert.equal(await page.getByTestId(id).count(), 1, id);
      }
      assert.equal(await page.getByTestId('nav-services').count(), 0);
      assert.equal(await page.getByTestId('nav-backups').count(), 0);

      await page.getByTestId('nav-sla').click();
      await page.getByTestId('sla-new-calendar').waitFor();
      assert.equal((await page.getByTestId('sla-calendar-row').first().getByRole('button').innerText()).trim(), l.edit);

      await page.getByTestId('nav-rules').click();
      await page.getByTestId('rules-table').waitFor();
      await page.getByTestId('rule-new').waitFor();
      assert.ok((await page.getByTestId('rule-delete').count()) > 0);

      await page.getByTestId('nav-webhooks').click();
      await page.getByTestId('webhook-new').waitFor();

      await page.getByTestId('nav-exports').click();
      await page.getByTestId('export-start').waitFor();
      assert.equal(await page.getByTestId('export-client').count(), 0, 'only the own client');

      await page.getByTestId('nav-instructions').click();
      await page.getByTestId('ins-open').first().click();
      await page.getByTestId('ins-detail').waitFor();
      assert.equal(await page.getByTestId('ins-delete').count(), 1);
      assert.equal(await page.getByTestId('ins-default-save').count(), 1);

      // Teams: the own team can be renamed, the provider's teams not.
      const teams = (await json(context, '/teams')).items;
      const own = teams.find((tm) => tm.kind === 'client');
      const provider = teams.find((tm) => tm.kind === 'provider');
      assert.ok(own && provider);
      await page.getByTestId('nav-teams').click();
      const rows = page.getByTestId('team-row');
      await rows.first().waitFor();
      assert.equal(await rows.filter({ hasText: own.name }).getByTestId('team-rename').count(), 1);
      assert.equal(await rows.filter({ hasText: provider.name }).getByRole('button').count(), 0, 'nothing on the provider’s team');
      assert.equal((await call(context, 'PATCH', `/teams/${provider.id}`, { name: `${provider.name} X` })).status(), 403);
      assert.deepEqual(admin.problems, []);
    } catch (e) {
      await failureArtifacts(`permissions-setup-admin-${l.language}`, admin);
      throw e;
    } finally {
      await admin?.context.close();
    }
  });
}

test('an agent is offered none of the set-up screens, and the server refuses them (de)', async () => {
  let anna;
  try {
    anna = await login(ANNA, 'de');
    const { page, context } = anna;
    for (const id of ['nav-sla', 'nav-rules', 'nav-webhooks', 'nav-exports', 'nav-instructions', 'nav-text-modules', 'nav-distribution', 'nav-routing', 'nav-teams']) {
      assert.equal(await page.getByTestId(id).count(), 0, id);
    }
    const me = await json(context, '/me');
    const acme = me.clients.find((c) => c.name.startsWith('Acme'));
    assert.ok(acme);
    assert.ok(Object.values(acme.can).every((v) => v === false), JSON.stringify(acme.can));
    assert.equal((await call(context, 'GET', `/calendars?client_id=${acme.id}`)).status(), 403);
    assert.equal((await call(context, 'GET', `/instructions?client_id=${acme.id}`)).status(), 403);
    assert.equal((await call(context, 'POST', `/clients/${acme.id}/exports`)).status(), 403);
    // A page the menu does not offer shows no form either.
    await page.goto(env.baseUrl + '/admin/rules');
    assert.equal(await page.getByTestId('rules-page').count(), 0);
    assert.deepEqual(anna.problems, []);
  } catch (e) {
    await failureArtifacts('permissions-setup-agent', anna);
    throw e;
  } finally {
    await anna?.context.close();
  }
});
