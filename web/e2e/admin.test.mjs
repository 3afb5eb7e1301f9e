// Browser test of the admin UI against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro npm run test:e2e
//
// Starts `$ZEZARO_BIN serve --demo` on a fresh data dir and a free port, drives
// headless Chromium (playwright-core, system browser: $CHROMIUM or /usr/bin/chromium).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ADMIN = { email: 'admin@zezaro.example', password: 'Hafenkran-Sonnenblume-7' };
const AGENT_EMAIL = 'basic.agent@zezaro.example';
const CLIENT_NAME = 'Acme Energie GmbH';

const env = realServer();

test('admin creates a project, adds a member, switches language, logs out', async () => {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  // Console errors and CSP violations (Chromium reports them as console errors).
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The app's first GET /api/v1/me answers 401 before login: expected, not a problem.
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

  const key = `E2E${Date.now().toString(36).slice(-5).toUpperCase()}`.slice(0, 10);
  const projectName = `E2E project ${key}`;

  try {
    // (1) Log in through the form.
    await page.goto(env.baseUrl + '/');
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('home').waitFor();
    await page.getByTestId('nav-projects').waitFor();

    // (2) Create a project for the demo client on the Projects page.
    await page.getByTestId('nav-projects').click();
    await page.getByTestId('projects-page').waitFor();
    await page.getByTestId('new-project').click();
    const form = page.getByTestId('project-form');
    await form.waitFor();
    await form.getByTestId('project-client').selectOption({ label: CLIENT_NAME });
    await form.getByTestId('project-name').fill(projectName);
    await form.getByTestId('project-key').fill(key);
    await form.getByTestId('project-description').fill('Created by the browser test');
    await form.getByTestId('submit').click();
    await form.waitFor({ state: 'detached' });
    const link = page.getByTestId(`project-link-${key}`);
    await link.waitFor();

    // (3) Open it and add the Team Basic agent as a member.
    await link.click();
    await page.waitForURL(/\/admin\/projects\/\d+$/);
    await page.getByTestId('project-detail').getByRole('heading', { name: projectName }).waitFor();
    const userSelect = page.getByTestId('member-user');
    await page.waitForFunction(
      (email) => [...document.querySelectorAll('[data-testid="member-user"] option')].some((o) => o.textContent.includes(email)),
      AGENT_EMAIL,
    );
    const value = await userSelect.locator('option', { hasText: AGENT_EMAIL }).getAttribute('value');
    await userSelect.selectOption(value);
    await page.getByTestId('member-role').selectOption('agent');
    await page.getByTestId('add-member').click();

    // (4) The member is listed, also after a reload.
    const memberRow = page.getByTestId('member-row').filter({ hasText: AGENT_EMAIL });
    await memberRow.waitFor();
    await page.reload();
    await page.getByTestId('members-table').waitFor();
    await memberRow.waitFor();
    assert.equal(await memberRow.count(), 1);

    // (5) Switch to German: the navigation speaks German.
    await page.getByTestId('lang-switch').selectOption('de');
    await page.getByTestId('nav-projects').filter({ hasText: 'Projekte' }).waitFor();
    await page.getByTestId('nav-users').filter({ hasText: 'Benutzer' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'de');

    // (6) Log out.
    await page.getByTestId('user-menu').click();
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-form').waitFor();

    assert.deepEqual(problems, [], 'no console errors or CSP violations');
  } catch (err) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'admin-failure.png'), fullPage: true }).catch(() => {});
    if (problems.length) console.error('browser problems:\n' + problems.join('\n'));
    console.error('server log:\n' + env.log.slice(-4000));
    throw err;
  } finally {
    await context.close();
  }
});

test('a project lead manages the members of a project they lead, and only that', async () => {
  const context = await env.browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  try {
    await page.goto(env.baseUrl + '/login');
    await page.getByTestId('login-email').fill('lead@zezaro.example');
    await page.getByTestId('login-password').fill(ADMIN.password);
    // Submitting with the keyboard.
    await page.getByTestId('login-password').press('Enter');
    await page.getByTestId('home').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'de', 'browser language decides');

    // The lead leads NORD: may add a Team Basic agent there, may not edit the project.
    await page.goto(env.baseUrl + '/admin/projects');
    await page.getByTestId('projects-page').waitFor();
    assert.equal(await page.getByTestId('new-project').count(), 0, 'leads create no projects');
    await page.getByTestId('project-link-NORD').click();
    await page.getByTestId('members-table').waitFor();
    const tom = 'tom.berger@zezaro.example';
    await page.waitForFunction(
      (email) => [...document.querySelectorAll('[data-testid="member-user"] option')].some((o) => o.textContent.includes(email)),
      tom,
    );
    const value = await page.getByTestId('member-user').locator('option', { hasText: tom }).getAttribute('value');
    await page.getByTestId('member-user').selectOption(value);
    await page.getByTestId('add-member').click();
    await page.getByTestId('member-row').filter({ hasText: tom }).waitFor();

    // The Team Pro agent works for Acme only: the server refuses, the UI says why.
    const pro = 'pro.agent@zezaro.example';
    const proValue = await page.getByTestId('member-user').locator('option', { hasText: pro }).getAttribute('value');
    await page.getByTestId('member-user').selectOption(proValue);
    await page.getByTestId('add-member').click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByTestId('member-row').filter({ hasText: pro }).count(), 0);
  } catch (err) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'lead-failure.png'), fullPage: true }).catch(() => {});
    console.error('server log:\n' + env.log.slice(-4000));
    throw err;
  } finally {
    await context.close();
  }
});
