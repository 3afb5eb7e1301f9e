// Browser test of training for its editors against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/training.test.mjs
//
// Acme's client admin (German, 1366×768) writes a course, then edits it:
// renames it, adds an article found by search and moves it up, adds a
// question whose missing right answer the server names at that question,
// fixes it and saves; assigns the course to Anna, found by name, with a due
// date typed in German. Anna (English, 390×844) reads both articles and
// passes the check. The client admin's open status table shows her as
// passed, live, with the date; the screens stay inside the window at both
// sizes.

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
const KADMIN = 'kadmin@acme-energie.example';

const env = realServer();

async function signedIn(email, { lang = 'en', viewport = { width: 1366, height: 768 } } = {}) {
  const context = await env.browser.newContext({ locale: lang === 'de' ? 'de-DE' : 'en-US', viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The expected 422 of the course without a right answer.
    if (/status of 422/.test(msg.text())) return;
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  // The profile's language wins over the browser's: choose it (saved).
  if ((await page.getByTestId('lang-switch').inputValue()) !== lang) {
    const saved = page.waitForResponse((r) => r.request().method() === 'PATCH' && /\/api\/v1\/me$/.test(r.url()));
    await page.getByTestId('lang-switch').selectOption(lang);
    await saved;
  }
  await page.setViewportSize(viewport);
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

const fits = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

/** Searches the published articles in the course form and adds the hit with this title. */
async function addArticle(form, words, title) {
  await form.getByTestId('course-article-search').fill(words);
  const hit = form.getByTestId('course-article-hits').locator('li', { hasText: title });
  await hit.getByTestId('course-article-add').click();
  await form.getByTestId('course-articles').getByText(title).waitFor();
}

test('a client admin edits a course and assigns it to Anna, who passes it; the admin sees when', async () => {
  let admin;
  let anna;
  const title = `Tarife ${Date.now().toString(36)}`;
  try {
    admin = await signedIn(KADMIN, { lang: 'de' });
    const page = admin.page;
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-page').waitFor();

    // (1) A new course with one article and no questions.
    await page.getByTestId('course-new').click();
    let form = page.getByTestId('course-form');
    await form.getByTestId('course-title').fill(`${title} Entwurf`);
    await addArticle(form, 'Kündigung bestätigen', 'Kündigung bestätigen');
    await form.getByTestId('course-save').click();
    const admin_ = page.getByTestId('course-admin');
    await admin_.getByRole('heading', { name: `${title} Entwurf` }).waitFor();

    // (2) Edit: rename, add a second article by search and move it first.
    await admin_.getByTestId('course-edit').click();
    form = admin_.getByTestId('course-form');
    await form.getByTestId('course-title').fill(title);
    await form.getByTestId('course-description').fill('Tarifwechsel und Kündigung sicher bearbeiten.');
    await addArticle(form, 'Tarifwech', 'Tarifwechsel');
    await form.getByTestId('course-article-up').nth(1).click();
    const order = await form.getByTestId('course-articles').locator('li .tr-article-title').allTextContents();
    assert.deepEqual(order, ['Tarifwechsel', 'Kündigung bestätigen']);

    // A question whose answers are all marked wrong: the server's problem
    // shows at that question's answers.
    await form.getByTestId('course-question-add').click();
    const q = form.getByTestId('course-question').first();
    await q.getByTestId('course-question-text').fill('Wer darf kündigen?');
    await q.getByTestId('course-choice-text').nth(0).fill('Der Vertragspartner');
    await q.getByTestId('course-choice-text').nth(1).fill('Der Nachbar');
    await q.getByTestId('course-choice-correct').nth(0).uncheck();
    await form.getByTestId('course-save').click();
    const problem = q.getByTestId('field-error-questions[0].choices');
    await problem.waitFor();
    assert.match(await problem.textContent(), /right/);
    // Fixed: the first answer is the right one; pass mark 100.
    await q.getByTestId('course-choice-correct').nth(0).check();
    await form.getByTestId('course-pass-mark').fill('100');
    await form.getByTestId('course-save').click();
    await admin_.getByRole('heading', { name: title, exact: true }).waitFor();
    const listed = await admin_.getByTestId('course-admin-articles').locator('li').allTextContents();
    assert.deepEqual(listed, ['Tarifwechsel', 'Kündigung bestätigen']);
    assert.ok(await fits(page), 'the course editor makes the page wider than the window');

    // (3) Assign to Anna, found by name, due on 31.03.2031 (German input).
    const assign = admin_.getByTestId('course-assign');
    await assign.getByTestId('course-agent-search').fill('Schmidt');
    const candidate = assign.getByTestId('course-candidates').locator('li', { hasText: 'Anna Schmidt' });
    await candidate.getByTestId('course-candidate-pick').click();
    await assign.getByTestId('course-picked-agents').getByText('Anna Schmidt').waitFor();
    await assign.getByTestId('course-due').fill('31.03.2031');
    await assign.getByTestId('course-due').press('Tab');
    await assign.getByTestId('course-assign-submit').click();
    const assignment = admin_.getByTestId('course-assignments').locator('li', { hasText: 'Anna Schmidt' });
    await assignment.waitFor();
    assert.match(await assignment.textContent(), /31\.03\.2031/);
    const row = admin_.getByTestId('course-status').getByTestId('course-status-row').filter({ hasText: 'Anna Schmidt' });
    await row.waitFor();
    assert.match(await row.textContent(), /Nicht begonnen/);

    // (4) Anna, on a phone in English, reads both articles and passes.
    anna = await signedIn(ANNA, { viewport: { width: 390, height: 844 } });
    const a = anna.page;
    await a.goto(env.baseUrl + '/training');
    await a.getByTestId('my-courses').getByRole('link', { name: title }).click();
    await a.getByTestId('course-page').waitFor();
    await a.getByTestId('course-article').nth(1).waitFor();
    assert.equal(await a.getByTestId('course-article').count(), 2);
    assert.equal((await a.getByTestId('course-article').first().locator('h2').textContent()).trim(), 'Tarifwechsel');
    for (const left of [1, 0]) {
      await a.getByTestId('course-read').first().click();
      await a.waitForFunction((n) => document.querySelectorAll('[data-testid="course-read"]').length === n, left);
    }
    const check = a.getByTestId('course-check');
    await check.getByLabel('Der Vertragspartner').check();
    await check.getByTestId('course-submit').click();
    const result = a.getByTestId('course-result');
    await result.waitFor();
    assert.match(await result.textContent(), /Passed/);
    assert.ok(await fits(a), 'the course page makes the phone page wider');

    // (5) The client admin's open status table follows live: "passed",
    // with today's date; after a reload too.
    const live = page.getByTestId('course-status').getByTestId('course-status-row').filter({ hasText: 'Anna Schmidt' });
    await live.getByText('Bestanden').waitFor({ timeout: 5000 });
    await page.reload();
    await page.getByTestId('training-page').waitFor();
    await page.getByTestId('client-courses').getByRole('button', { name: title }).click();
    const passed = page.getByTestId('course-status').getByTestId('course-status-row').filter({ hasText: 'Anna Schmidt' });
    await passed.getByText('Bestanden').waitFor();
    const today = new Intl.DateTimeFormat('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date());
    const when = await passed.getByTestId('course-status-passed').textContent();
    assert.ok(when.includes(today), `passed at "${when}", expected ${today}`);
    const text = await page.getByTestId('course-admin').textContent();
    for (const english of ['Passed', 'Assign', 'Edit course', 'Due']) assert.ok(!text.includes(english), `English on a German screen: ${english}`);
    assert.equal(admin.problems.length + anna.problems.length, 0, [...admin.problems, ...anna.problems].join('\n'));
  } catch (e) {
    await failureArtifacts('training', [admin, anna]);
    throw e;
  } finally {
    await admin?.context.close();
    await anna?.context.close();
  }
});

test('the course editor and the assignment fit a phone (390×844), in German', async () => {
  let admin;
  try {
    admin = await signedIn(KADMIN, { lang: 'de', viewport: { width: 390, height: 844 } });
    const page = admin.page;
    await page.goto(env.baseUrl + '/training');
    await page.getByTestId('client-courses').getByTestId('course-open').first().click();
    const admin_ = page.getByTestId('course-admin');
    await admin_.getByTestId('course-assign').waitFor();
    await admin_.getByTestId('course-edit').click();
    await admin_.getByTestId('course-form').getByTestId('course-question').first().waitFor();
    assert.ok(await fits(page), 'the course editor makes the phone page wider');
    assert.equal(admin.problems.length, 0, admin.problems.join('\n'));
  } catch (e) {
    await failureArtifacts('training-phone', [admin]);
    throw e;
  } finally {
    await admin?.context.close();
  }
});
