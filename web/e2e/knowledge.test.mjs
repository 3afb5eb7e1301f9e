// Browser test of the knowledge base against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/knowledge.test.mjs
//
// Acme's client admin (German UI) writes an article, saves it as a draft and
// publishes it, then changes a word and publishes again; Anna, an agent of
// Acme in another browser context (an English browser, phone-sized), finds the
// article by search and opens it (her profile says German); the admin's version history shows the
// changed word side by side; Anna's suggested change waits in the review
// queue until the admin publishes it. Same harness as workspace.test.mjs.

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
const ANNA = 'anna.schmidt@acme-energie.example';

const env = realServer();

async function login(email, { locale, viewport }) {
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
  return { context, page, problems };
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

test('a client admin writes and publishes an article, an agent finds it, the history shows the change', async () => {
  let admin;
  let agent;
  let phone;
  const marker = `zaehlertausch${Date.now().toString(36)}`;
  const title = `Zählerwechsel melden (${marker})`;
  mkdirSync(outDir, { recursive: true });
  try {
    // (1) The client admin, German UI, 1366×768: a new article.
    admin = await login(CLIENT_ADMIN, { locale: 'de-DE', viewport: { width: 1366, height: 768 } });
    const a = admin.page;
    await a.getByTestId('nav-knowledge').click();
    await a.getByTestId('kb-home').waitFor();
    assert.equal(await a.getByTestId('nav-knowledge').textContent(), 'Wissen');
    // A category of its own, chosen in the tree; the new article goes there.
    const category = `Zähler ${marker.slice(-5)}`;
    // The home opens on the first category (the demo has some): choose
    // "all" so the new category is a top-level one, not a sub-category.
    await a.getByTestId('kb-cat-all').click();
    await a.getByTestId('kb-cat-new').click();
    await a.getByTestId('kb-cat-dialog').getByTestId('kb-cat-name').fill(category);
    await a.getByTestId('kb-cat-dialog').getByTestId('submit').click();
    await a.getByTestId('kb-tree').locator('.kb-tree-current', { hasText: category }).waitFor();
    // A second one at the top level, moved above the first with the keyboard-reachable buttons.
    const second = `Abrechnung ${marker.slice(-5)}`;
    await a.getByTestId('kb-cat-all').click();
    await a.getByTestId('kb-cat-new').click();
    await a.getByTestId('kb-cat-dialog').getByTestId('kb-cat-name').fill(second);
    await a.getByTestId('kb-cat-dialog').getByTestId('submit').click();
    await a.getByTestId('kb-tree').locator('.kb-tree-current', { hasText: second }).waitFor();
    const order = async () => (await a.getByTestId('kb-tree').locator('.kb-tree-item').allTextContents()).filter((x) => x === category || x === second);
    assert.deepEqual(await order(), [category, second]);
    await a.getByTestId('kb-cat-up').click();
    await a.waitForFunction(
      ([c, s2]) => {
        const names = [...document.querySelectorAll('.kb-tree-item')].map((e) => e.textContent).filter((x) => x === c || x === s2);
        return names[0] === s2;
      },
      [category, second],
    );
    await a.getByTestId('kb-tree').locator('.kb-tree-item', { hasText: category }).click();
    await a.getByTestId('kb-tree').locator('.kb-tree-current', { hasText: category }).waitFor();
    await a.screenshot({ path: join(outDir, 'knowledge-home-de.png') });
    await a.getByTestId('kb-new').click();
    await a.getByTestId('kb-editor').waitFor();
    assert.equal(await a.getByTestId('kb-category').locator('option:checked').textContent(), category);
    await a.getByTestId('kb-title').fill(title);
    await a.getByTestId('kb-tags').fill('Zähler, Abrechnung');
    await a
      .getByTestId('kb-body')
      .fill(`Der Kunde meldet den **Zählerwechsel** (${marker}) schriftlich.\n\n| Frist | Tage |\n|---|---|\n| Meldung | 14 |\n`);
    // The server's preview renders the Markdown (bold, table).
    await a.getByTestId('kb-preview').locator('strong', { hasText: 'Zählerwechsel' }).waitFor();
    await a.getByTestId('kb-preview').locator('table').waitFor();
    await a.screenshot({ path: join(outDir, 'knowledge-editor-de.png') });
    await a.getByTestId('kb-save').click();

    // (2) The article: a draft in German, no English version; publish it.
    await a.getByTestId('kb-article').waitFor();
    await a.getByTestId('kb-col-de').getByTestId('kb-state-draft').waitFor();
    assert.match(await a.getByTestId('kb-missing-en').textContent(), /Keine englische Fassung/);
    await a.locator('.breadcrumb', { hasText: category }).waitFor();
    await a.getByTestId('kb-publish-de').click();
    await a.getByTestId('kb-col-de').getByTestId('kb-state-published').waitFor();
    assert.match(await a.getByTestId('kb-col-de').textContent(), /Veröffentlicht von .+ am /);
    const articleUrl = a.url();

    // (3) A second version: one word changed, saved and published at once.
    await a.getByTestId('kb-edit-de').click();
    await a.getByTestId('kb-editor').waitFor();
    assert.equal(await a.getByTestId('kb-title').inputValue(), title);
    const body = await a.getByTestId('kb-body').inputValue();
    await a.getByTestId('kb-body').fill(body.replace('schriftlich', 'telefonisch'));
    await a.getByTestId('kb-save-publish').click();
    await a.getByTestId('kb-article').waitFor();
    await a.getByTestId('kb-body-de').getByText('telefonisch').waitFor();

    // (4) The agent, an English browser, phone-sized, another context: search, open.
    agent = await login(ANNA, { locale: 'en-US', viewport: { width: 390, height: 844 } });
    const g = agent.page;
    if (await g.getByTestId('nav-toggle').isVisible()) await g.getByTestId('nav-toggle').click();
    await g.getByTestId('nav-knowledge').click();
    await g.getByTestId('kb-home').waitFor();
    await g.getByTestId('kb-search').fill(`${marker.slice(0, 16)}*`);
    await g.getByTestId('kb-search').press('Enter');
    const hit = g.getByTestId('kb-hits').getByTestId('kb-hit').filter({ hasText: title });
    await hit.waitFor();
    await g.screenshot({ path: join(outDir, 'knowledge-search-phone.png'), fullPage: true });
    assert.equal(await g.getByTestId('kb-hits').locator('mark').first().isVisible(), true, 'the match is marked in the snippet');
    await hit.click();
    await g.getByTestId('kb-article').waitFor();
    await g.getByTestId('kb-body-de').getByText('telefonisch').waitFor();
    assert.equal(await g.getByTestId('kb-history').count(), 0, 'agents see no history');
    assert.equal(await g.getByTestId('kb-publish-de').count(), 0, 'agents do not publish');
    // Anna's profile language is German, whatever her browser says.
    assert.match(await g.getByTestId('kb-missing-en').textContent(), /Keine englische Fassung/);
    // Nothing wider than the phone's screen.
    const overflow = await g.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the article fits a 390 px screen (overflow ${overflow}px)`);

    // (5) The admin's history: version 2 against version 1, side by side.
    await a.goto(articleUrl);
    await a.getByTestId('kb-history').click();
    await a.getByTestId('kb-history-page').waitFor();
    await a.getByTestId('kb-version-2').waitFor();
    const diff = a.getByTestId('kb-diff');
    await diff.waitFor();
    assert.equal((await diff.getByTestId('kb-diff-del').allTextContents()).join('').trim(), 'schriftlich');
    assert.equal((await diff.getByTestId('kb-diff-ins').allTextContents()).join('').trim(), 'telefonisch');
    await a.screenshot({ path: join(outDir, 'knowledge-history-de.png'), fullPage: true });

    // Restoring version 1 makes a new draft with its text.
    await a.getByTestId('kb-restore-1').click();
    await a.getByTestId('kb-article').waitFor();
    await a.getByTestId('kb-col-de').getByTestId('kb-state-draft').waitFor();
    await a.getByTestId('kb-toggle-head-de').click();
    await a.getByTestId('kb-body-de').getByText('schriftlich').waitFor();

    await a.screenshot({ path: join(outDir, 'knowledge-article-de.png') });
    await g.screenshot({ path: join(outDir, 'knowledge-agent-phone.png'), fullPage: true });

    // (6) The agent suggests a change; it waits in review, the published
    // text stays until the admin publishes the suggestion from the queue.
    await g.getByTestId('kb-edit-de').click();
    await g.getByTestId('kb-editor').waitFor();
    const current = await g.getByTestId('kb-body').inputValue();
    assert.match(current, /telefonisch/, 'the agent starts from the published text');
    await g.getByTestId('kb-body').fill(current.replace('telefonisch', 'per E-Mail'));
    await g.getByTestId('kb-save').click();
    await g.getByTestId('kb-suggested').waitFor();
    await g.getByTestId('kb-body-de').getByText('telefonisch').waitFor();

    await a.getByTestId('nav-knowledge').click();
    await a.getByTestId('kb-tab-review').click();
    await a.getByTestId('kb-review').waitFor();
    const row = a.getByTestId('kb-review-table').locator('tr', { hasText: title });
    await row.waitFor();
    await row.getByTestId('kb-review-publish').click();
    await row.waitFor({ state: 'detached' });
    await a.goto(articleUrl);
    await a.getByTestId('kb-body-de').getByText('per E-Mail').waitFor();
    const wide = await a.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 1, `the article fits 1366 px (overflow ${wide}px)`);

    // The editor's screens on a phone: nothing wider than 390 px.
    phone = await login(CLIENT_ADMIN, { locale: 'de-DE', viewport: { width: 390, height: 844 } });
    for (const [path, ready] of [
      [new URL(articleUrl).pathname, 'kb-article'],
      [new URL(articleUrl).pathname + '/history', 'kb-diff'],
      [new URL(articleUrl).pathname + '/edit/de', 'kb-editor'],
      ['/knowledge', 'kb-tree'],
    ]) {
      await phone.page.goto(env.baseUrl + path);
      await phone.page.getByTestId(ready).waitFor();
      const over = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(over <= 1, `${path} fits a 390 px screen (overflow ${over}px)`);
      // Buttons pushed off the left edge make no scroll width: check them one
      // by one (those in a table that scrolls sideways are reachable).
      for (const button of await phone.page.locator('main button:visible, main a.btn:visible').all()) {
        if (await button.evaluate((el) => !!el.closest('.table-wrap'))) continue;
        const box = await button.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 391, `${path}: "${await button.textContent()}" is on the screen`);
      }
      await phone.page.screenshot({ path: join(outDir, `knowledge-phone-${ready}.png`), fullPage: true });
    }

    // (7) Deleted (soft) and restored by the client admin.
    await a.getByTestId('kb-delete').click();
    await a.getByTestId('confirm').getByTestId('submit').click();
    await a.getByTestId('kb-home').waitFor();
    await a.getByTestId('kb-tab-deleted').click();
    const gone = a.getByTestId('kb-deleted-table').locator('tr', { hasText: title });
    await gone.waitFor();
    await gone.getByTestId('kb-undelete').click();
    await gone.waitFor({ state: 'detached' });
    await a.goto(articleUrl);
    await a.getByTestId('kb-body-de').getByText('per E-Mail').waitFor();

    assert.deepEqual(admin.problems, [], 'no console errors for the client admin');
    // The agent's open article page follows the live event of the deletion:
    // its reload answers 404 and the page says the article is gone.
    const agentProblems = agent.problems.filter((p) => !/status of 404 .*\/api\/v1\/knowledge\/articles\/\d+\)$/.test(p));
    assert.deepEqual(agentProblems, [], 'no console errors for the agent');
    assert.deepEqual(phone.problems, [], 'no console errors on the phone');
  } catch (err) {
    await failureArtifacts('knowledge', [admin, agent, phone]);
    throw err;
  } finally {
    await admin?.context.close();
    await agent?.context.close();
    await phone?.context.close();
  }
});
