// Browser test of the start page ("what needs me now") against the real
// server with the demo data.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/home.test.mjs
//
// Anna (Acme's own agent) opens the start page in German: her overdue case
// leads "Meine offenen Fälle", she takes an unassigned case with one click
// and it moves into her list (its case screen names her), her figures of
// today follow a reply she sends without a reload; the headings once in
// English; on a phone-sized screen nothing scrolls sideways.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ANNA = 'anna.schmidt@acme-energie.example';
const ANNA_NAME = 'Anna Schmidt';
const PROJECT_KEY = 'ACME';

const env = realServer();

const login = (email, options) => signIn(env, email, options);

/** The header's language select (it saves the profile's language too). */
async function switchLanguage(page, language) {
  await page.getByTestId('lang-switch').selectOption(language);
  await page.waitForFunction((l) => document.documentElement.lang === l, language);
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

async function failureArtifacts(name, pages) {
  mkdirSync(outDir, { recursive: true });
  for (const [i, p] of pages.entries()) {
    if (!p) continue;
    await p.page.screenshot({ path: join(outDir, `${name}-${i}.png`), fullPage: true }).catch(() => {});
    if (p.problems.length) console.error(`browser ${i} problems:\n` + p.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-4000));
}

const figure = (page, id) => page.getByTestId(id).locator('dd');

test('the start page shows what needs the agent now, takes a case in one click and stays live', { timeout: 180_000 }, async () => {
  let anna;
  let phone;
  const tag = Date.now().toString(36);
  const overdue = `Zählerwechsel verpasst ${tag}`;
  const later = `Abschlag anpassen ${tag}`;
  const free = `Umzug melden ${tag}`;
  try {
    anna = await login(ANNA);
    await switchLanguage(anna.page, 'de');
    const me = await call(anna.context, 'GET', '/me');
    const acme = me.projects.find((p) => p.key === PROJECT_KEY).id;
    const inDays = (d) => new Date(Date.now() + d * 86400_000).toISOString();
    // Due long before any demo case: first in her list and in the unassigned one.
    await call(anna.context, 'POST', '/cases', {
      project_id: acme, subject: overdue, channel: 'email', assignee_id: me.user.id, due_at: '2020-01-06T08:00:00Z',
      contact: { name: 'Greta Grün', email: 'greta.gruen@example.org' },
    });
    const laterCase = await call(anna.context, 'POST', '/cases', {
      project_id: acme, subject: later, channel: 'email', assignee_id: me.user.id, due_at: inDays(30),
      contact: { name: 'Hans Hafer', email: 'hans.hafer@example.org' },
    });
    await call(anna.context, 'POST', '/cases', {
      project_id: acme, subject: free, channel: 'email', due_at: '2020-01-07T08:00:00Z',
      contact: { name: 'Ida Imker', email: 'ida.imker@example.org' },
    });

    const { page } = anna;
    await page.goto(env.baseUrl + '/');
    await page.getByTestId('home-work').waitFor();
    for (const heading of ['Meine offenen Fälle', 'Nicht zugewiesen in meinen Projekten', 'Neue Arbeitsanweisungen', 'Meine Zahlen heute']) {
      await page.getByRole('heading', { name: heading }).waitFor();
    }

    // Her overdue case leads, marked as such, with its contact and German date.
    const mine = page.getByTestId('home-mine').getByTestId('home-case');
    await page.getByTestId('home-mine').getByText(overdue).waitFor();
    const first = mine.first();
    assert.equal(await first.getByTestId('home-case-subject').textContent(), overdue);
    assert.equal(await first.getAttribute('data-due'), 'overdue');
    const firstText = await first.textContent();
    assert.match(firstText, /Überfällig/);
    assert.match(firstText, /Greta Grün/);
    assert.match(firstText, /fällig 06\.01\.2020/);

    // A marker a full page reload would wipe out.
    await page.evaluate(() => {
      window.__noReload = true;
    });

    // Take the unassigned case: it leaves that list and joins hers.
    const unassigned = page.getByTestId('home-unassigned');
    const freeRow = unassigned.getByTestId('home-case').filter({ hasText: free });
    await freeRow.getByRole('button', { name: 'Übernehmen' }).click();
    await page.getByTestId('home-notice').filter({ hasText: 'ist jetzt Ihr Fall' }).waitFor();
    await page.getByTestId('home-mine').getByTestId('home-case').filter({ hasText: free }).waitFor();
    await freeRow.waitFor({ state: 'detached' });

    // My figures: a reply sent elsewhere (here: through the API, as from a
    // second tab) and recorded time show up live.
    const replies = Number(await figure(page, 'fig-replies').textContent());
    const timeBefore = await figure(page, 'fig-time').textContent();
    // Begun now, so it falls on today whatever the hour (by default it
    // begins two hours back, which in the first two hours of a day is yesterday).
    await call(anna.context, 'POST', `/cases/${laterCase.id}/time`, { kind: 'manual', seconds: 7200, started_at: new Date().toISOString() });
    await call(anna.context, 'POST', `/cases/${laterCase.id}/messages`, { kind: 'outbound', body_text: 'Guten Tag, der Abschlag ist angepasst.' });
    await page.waitForFunction((n) => document.querySelector('[data-testid="fig-replies"] dd')?.textContent === String(n), replies + 1);
    assert.notEqual(await figure(page, 'fig-time').textContent(), timeBefore);
    assert.equal(await page.evaluate(() => window.__noReload), true, 'no page reload');

    // The taken case opens from the start page and names her.
    await page.getByTestId('home-mine').getByTestId('home-case').filter({ hasText: free }).locator('a.case-ref').click();
    await page.getByTestId('case-subject').filter({ hasText: free }).waitFor();
    const assignee = page.getByTestId('case-assignee');
    assert.equal(await assignee.locator('option:checked').textContent(), ANNA_NAME);

    // Once in English.
    await page.goto(env.baseUrl + '/');
    await switchLanguage(page, 'en');
    for (const heading of ['My open cases', 'Unassigned in my projects', 'New work instructions', 'My figures today']) {
      await page.getByRole('heading', { name: heading }).waitFor();
    }
    assert.match(await page.getByTestId('home-mine').getByTestId('home-case').first().textContent(), /Overdue/);
    await switchLanguage(page, 'de');

    // A phone: the blocks stack, nothing scrolls sideways.
    phone = await login(ANNA, { viewport: { width: 390, height: 844 } });
    await phone.page.getByTestId('home-mine').getByText(overdue).waitFor();
    await phone.page.getByTestId('home-figures').waitFor();
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `page is ${width}px wide at 390px`);
    const [a, b] = await Promise.all(['home-mine', 'home-unassigned'].map((id) => phone.page.getByTestId(id).boundingBox()));
    assert.ok(b.y >= a.y + a.height, 'the blocks stack');

    assert.deepEqual(anna.problems, []);
    assert.deepEqual(phone.problems, []);
  } catch (e) {
    await failureArtifacts('home', [anna, phone]);
    throw e;
  } finally {
    await anna?.context.close();
    await phone?.context.close();
  }
});

test('taking a case somebody changed meanwhile says so and shows the list as it is now', { timeout: 120_000 }, async () => {
  let anna;
  const tag = Date.now().toString(36);
  const subject = `Vertragsende ${tag}`;
  const renamed = `Vertragsende zum 31. ${tag}`;
  try {
    anna = await login(ANNA);
    await switchLanguage(anna.page, 'de');
    const { page, context } = anna;
    // No live events on this page: the list keeps the version it showed.
    await page.route('**/api/v1/events', (route) => route.fulfill({ status: 204, body: '' }));
    const me = await call(context, 'GET', '/me');
    const acme = me.projects.find((p) => p.key === PROJECT_KEY).id;
    const created = await call(context, 'POST', '/cases', { project_id: acme, subject, channel: 'email', due_at: '2020-01-05T08:00:00Z' });
    await page.goto(env.baseUrl + '/');
    const row = page.getByTestId('home-unassigned').getByTestId('home-case').filter({ hasText: subject });
    await row.waitFor();
    // Somebody else changes it (here: through the API).
    await call(context, 'PATCH', `/cases/${created.id}`, { subject: renamed, expected_version: created.version });
    await row.getByRole('button', { name: 'Übernehmen' }).click();
    await page.getByTestId('home-notice').filter({ hasText: 'zwischenzeitlich von jemand anderem geändert' }).waitFor();
    // Read afresh: still unassigned, under its new subject, and not hers.
    await page.getByTestId('home-unassigned').getByTestId('home-case').filter({ hasText: renamed }).waitFor();
    assert.equal(await page.getByTestId('home-mine').getByText(renamed).count(), 0);
    const now = await call(context, 'GET', `/cases/${created.id}`);
    assert.equal(now.case.assignee_id, null);
    assert.equal(now.case.subject, renamed);
  } catch (e) {
    await failureArtifacts('home-conflict', [anna]);
    throw e;
  } finally {
    await anna?.context.close();
  }
});
