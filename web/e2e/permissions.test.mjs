// Browser test of issue 17, point 9: the UI offers only what the server
// allows, from the permissions the API exposes (each user's `can` in the
// user list, each project's `can` in /me), against the real server:
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/permissions.test.mjs
//
// Acme's client admin sees Edit/Deactivate/Send invitation on Acme's own agent, none on the
// provider's agent (whose change the server refuses); a Team Pro agent in
// the gas project (a distribution plan) is offered only the handling teams
// the server lets them give, and no contact import. German and English.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiCall, failureArtifacts, realServer } from './harness.mjs';

const PASSWORD = 'Hafenkran-Sonnenblume-7';
const KADMIN = 'kadmin@acme-energie.example';
const BASIC = 'basic.agent@zezaro.example';
const PRO = 'pro.agent@zezaro.example';

const env = realServer();

async function login(email, language, viewport = { width: 1366, height: 768 }) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  await page.getByTestId('lang-switch').selectOption(language);
  await page.waitForFunction((l) => document.documentElement.lang === l, language);
  return { context, page, problems };
}

const call = (context, method, path, body) => apiCall(env, context, method, path, body);

const languages = [
  { language: 'de', edit: 'Bearbeiten', deactivate: 'Deaktivieren', invite: 'Einladung senden', handling: ['Eigenes Team', 'Dienstleister – Team Pro'] },
  { language: 'en', edit: 'Edit', deactivate: 'Deactivate', invite: 'Send invitation', handling: ['Own team', 'Provider – Team Pro'] },
];

for (const l of languages) {
  test(`a client admin is offered Edit/Deactivate only on the users the server lets them change (${l.language})`, async () => {
    let admin;
    try {
      admin = await login(KADMIN, l.language);
      const page = admin.page;
      await page.goto(env.baseUrl + '/admin/users');
      const rows = page.getByTestId('user-row');
      const own = rows.filter({ hasText: 'anna.schmidt@acme-energie.example' });
      const provider = rows.filter({ hasText: BASIC });
      await own.waitFor();
      await provider.waitFor();
      assert.equal((await own.getByTestId('user-edit-button').innerText()).trim(), l.edit);
      assert.equal((await own.getByTestId('user-deactivate-button').innerText()).trim(), l.deactivate);
      assert.equal((await own.getByTestId('user-invite-button').innerText()).trim(), l.invite);
      assert.equal(await provider.getByRole('button').count(), 0, 'no action on the provider’s agent');
      // The server refuses what is not offered.
      const users = await (await call(admin.context, 'GET', '/users')).json();
      const mehmet = users.items.find((u) => u.email === BASIC);
      assert.deepEqual(mehmet.can, { edit: false, deactivate: false, tokens: false, invite: false });
      const invite = await call(admin.context, 'POST', `/users/${mehmet.id}/invitation`, {});
      assert.equal(invite.status(), 403);
      const refused = await call(admin.context, 'PATCH', `/users/${mehmet.id}`, { name: 'Mehmet Y.' });
      assert.equal(refused.status(), 403);
      // Nor on themselves: no deactivation of one's own account.
      const self = rows.filter({ hasText: KADMIN });
      assert.equal(await self.getByTestId('user-deactivate-button').count(), 0);
      assert.deepEqual(admin.problems, []);
    } catch (e) {
      await failureArtifacts(`permissions-users-${l.language}`, admin);
      throw e;
    } finally {
      await admin?.context.close();
    }
  });
}

for (const l of languages) {
  test(`a Team Pro agent is offered only the handling teams the server allows, and no contact import (${l.language})`, async () => {
    let pro;
    let admin;
    try {
      pro = await login(PRO, l.language);
      const me = await (await call(pro.context, 'GET', '/me')).json();
      const gas = me.projects.find((p) => p.key === 'ACMEGAS');
      assert.ok(gas, 'a member of the gas project');
      assert.deepEqual(gas.can.handling, ['client', 'provider-pro']);
      assert.equal(gas.can.manage_customers, false);
      // Acme's admin gives a new gas case to Team Pro.
      admin = await login(KADMIN, 'de');
      const created = await (
        await call(admin.context, 'POST', '/cases', {
          project_id: gas.id,
          subject: `Gaszähler ${l.language} ${Date.now().toString(36)}`,
          channel: 'email',
          contact: { name: 'Gerd Gas', email: `gerd.${Date.now().toString(36)}@example.org` },
          message: { kind: 'inbound', body_text: 'Zählerstand 4711.' },
        })
      ).json();
      const handed = await call(admin.context, 'PATCH', `/cases/${created.id}`, { handling_team: 'provider', handling_tariff: 'pro', expected_version: created.version });
      assert.ok(handed.ok(), await handed.text());
      const page = pro.page;
      await page.goto(`${env.baseUrl}/cases/${created.id}`);
      await page.getByTestId('case-page').waitFor();
      const options = (await page.getByTestId('case-handling').locator('option').allInnerTexts()).map((s) => s.trim());
      assert.deepEqual(options, l.handling);
      // Contacts: no import for an agent (the server refuses it too).
      await page.goto(env.baseUrl + '/contacts');
      await page.getByTestId('contacts-table').waitFor();
      assert.equal(await page.getByTestId('contacts-import').count(), 0);
      assert.deepEqual(pro.problems, []);
    } catch (e) {
      await failureArtifacts(`permissions-pro-${l.language}`, pro);
      throw e;
    } finally {
      await pro?.context.close();
      await admin?.context.close();
    }
  });
}
