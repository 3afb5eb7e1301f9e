// Browser test of "Merge into…" in the customer database against the real
// server: Acme's client admin (German UI) merges a duplicate organization
// (search, confirmation, then the target with the moved contact and filled
// fields); the platform admin (English UI) merges a duplicate contact picked
// from the suggested duplicates; an agent, who may not merge, does not get
// the action.
//
//   ZEZARO_BIN=../target/debug/zezaro npm run test:e2e

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const PASSWORD = 'Hafenkran-Sonnenblume-7';
const ADMIN = 'admin@zezaro.example';
const CLIENT_ADMIN = 'kadmin@acme-energie.example';
const AGENT = 'anna.schmidt@acme-energie.example';

const env = realServer();

async function login(email, locale = 'en-US') {
  const context = await env.browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text())) return; // before login
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/');
  await page.waitForURL(/\/login/);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  return { context, page, problems };
}

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

async function shot(page, name, problems) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: join(outDir, name), fullPage: true }).catch(() => {});
  if (problems.length) console.error('browser problems:\n' + problems.join('\n'));
  console.error('server log:\n' + env.log.slice(-3000));
}

test('merge organizations and contacts through the UI; agents cannot', async () => {
  const admin = await login(CLIENT_ADMIN, 'de-DE');
  const page = admin.page;
  let keep;
  let clientId;
  try {
    const projects = await call(admin.context, 'GET', '/projects');
    clientId = projects.items.find((p) => p.key === 'ACME').client_id;
    keep = await call(admin.context, 'POST', '/organizations', { client_id: clientId, name: 'Stadtwerke Kessel GmbH' });
    const dup = await call(admin.context, 'POST', '/organizations', {
      client_id: clientId,
      name: 'Stadtwerke Kessel',
      city: 'Kassel',
      customer_number: 'ORG-77',
    });
    const greta = await call(admin.context, 'POST', '/contacts', {
      client_id: clientId,
      name: 'Greta Kessel',
      emails: ['greta@kessel.example'],
      organization_id: dup.id,
    });

    // The organization list finds both; open the duplicate.
    await page.getByTestId('nav-organizations').click();
    await page.getByTestId('organizations-page').waitFor();
    await page.getByTestId('organizations-q').fill('Kessel');
    await page.getByTestId('organization-row').filter({ hasText: 'Stadtwerke Kessel GmbH' }).waitFor();
    await page.getByTestId('organizations-table').getByRole('link', { name: 'Stadtwerke Kessel', exact: true }).click();
    await page.waitForURL(new RegExp(`/organizations/${dup.id}$`));
    await page.getByTestId('org-contacts').getByTestId('org-contact-row').filter({ hasText: 'Greta Kessel' }).waitFor();

    // Merge into…: the search starts with the name's first word and never
    // offers the organization itself.
    await page.getByTestId('org-merge').click();
    const dialog = page.getByTestId('org-merge-dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getByTestId('merge-search').inputValue(), 'Stadtwerke');
    const candidate = dialog.locator(`[data-testid="merge-candidate"][data-id="${keep.id}"]`);
    await candidate.waitFor();
    assert.equal(await dialog.locator(`[data-testid="merge-candidate"][data-id="${dup.id}"]`).count(), 0);
    assert.equal(await dialog.getByTestId('merge-next').isDisabled(), true, 'nothing chosen yet');
    await candidate.click();
    await dialog.getByTestId('merge-next').click();
    // The confirmation says what happens; nothing is merged before it.
    const consequences = await dialog.getByTestId('merge-consequences').textContent();
    assert.match(consequences, /„Stadtwerke Kessel“ wird in „Stadtwerke Kessel GmbH“ zusammengeführt/);
    assert.match(consequences, /Kontakte \(1\)/);
    assert.equal((await call(admin.context, 'GET', `/organizations/${dup.id}`)).merged_into_id, null);
    await dialog.getByTestId('merge-submit').click();

    // The target: the contact moved, empty fields filled.
    await page.waitForURL(new RegExp(`/organizations/${keep.id}$`));
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('org-contacts').getByTestId('org-contact-row').filter({ hasText: 'Greta Kessel' }).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="org-city"]')?.value === 'Kassel');
    assert.equal(await page.getByTestId('org-customer-number').inputValue(), 'ORG-77');
    assert.equal((await call(admin.context, 'GET', `/contacts/${greta.id}`)).organization_id, keep.id);

    // The merged one points to the target and offers no merge any more.
    await page.goto(`${env.baseUrl}/organizations/${dup.id}`);
    await page.getByTestId('org-merged').waitFor();
    assert.equal(await page.getByTestId('org-merge').count(), 0);
    await page.getByTestId('org-merged-target').click();
    await page.waitForURL(new RegExp(`/organizations/${keep.id}$`));
    assert.deepEqual(admin.problems, []);
  } catch (err) {
    await shot(page, 'merge-org-failure.png', admin.problems);
    throw err;
  } finally {
    await admin.context.close();
  }

  const platform = await login(ADMIN);
  let target;
  try {
    const page = platform.page;

    // Contacts: two records of one person (same phone number); the merge
    // dialog suggests the duplicate.
    target = await call(platform.context, 'POST', '/contacts', {
      client_id: clientId,
      name: 'Jonas Weber',
      emails: ['jonas@weber.example'],
      phones: ['+49 30 5550123'],
    });
    const source = await call(platform.context, 'POST', '/contacts', {
      client_id: clientId,
      name: 'J. Weber',
      emails: ['j.weber@privat.example'],
      phones: ['+49 30 5550123'],
      customer_number: 'K-4711',
    });
    await page.goto(`${env.baseUrl}/contacts/${source.id}`);
    await page.getByTestId('contact-detail').waitFor();
    await page.getByTestId('contact-merge').click();
    const cdialog = page.getByTestId('contact-merge-dialog');
    const suggested = cdialog.getByTestId('merge-suggestions').locator(`[data-testid="merge-candidate"][data-id="${target.id}"]`);
    await suggested.waitFor();
    assert.match(await suggested.textContent(), /same phone number/);
    await suggested.click();
    await cdialog.getByTestId('merge-next').click();
    assert.match(await cdialog.getByTestId('merge-consequences').textContent(), /“J\. Weber” will be merged into “Jonas Weber”/);
    // Back and forth keeps the choice.
    await cdialog.getByTestId('merge-back').click();
    await cdialog.getByTestId('merge-next').click();
    await cdialog.getByTestId('merge-submit').click();
    await page.waitForURL(new RegExp(`/contacts/${target.id}$`));
    await page.getByTestId('contact-read-emails').filter({ hasText: 'j.weber@privat.example' }).waitFor();
    const merged = await call(platform.context, 'GET', `/contacts/${target.id}`);
    assert.deepEqual(merged.emails, ['jonas@weber.example', 'j.weber@privat.example']);
    assert.equal(merged.customer_number, 'K-4711');
    assert.equal((await call(platform.context, 'GET', `/contacts/${source.id}`)).merged_into_id, target.id);
    assert.deepEqual(platform.problems, []);
  } catch (err) {
    await shot(platform.page, 'merge-contact-failure.png', platform.problems);
    throw err;
  } finally {
    await platform.context.close();
  }

  // An agent (German UI) sees organizations and contacts but no merge.
  const agent = await login(AGENT, 'de-DE');
  try {
    await agent.page.getByTestId('nav-organizations').filter({ hasText: 'Organisationen' }).click();
    await agent.page.getByTestId('organizations-page').waitFor();
    await agent.page.goto(`${env.baseUrl}/organizations/${keep.id}`);
    await agent.page.getByTestId('org-contacts').getByTestId('org-contact-row').first().waitFor();
    assert.equal(await agent.page.getByTestId('org-merge').count(), 0);
    await agent.page.goto(`${env.baseUrl}/contacts/${target.id}`);
    await agent.page.getByTestId('contact-edit').waitFor();
    assert.equal(await agent.page.getByTestId('contact-merge').count(), 0);
    assert.deepEqual(agent.problems, []);
  } catch (err) {
    await shot(agent.page, 'merge-agent-failure.png', agent.problems);
    throw err;
  } finally {
    await agent.context.close();
  }
});
