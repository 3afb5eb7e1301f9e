// Browser test of the lists' density and their phone layout (issue 17,
// points 4 and 7), in English and German, against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/density.test.mjs
//
// At 1440×900 the case list shows at least 15 whole rows, one line each,
// nothing cut off at the right, long subjects truncated with the full text
// on hover; the collapsed views column and the chosen columns survive a
// reload. At 1366×768 the Services page's buttons are on screen. At 390×844
// lists are cards without sideways scrolling, the menu opens over the
// viewport however far the page is scrolled, and the project switcher fits.

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
const PROJECT_KEY = 'ACME';
const LONG_SUBJECT =
  'Rückfrage zur Jahresabrechnung 2026: der Abschlag für Januar bis März wurde doppelt abgebucht, bitte erstatten Sie den Betrag auf das bekannte Konto';

const env = realServer();

/** A logged-in admin page in `lang`, the ACME project chosen. */
async function adminPage(lang, viewport) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(ADMIN);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  await page.getByTestId('lang-switch').selectOption(lang);
  await page.locator(`html[lang="${lang}"]`).waitFor();
  const switcher = page.getByTestId('project-switch');
  const value = await switcher.locator('option', { hasText: `${PROJECT_KEY} ·` }).first().getAttribute('value');
  await switcher.selectOption(value);
  return { context, page, problems };
}

/** A JSON API call with the context's session (and its CSRF token). */
async function call(context, method, path, body) {
  const me = await (await context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await context.request.fetch(`${env.baseUrl}/api/v1${path}`, { method, data: body, headers: { 'X-CSRF-Token': me.csrf_token ?? '' } });
  const text = await res.text();
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The case list, view "all cases", with at least `n` rows loaded. */
async function caseList(page, n = 20) {
  await seed();
  await page.goto(env.baseUrl + '/cases');
  await page.getByTestId('cases-page').waitFor();
  // Below 900 px a select stands in for the views column.
  if (page.viewportSize().width > 900) await page.getByTestId('view-all').click();
  else await page.locator('.views-select select').selectOption('all');
  await page.waitForFunction((min) => document.querySelectorAll('[data-testid="case-row"]').length >= min, n);
}

async function failureArtifacts(name, who) {
  mkdirSync(outDir, { recursive: true });
  if (who) {
    await who.page.screenshot({ path: join(outDir, `${name}.png`), fullPage: false }).catch(() => {});
    if (who.problems.length) console.error(`browser problems:\n` + who.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-3000));
}

/** Nothing of the page or the list sticks out at the right; every header reads in full. */
async function assertNothingCutOff(page, label) {
  const m = await page.evaluate(() => {
    const wrap = document.querySelector('[data-testid="case-table"]').closest('.table-wrap');
    const heads = [...document.querySelectorAll('[data-testid="case-table"] thead th')].map((th) => ({
      text: th.textContent.trim(),
      right: th.getBoundingClientRect().right,
      cut: th.scrollWidth > th.clientWidth + 1,
    }));
    const lastCell = document.querySelector('[data-testid="case-row"] td:last-child').getBoundingClientRect();
    return {
      width: window.innerWidth,
      pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
      wrapOverflow: wrap.scrollWidth - wrap.clientWidth,
      heads,
      lastRight: lastCell.right,
    };
  });
  assert.ok(m.pageOverflow <= 0, `${label}: the page is ${m.pageOverflow}px wider than the window`);
  assert.ok(m.wrapOverflow <= 1, `${label}: the table scrolls sideways by ${m.wrapOverflow}px`);
  assert.ok(m.lastRight <= m.width, `${label}: the last column ends at ${m.lastRight}px of ${m.width}`);
  for (const h of m.heads) {
    assert.ok(h.right <= m.width, `${label}: header "${h.text}" ends at ${h.right}px`);
    assert.ok(!h.cut, `${label}: header "${h.text}" is cut off`);
  }
}

// Enough cases in ACME to fill a screen, one with a subject too long for a
// line; created once, by the first test that needs them.
let seeded = null;
const seed = () => (seeded ??= createCases());

async function createCases() {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(ADMIN);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  const projects = await (await context.request.get(env.baseUrl + '/api/v1/projects')).json();
  const acme = projects.items.find((p) => p.key === PROJECT_KEY);
  const subjects = [LONG_SUBJECT, ...Array.from({ length: 24 }, (_, i) => `Dichte-Test ${i + 1}: Abschlag prüfen`)];
  for (const subject of subjects) {
    await call(context, 'POST', '/cases', {
      project_id: acme.id,
      subject,
      channel: 'email',
      contact: { name: 'Karl-Theodor Maria Nikolaus Johann Jacob Philipp Wilhelm Franz Joseph Sylvester', email: `dichte@example.org` },
      message: { kind: 'inbound', body_text: 'Bitte prüfen.' },
    });
  }
  await context.close();
}

for (const lang of ['en', 'de']) {
  test(`[${lang}] case list at 1440×900: 15+ one-line rows, nothing cut off, full text on hover`, async () => {
    let who;
    try {
      who = await adminPage(lang, { width: 1440, height: 900 });
      const { page } = who;
      await caseList(page);

      const rows = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="case-row"]')].map((r) => {
          const b = r.getBoundingClientRect();
          return { top: b.top, bottom: b.bottom, height: b.height };
        }),
      );
      const inView = rows.filter((r) => r.top >= 0 && r.bottom <= 900);
      assert.ok(inView.length >= 15, `${inView.length} whole rows in view at 1440×900 (want 15 or more)`);
      for (const r of rows) assert.ok(r.height < 44, `a row is ${r.height}px high: more than one line`);
      await assertNothingCutOff(page, '1440');

      // The long subject: cut with an ellipsis, the full text in its title.
      const cell = page.getByTestId('case-row').filter({ hasText: 'Rückfrage zur Jahresabrechnung' }).getByTestId('case-subject-cell');
      assert.equal(await cell.getAttribute('title'), LONG_SUBJECT);
      const cut = await cell.evaluate((el) => ({ over: el.scrollWidth > el.clientWidth, style: getComputedStyle(el).textOverflow }));
      assert.ok(cut.over, 'the long subject is truncated');
      assert.equal(cut.style, 'ellipsis');
      const contact = page.getByTestId('case-row').filter({ hasText: 'Rückfrage zur Jahresabrechnung' }).getByTestId('case-contact-cell');
      assert.match(await contact.getAttribute('title'), /^Karl-Theodor Maria Nikolaus/);

      // 1366 px: still nothing cut off.
      await page.setViewportSize({ width: 1366, height: 768 });
      await assertNothingCutOff(page, '1366');
      assert.deepEqual(who.problems, []);
    } catch (err) {
      await failureArtifacts(`density-desktop-${lang}`, who);
      throw err;
    } finally {
      await who?.context.close();
    }
  });

  test(`[${lang}] the views column collapses and the chosen columns stay after a reload`, async () => {
    let who;
    try {
      who = await adminPage(lang, { width: 1440, height: 900 });
      const { page } = who;
      await caseList(page);
      const toggle = page.getByTestId('views-toggle');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      const before = await page.getByTestId('case-table').evaluate((el) => el.getBoundingClientRect().width);
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      assert.equal(await toggle.textContent(), lang === 'de' ? 'Ansichten einblenden' : 'Show views');
      await page.getByTestId('views').waitFor({ state: 'hidden' });
      const after = await page.getByTestId('case-table').evaluate((el) => el.getBoundingClientRect().width);
      assert.ok(after > before + 150, `the table takes the room (${before} → ${after})`);

      // Columns: without the channel, with the topic.
      const menu = page.getByTestId('columns-menu');
      await menu.locator('summary').click();
      assert.equal((await menu.locator('summary').textContent()).trim(), lang === 'de' ? 'Spalten' : 'Columns');
      await page.getByTestId('column-channel').uncheck();
      await page.getByTestId('column-topic').check();
      const headers = () => page.getByTestId('case-table').locator('thead th').allTextContents();
      const channel = lang === 'de' ? 'Kanal' : 'Channel';
      const topic = lang === 'de' ? 'Thema' : 'Topic';
      assert.ok(!(await headers()).some((h) => h.includes(channel)), 'no channel column');
      assert.ok((await headers()).some((h) => h.includes(topic)), 'a topic column');
      await page.keyboard.press('Escape');
      await page.getByTestId('column-topic').waitFor({ state: 'hidden' });
      assert.equal(await menu.locator('summary').evaluate((el) => el === document.activeElement), true, 'Escape returns to the button');

      await page.reload();
      await page.getByTestId('cases-page').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="case-row"]').length >= 20);
      assert.equal(await page.getByTestId('views-toggle').getAttribute('aria-expanded'), 'false');
      assert.equal(await page.getByTestId('views').isVisible(), false, 'the views column stays collapsed');
      const again = await headers();
      assert.ok(!again.some((h) => h.includes(channel)), `still no channel column: ${again}`);
      assert.ok(again.some((h) => h.includes(topic)), `still a topic column: ${again}`);
      assert.equal(await page.getByTestId('case-topic-cell').first().isVisible(), true);
      await assertNothingCutOff(page, 'chosen columns');
      assert.deepEqual(who.problems, []);
    } catch (err) {
      await failureArtifacts(`density-columns-${lang}`, who);
      throw err;
    } finally {
      await who?.context.close();
    }
  });

  test(`[${lang}] Services at 1366×768: every button on screen`, async () => {
    let who;
    try {
      who = await adminPage(lang, { width: 1366, height: 768 });
      const { page } = who;
      await page.goto(env.baseUrl + '/admin/services');
      await page.getByTestId('services-page').locator('tbody tr').first().waitFor();
      const m = await page.evaluate(() => {
        const wrap = document.querySelector('[data-testid="services-page"] .table-wrap').getBoundingClientRect();
        const buttons = [...document.querySelectorAll('[data-testid="services-page"] tbody button')].map((b) => {
          const r = b.getBoundingClientRect();
          return { text: b.textContent, left: r.left, right: r.right, width: r.width };
        });
        return { buttons, wrapRight: wrap.right, width: window.innerWidth };
      });
      assert.ok(m.buttons.length >= 4, `${m.buttons.length} buttons`);
      for (const b of m.buttons) {
        assert.ok(b.width > 0 && b.right <= Math.min(m.width, m.wrapRight), `button "${b.text}" ends at ${b.right}px (window ${m.width}, table ${m.wrapRight})`);
      }
      assert.deepEqual(who.problems, []);
    } catch (err) {
      await failureArtifacts(`density-services-${lang}`, who);
      throw err;
    } finally {
      await who?.context.close();
    }
  });

  test(`[${lang}] phone 390×844: cards, no sideways scroll, a fixed menu, a compact switcher`, async () => {
    let who;
    try {
      who = await adminPage(lang, { width: 390, height: 844 });
      const { page } = who;
      await caseList(page);

      // Cards: no visible column headers; a case's status sits below its subject.
      const card = await page.evaluate(() => {
        const row = [...document.querySelectorAll('[data-testid="case-row"]')].find((r) => r.textContent.includes('Rückfrage zur Jahresabrechnung'));
        const box = (sel) => row.querySelector(sel)?.getBoundingClientRect().toJSON();
        return {
          head: document.querySelector('[data-testid="case-table"] thead').getBoundingClientRect().height,
          row: row.getBoundingClientRect().toJSON(),
          subject: box('[data-testid="case-subject-cell"]'),
          status: box('[data-testid="case-status-cell"]'),
          contact: box('[data-testid="case-contact-cell"]'),
          priority: box('[data-testid="case-priority-cell"]'),
        };
      });
      assert.ok(card.head <= 1, 'the column headers are not shown');
      assert.ok(card.status.top >= card.subject.bottom - 1, 'the status is below the subject: a card');
      for (const part of ['subject', 'status', 'contact', 'priority']) {
        assert.ok(card[part].width > 0 && card[part].left >= card.row.left && card[part].right <= card.row.right + 0.5, `${part} lies inside the card`);
      }
      assert.ok(card.row.right <= 390, `the card ends at ${card.row.right}px`);
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'the case list does not scroll sideways');

      // The menu, opened far down the page, lies over the viewport.
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      assert.ok((await page.evaluate(() => window.scrollY)) > 400, 'the page is scrolled down');
      await page.getByTestId('nav-toggle').click();
      const nav = page.locator('#main-nav');
      await nav.waitFor();
      const navBox = await nav.boundingBox();
      assert.ok(navBox.y >= 0 && navBox.y < 844, `the menu starts at ${navBox.y}px`);
      const link = await page.getByTestId('nav-cases').boundingBox();
      assert.ok(link.y >= 0 && link.y + link.height <= 844, `the first entries are on screen (${link.y}px)`);
      await page.getByTestId('nav-contacts').click();
      await page.getByTestId('contacts-page').waitFor();
      await nav.waitFor({ state: 'hidden' });

      // The switcher: the project's key in full, inside the header.
      const sw = await page.evaluate(() => {
        const key = document.querySelector('[data-testid="project-key"]');
        const label = key.closest('.project-switch').getBoundingClientRect();
        const header = document.querySelector('header.header');
        return { text: key.textContent, cut: key.scrollWidth > key.clientWidth + 1, left: label.left, right: label.right, width: label.width, headerOverflow: header.scrollWidth - header.clientWidth };
      });
      assert.equal(sw.text, PROJECT_KEY);
      assert.ok(!sw.cut, 'the project key is not cut');
      assert.ok(sw.left >= 0 && sw.right <= 390 && sw.width >= 40, `the switcher fits (${sw.left}–${sw.right})`);
      assert.ok(sw.headerOverflow <= 0, `the header overflows by ${sw.headerOverflow}px`);

      // The other lists: cards too, no sideways scroll.
      for (const [path, pageId, rowId] of [
        ['/contacts', 'contacts-page', 'contact-row'],
        ['/organizations', 'organizations-page', 'organization-row'],
        ['/admin/services', 'services-page', null],
      ]) {
        await page.goto(env.baseUrl + path);
        await page.getByTestId(pageId).waitFor();
        await page.getByTestId(pageId).locator(rowId ? `[data-testid="${rowId}"]` : 'tbody tr').first().waitFor();
        const m = await page.evaluate((id) => {
          const wrap = document.querySelector(`[data-testid="${id}"] .table-wrap`);
          return { page: document.documentElement.scrollWidth, wrap: wrap.scrollWidth - wrap.clientWidth };
        }, pageId);
        assert.ok(m.page <= 390, `${path}: the page is ${m.page}px wide`);
        assert.ok(m.wrap <= 1, `${path}: the list scrolls sideways by ${m.wrap}px`);
      }
      assert.deepEqual(who.problems, []);
    } catch (err) {
      await failureArtifacts(`density-phone-${lang}`, who);
      throw err;
    } finally {
      await who?.context.close();
    }
  });
}
