// Browser test of search highlights and German spellings (issue 17, point 8)
// against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/search-fold.test.mjs
//
// A case and an article are written with "Zwölfmüller" / "Lindenstraße"
// (through the API); the search page, searched for "Zwoelfmueller" and
// "Lindenstrasse", shows them with the text's own spelling inside a <mark>
// and no « » anywhere, in English and, after the header's language switch,
// in German; the knowledge search does the same for an article.

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

const env = realServer();

async function login(email, { locale = 'en-US' } = {}) {
  const context = await env.browser.newContext({ locale, viewport: { width: 1366, height: 900 } });
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

async function call(who, method, path, body) {
  const me = await (await who.context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await who.context.request.fetch(`${env.baseUrl}/api/v1${path}`, {
    method,
    headers: { 'X-CSRF-Token': me.csrf_token ?? '', 'Content-Type': 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

async function failureArtifacts(name, sessions) {
  mkdirSync(outDir, { recursive: true });
  for (const [i, s] of sessions.entries()) {
    if (!s) continue;
    await s.page.screenshot({ path: join(outDir, `${name}-${i}.png`), fullPage: true }).catch(() => {});
    if (s.problems.length) console.error(`browser ${i} problems:\n` + s.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-4000));
}

/**
 * Types `q` into the search page's box and waits for the case `ref`'s
 * result with `word` marked in its snippet.
 */
async function searchFor(page, q, ref, word) {
  const box = page.getByTestId('search-input');
  await box.fill(q);
  await box.press('Enter');
  const hit = page.getByTestId('search-cases').locator('li').filter({ hasText: ref });
  await hit.getByTestId('snippet').locator('mark', { hasText: word }).first().waitFor();
  return hit;
}

/** The marked words of a result's snippet, and that no marker is visible. */
async function marksOf(page, hit) {
  const marks = await hit.getByTestId('snippet').locator('mark').allInnerTexts();
  const shown = await page.getByTestId('search-page').innerText();
  assert.ok(!shown.includes('«') && !shown.includes('»'), `no markers visible: ${shown}`);
  return marks;
}

test('folded matches are marked in the search results, in English and German', async () => {
  let admin;
  try {
    admin = await login(ADMIN);
    const page = admin.page;
    const projects = await call(admin, 'GET', '/projects');
    assert.equal(projects.status, 200, JSON.stringify(projects.body));
    const acme = projects.body.items.find((p) => p.key === 'ACME');
    assert.ok(acme, 'the demo project ACME');
    const created = await call(admin, 'POST', '/cases', {
      project_id: acme.id,
      subject: 'Rückruf erbeten',
      channel: 'email',
      contact: { name: 'Frieda Zwölfmüller', email: 'frieda.zwoelf@example.net' },
      message: { kind: 'inbound', body_text: 'Frau Zwölfmüller zieht in die Lindenstraße 4 und bittet um Rückruf.' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const ref = created.body.ref;

    // The search is within the header's project: ACME's.
    const switcher = page.getByTestId('project-switch');
    await switcher.selectOption(await switcher.locator('option', { hasText: 'ACME ·' }).first().getAttribute('value'));
    await page.goto(env.baseUrl + '/search');
    await page.getByTestId('search-page').waitFor();
    assert.match(await page.getAttribute('html', 'lang'), /^en/);
    let hit = await searchFor(page, 'Zwoelfmueller', ref, 'Zwölfmüller');
    assert.ok((await marksOf(page, hit)).includes('Zwölfmüller'), 'the folded match is marked');
    // The contact is found in its own spelling too.
    await page.getByTestId('search-contacts').getByText('Frieda Zwölfmüller').waitFor();
    hit = await searchFor(page, 'Lindenstrasse', ref, 'Lindenstraße');
    assert.deepEqual(await marksOf(page, hit), ['Lindenstraße']);

    // German: the same, through the header's language switch.
    await page.getByTestId('lang-switch').selectOption('de');
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    hit = await searchFor(page, 'Zwolfmuller', ref, 'Zwölfmüller');
    assert.ok((await marksOf(page, hit)).includes('Zwölfmüller'), 'the folded match is marked');
    hit = await searchFor(page, '"Lindenstrasse 4"', ref, 'Lindenstraße');
    assert.equal((await marksOf(page, hit)).join(' '), 'Lindenstraße 4');
    await page.screenshot({ path: join(outDir, 'search-fold-de.png'), fullPage: true }).catch(() => {});
    assert.deepEqual(admin.problems, [], 'no console errors or CSP violations');
  } catch (e) {
    await failureArtifacts('search-fold', [admin]);
    throw e;
  } finally {
    await admin?.context.close();
  }
});

test('the knowledge search marks folded matches', async () => {
  let editor;
  try {
    editor = await login(CLIENT_ADMIN, { locale: 'en-US' });
    const page = editor.page;
    const me = (await call(editor, 'GET', '/me')).body;
    const clientId = me.client.id;
    const saved = await call(editor, 'POST', '/knowledge/articles', {
      client_id: clientId,
      language: 'de',
      title: 'Umzug von Familie Knöselmüller',
      body: 'Familie Knöselmüller meldet den Umzug in die Ahornstraße.',
    });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const published = await call(editor, 'POST', `/knowledge/articles/${saved.body.article_id}/versions/${saved.body.version.id}/publish`, {});
    assert.equal(published.status, 200, JSON.stringify(published.body));

    await page.getByTestId('nav-knowledge').click();
    await page.getByTestId('kb-home').waitFor();
    for (const [q, word] of [
      ['Knoeselmueller', 'Knöselmüller'],
      ['Ahornstrasse', 'Ahornstraße'],
    ]) {
      await page.getByTestId('kb-search').fill(q);
      await page.getByTestId('kb-search').press('Enter');
      const snippet = page.getByTestId('kb-hits').locator('li').filter({ hasText: 'Knöselmüller' }).getByTestId('snippet');
      await snippet.locator('mark', { hasText: word }).first().waitFor();
      assert.ok((await snippet.locator('mark').allInnerTexts()).includes(word), `${q}: ${word} is marked`);
      const shown = await page.getByTestId('kb-hits').innerText();
      assert.ok(!shown.includes('«') && !shown.includes('»'), `no markers visible: ${shown}`);
    }
    assert.deepEqual(editor.problems, [], 'no console errors or CSP violations');
  } catch (e) {
    await failureArtifacts('search-fold-kb', [editor]);
    throw e;
  } finally {
    await editor?.context.close();
  }
});
