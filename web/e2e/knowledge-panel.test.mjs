// Browser test of the case screen's knowledge suggestions against the real
// server with the demo data (which has Acme's knowledge base).
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/knowledge-panel.test.mjs
//
// Anna (German UI) opens a new case about a meter reading: the panel beside
// it suggests the demo article "Zählerstand melden"; "Text einfügen" puts
// its Markdown into the reply, "Link einfügen" its help-center address. On a
// phone the panel fits the screen.

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

const env = realServer();

async function agentPage(viewport) {
  const context = await env.browser.newContext({ locale: 'de-DE', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(ANNA);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  const switcher = page.getByTestId('project-switch');
  const value = await switcher.locator('option', { hasText: 'ACME ·' }).first().getAttribute('value');
  await switcher.selectOption(value);
  return { context, page, problems };
}

test('suggested articles go into the reply as text or as a link', async () => {
  let anna;
  let phone;
  try {
    anna = await agentPage({ width: 1366, height: 768 });
    const page = anna.page;
    await page.getByTestId('nav-cases').click();
    await page.getByTestId('cases-page').waitFor();
    await page.getByTestId('new-case').click();
    const form = page.getByTestId('new-case-form');
    await form.waitFor();
    await form.getByTestId('case-subject').fill('Zählerstand melden geht nicht');
    await form.getByTestId('case-channel').selectOption('email');
    await form.getByTestId('case-contact-email').fill(`kunde.${Date.now().toString(36)}@example.org`);
    await form.getByTestId('case-contact-name').fill('Erika Mustermann');
    await form.getByTestId('case-body').fill('Wie kann ich meinen Zählerstand im Kundenportal melden?');
    await form.getByTestId('submit').click();
    await page.waitForURL(/\/cases\/\d+$/);
    const caseUrl = page.url();

    const card = page.getByTestId('knowledge-card');
    await card.getByText('Wissensdatenbank').waitFor();
    const item = card.locator('li', { hasText: 'Zählerstand melden' }).first();
    await item.waitFor();

    await page.getByTestId('tab-outbound').click();
    await item.getByRole('button', { name: 'Text einfügen' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="composer-text"]')?.value.includes('Kundenportal'));
    await item.getByRole('button', { name: 'Link einfügen' }).click();
    const text = await page.getByTestId('composer-text').inputValue();
    assert.match(text, /\/help\/ACME\/articles\/\d+\?lang=de/, text);
    assert.deepEqual(anna.problems, []);

    // On a phone the panel is there and no wider than the screen.
    phone = await agentPage({ width: 390, height: 844 });
    await phone.page.goto(caseUrl);
    const phoneCard = phone.page.getByTestId('knowledge-card');
    await phoneCard.locator('li').first().waitFor();
    const box = await phoneCard.boundingBox();
    assert.ok(box && box.width <= 390, `panel ${box?.width}px wide`);
  } catch (err) {
    mkdirSync(outDir, { recursive: true });
    for (const [i, p] of [anna, phone].entries()) {
      if (p) await p.page.screenshot({ path: join(outDir, `knowledge-panel-${i}.png`), fullPage: true }).catch(() => {});
    }
    console.error('server log:\n' + env.log.slice(-4000));
    throw err;
  } finally {
    await anna?.context.close();
    await phone?.context.close();
  }
});
