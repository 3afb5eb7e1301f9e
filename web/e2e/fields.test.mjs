// Browser test of the data masks against the real server: a client admin
// defines a case field on the project page, an agent fills it on a case,
// and a reload shows the stored value.
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
const CLIENT_ADMIN = 'kadmin@acme-energie.example';
const AGENT = 'anna.schmidt@acme-energie.example';

const env = realServer();

async function login(email) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of (401|422)/.test(msg.text())) return; // expected: before login; refused values
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

async function shot(page, name) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: join(outDir, name), fullPage: true }).catch(() => {});
}

test('client admin defines a field, an agent fills it on a case', async () => {
  const admin = await login(CLIENT_ADMIN);
  let page = admin.page;
  try {
    const projects = await (await admin.context.request.get(env.baseUrl + '/api/v1/projects')).json();
    const acme = projects.items.find((p) => p.key === 'ACME');
    await page.goto(`${env.baseUrl}/admin/projects/${acme.id}`);
    const masks = page.getByTestId('data-masks');
    await masks.waitFor();
    // The demo mask is listed; the contact tab has its own fields.
    await masks.locator('[data-testid="field-row"][data-key="tariff"]').waitFor();
    await masks.getByTestId('mask-tab-contact').click();
    await masks.locator('[data-testid="field-row"][data-key="customer_since"]').waitFor();
    await masks.getByTestId('mask-tab-case').click();

    // A new select field; the key is suggested from the label.
    await masks.getByTestId('new-field').click();
    const form = page.getByTestId('field-form');
    await form.getByTestId('field-label').fill('Zählerart');
    assert.equal(await form.getByTestId('field-key').inputValue(), 'zaehlerart');
    await form.getByTestId('field-kind').selectOption('select');
    await form.getByTestId('field-options').fill('Eintarif\nZweitarif');
    await form.getByTestId('field-section').fill('Zähler');
    await form.getByTestId('submit').click();
    await form.waitFor({ state: 'detached' });
    const row = masks.locator('[data-testid="field-row"][data-key="zaehlerart"]');
    await row.waitFor();
    // Move it up one place.
    await row.getByTestId('field-up').click();
    await page.waitForFunction(() => {
      const keys = [...document.querySelectorAll('[data-testid="field-row"]')].map((r) => r.getAttribute('data-key'));
      return keys.indexOf('zaehlerart') === keys.length - 2;
    });
    assert.deepEqual(admin.problems, []);
  } catch (err) {
    await shot(page, 'fields-admin-failure.png');
    throw err;
  } finally {
    await admin.context.close();
  }

  const agent = await login(AGENT);
  page = agent.page;
  try {
    const projects = await (await agent.context.request.get(env.baseUrl + '/api/v1/projects')).json();
    const acme = projects.items.find((p) => p.key === 'ACME');
    const cases = await (await agent.context.request.get(`${env.baseUrl}/api/v1/cases?project_id=${acme.id}&view=all`)).json();
    const id = cases.items[0].id;
    await page.goto(`${env.baseUrl}/cases/${id}`);
    const card = page.getByTestId('fields-card');
    await card.waitFor();
    await card.getByTestId('custom-zaehlerart').selectOption('Zweitarif');
    await card.getByTestId('custom-meter_number').fill('1EMH0012345678');
    await card.getByTestId('custom-callback').check();
    await card.getByTestId('save-fields').click();
    await card.getByRole('status').waitFor();

    await page.reload();
    await page.getByTestId('fields-card').waitFor();
    const again = page.getByTestId('fields-card');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="custom-meter_number"]')?.value === '1EMH0012345678',
    );
    assert.equal(await again.getByTestId('custom-zaehlerart').inputValue(), 'Zweitarif');
    assert.equal(await again.getByTestId('custom-callback').isChecked(), true);
    assert.deepEqual(agent.problems, []);
  } catch (err) {
    await shot(page, 'fields-agent-failure.png');
    throw err;
  } finally {
    await agent.context.close();
  }
});
