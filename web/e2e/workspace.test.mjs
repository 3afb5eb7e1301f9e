// Browser test of the agent workspace against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/workspace.test.mjs
//
// Two agents of the ACME project work at the same time: Anna (Acme's own team)
// creates a case, replies and solves it; Mehmet (provider, Team Basic) has the
// case list open and sees the new case and the status change arrive live,
// without reloading. Same harness as admin.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const PASSWORD = 'Hafenkran-Sonnenblume-7';
const ANNA = 'anna.schmidt@acme-energie.example';
const BASIC = 'basic.agent@zezaro.example';
const BASIC_NAME = 'Mehmet Yilmaz';
const PROJECT_KEY = 'ACME';

const env = realServer();

/** A logged-in page with the ACME project chosen in the header switcher. */
async function agentPage(email, { locale = 'en-US', viewport = { width: 1366, height: 900 } } = {}) {
  const context = await env.browser.newContext({ locale, viewport });
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
  const switcher = page.getByTestId('project-switch');
  const value = await switcher.locator('option', { hasText: `${PROJECT_KEY} ·` }).first().getAttribute('value');
  await switcher.selectOption(value);
  return { context, page, problems };
}

/** Leave any text field, so single-key shortcuts apply. */
async function blur(page) {
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
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

test('two agents work the same project: a new case and its status change arrive live', async () => {
  let anna;
  let basic;
  const subject = `Zählerstand falsch übermittelt ${Date.now().toString(36)}`;
  const replyText = 'Guten Tag, wir haben den Zählerstand korrigiert. Viele Grüße';
  try {
    // (1) The Team Basic agent opens the case list (all cases of ACME) and waits.
    basic = await agentPage(BASIC);
    await basic.page.getByTestId('nav-cases').click();
    await basic.page.getByTestId('cases-page').waitFor();
    await basic.page.getByTestId('view-all').click();
    await basic.page.getByTestId('case-table').waitFor();
    // A marker that a full page reload would wipe out.
    await basic.page.evaluate(() => {
      window.__noReload = true;
    });

    // (2) Anna (German UI) creates a case through the "New case" dialog.
    anna = await agentPage(ANNA, { locale: 'de-DE' });
    await anna.page.getByTestId('nav-cases').filter({ hasText: 'Fälle' }).click();
    await anna.page.getByTestId('cases-page').waitFor();
    await anna.page.getByTestId('new-case').click();
    const form = anna.page.getByTestId('new-case-form');
    await form.waitFor();
    await form.getByTestId('case-subject').fill(subject);
    await form.getByTestId('case-channel').selectOption('email');
    await form.getByTestId('case-contact-email').fill(`kunde.${Date.now().toString(36)}@example.org`);
    await form.getByTestId('case-contact-name').fill('Erika Mustermann');
    await form.getByTestId('case-body').fill('Mein Zählerstand wurde falsch übermittelt.');
    await form.getByTestId('submit').click();
    await anna.page.waitForURL(/\/cases\/\d+$/);
    const caseId = Number(new URL(anna.page.url()).pathname.split('/').pop());
    await anna.page.getByTestId('case-page').waitFor();
    assert.match(await anna.page.getByTestId('case-ref').textContent(), /^ACME-\d+$/);
    assert.equal(await anna.page.getByTestId('case-subject').textContent(), subject);
    await anna.page.getByTestId('message').first().waitFor();

    // (3) The new case appears in Mehmet's list without a reload.
    const row = basic.page.getByTestId('case-row').filter({ hasText: subject });
    await row.waitFor();
    assert.equal(await basic.page.evaluate(() => window.__noReload), true, 'no page reload');

    // (4) Anna replies (Ctrl+Enter sends) ...
    await anna.page.getByTestId('tab-outbound').click();
    await anna.page.getByTestId('composer-text').fill(replyText);
    await anna.page.getByTestId('composer-text').press('Control+Enter');
    await anna.page.locator('[data-testid="message"][data-kind="outbound"]', { hasText: replyText }).waitFor();
    assert.equal(await anna.page.getByTestId('composer-text').inputValue(), '', 'composer cleared after sending');

    // ... adds an internal note with the `n` shortcut ...
    await blur(anna.page);
    await anna.page.keyboard.press('n');
    await anna.page.getByTestId('tab-note').and(anna.page.locator('[aria-selected="true"]')).waitFor();
    await anna.page.getByTestId('composer-text').fill('Zählerstand im Abrechnungssystem geprüft.');
    await anna.page.getByTestId('composer-send').click();
    await anna.page.locator('[data-testid="message"][data-kind="note"]').waitFor();

    // ... and solves the case in the header.
    await anna.page.getByTestId('case-status').selectOption('solved');
    await anna.page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="case-status"]');
      return s && s.value === 'solved' && !document.querySelector('[data-testid="error"]');
    });

    // (5) Mehmet sees the status change live (his saved language is German), still without a reload.
    await row.getByTestId('case-status-cell').filter({ hasText: /Solved|Gelöst/ }).waitFor();
    assert.equal(await basic.page.evaluate(() => window.__noReload), true, 'no page reload');

    // (6) Mehmet opens the case: Anna sees him as a viewer (presence).
    await row.locator('a.case-ref').click();
    await basic.page.getByTestId('case-page').waitFor();
    await basic.page.locator('[data-testid="message"][data-kind="outbound"]', { hasText: replyText }).waitFor();
    await anna.page.getByTestId('presence').filter({ hasText: BASIC_NAME }).waitFor({ timeout: 30_000 });

    // (7) `?` shows the shortcuts, Escape closes them; Escape again goes back to the list.
    await blur(anna.page);
    await anna.page.keyboard.press('?');
    await anna.page.getByTestId('shortcut-help').waitFor();
    await anna.page.keyboard.press('Escape');
    await anna.page.getByTestId('shortcut-help').waitFor({ state: 'detached' });
    await anna.page.keyboard.press('Escape');
    await anna.page.getByTestId('cases-page').waitFor();

    // (8) Leaving the case recorded the handling time.
    const seconds = await anna.page.evaluate(async (id) => {
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`/api/v1/cases/${id}`, { headers: { Accept: 'application/json' } });
        const d = await r.json();
        if (d.time && d.time.total_seconds > 0) return d.time.total_seconds;
        await new Promise((res) => setTimeout(res, 250));
      }
      return 0;
    }, caseId);
    assert.ok(seconds > 0, 'time was recorded when leaving the case');

    assert.deepEqual(anna.problems, [], 'no console errors for Anna');
    assert.deepEqual(basic.problems, [], 'no console errors for Mehmet');
  } catch (err) {
    await failureArtifacts('workspace', [anna, basic]);
    throw err;
  } finally {
    await anna?.context.close();
    await basic?.context.close();
  }
});

test('log a call, search for it and find the contact (phone-sized screen)', async () => {
  let anna;
  try {
    anna = await agentPage(ANNA, { locale: 'en-US', viewport: { width: 360, height: 780 } });
    const page = anna.page;
    await page.goto(env.baseUrl + '/cases');
    await page.getByTestId('cases-page').waitFor();
    await page.getByTestId('log-call').click();
    const form = page.getByTestId('log-call-form');
    await form.waitFor();
    const phone = `+49 30 ${Date.now().toString().slice(-7)}`;
    const subject = `Rückruf Abschlag ${Date.now().toString(36)}`;
    await form.getByTestId('call-phone').fill(phone);
    await form.getByTestId('call-contacts').waitFor(); // look-up answered: nobody known → "new contact"
    await form.getByTestId('call-contact-name').fill('Max Anrufer');
    await form.getByTestId('call-subject').fill(subject);
    await form.getByTestId('call-notes').fill('Kunde möchte den Abschlag senken.');
    await form.getByTestId('call-wait').fill('0:45');
    await form.getByTestId('call-talk').fill('4:30');
    await form.getByTestId('call-after').fill('1:00');
    await form.getByTestId('submit').click();
    await page.waitForURL(/\/cases\/\d+$/);
    await page.getByTestId('case-page').waitFor();
    assert.equal(await page.getByTestId('case-subject').textContent(), subject);
    await page.getByTestId('contact-card').getByText('Max Anrufer').waitFor();

    // `/` opens the search; the new contact is found.
    await blur(page);
    await page.keyboard.press('/');
    await page.getByTestId('search-page').waitFor();
    await page.getByTestId('search-input').fill('Anrufer');
    await page.getByTestId('search-contacts').getByText('Max Anrufer').waitFor();

    // No horizontal overflow of the page itself at 360 px.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the viewport`);
    assert.deepEqual(anna.problems, []);
  } catch (err) {
    await failureArtifacts('call', [anna]);
    throw err;
  } finally {
    await anna?.context.close();
  }
});
