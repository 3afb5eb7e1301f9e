// Browser test of work instructions against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/instructions.test.mjs
//
// Acme's client admin publishes a must-acknowledge instruction; Anna (an
// Acme agent) has her workspace open and sees the banner arrive live,
// without a reload, in under a second (measured from the publish request
// to the banner in her page, printed); she acknowledges; the client admin
// sees that she did and who has not yet.

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
const ANNA_NAME = 'Anna Schmidt';
const KADMIN = 'kadmin@acme-energie.example';

const env = realServer();

async function signedIn(email, { locale = 'en-US', viewport = { width: 1366, height: 768 } } = {}) {
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

test('a published must-acknowledge instruction reaches the open workspace live and its acknowledgment the client admin', async () => {
  let anna;
  let admin;
  const title = `Neue Prüfregel ${Date.now().toString(36)}`;
  try {
    // (1) Anna works in her case list; a marker a reload would wipe out, and
    // an observer that notes when a banner with the title appears.
    anna = await signedIn(ANNA);
    await anna.page.getByTestId('nav-cases').click();
    await anna.page.getByTestId('cases-page').waitFor();
    await anna.page.evaluate((wanted) => {
      window.__noReload = true;
      window.__bannerAt = null;
      const seen = () => {
        for (const b of document.querySelectorAll('[data-testid="instruction-banner"]')) {
          if (b.textContent.includes(wanted)) return true;
        }
        return false;
      };
      new MutationObserver(() => {
        if (window.__bannerAt === null && seen()) window.__bannerAt = Date.now();
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    }, title);
    // The demo's own open instruction is there already (loaded at sign-in).
    await anna.page.getByTestId('instruction-banner').first().waitFor();

    // (2) The client admin writes and publishes.
    admin = await signedIn(KADMIN);
    await admin.page.getByTestId('nav-instructions').click();
    await admin.page.getByTestId('instructions-page').waitFor();
    await admin.page.getByTestId('ins-title').fill(title);
    await admin.page.getByTestId('ins-body').fill('Vor jeder Änderung **Geburtsdatum** abfragen.');
    await admin.page.getByTestId('ins-urgency').selectOption('acknowledge');
    let publishSentAt = null;
    admin.page.on('request', (req) => {
      if (req.method() === 'POST' && /\/api\/v1\/instructions\/\d+\/publish$/.test(req.url())) publishSentAt = Date.now();
    });
    const published = admin.page.waitForResponse((r) => /\/instructions\/\d+\/publish$/.test(r.url()));
    await admin.page.getByTestId('ins-publish').click();
    assert.equal((await published).status(), 200);

    // (3) Anna's workspace shows it without a reload, within a second.
    const banner = anna.page.getByTestId('instruction-banner').filter({ hasText: title });
    await banner.waitFor({ timeout: 5000 });
    const bannerAt = await anna.page.evaluate(() => window.__bannerAt);
    assert.ok(publishSentAt && bannerAt, 'times recorded');
    const latency = bannerAt - publishSentAt;
    console.log(`instruction banner latency (publish request sent → banner shown): ${latency} ms`);
    assert.ok(latency < 1000, `banner took ${latency} ms`);
    assert.equal(await anna.page.evaluate(() => window.__noReload), true, 'the workspace was reloaded');
    await banner.locator('strong', { hasText: 'Geburtsdatum' }).waitFor();

    // (4) She acknowledges; the banner goes.
    await banner.getByTestId('instruction-acknowledge').click();
    await banner.waitFor({ state: 'detached' });

    // (5) The client admin sees who acknowledged and who has not yet.
    const detail = admin.page.getByTestId('ins-detail');
    await detail.getByTestId('ins-acked').getByText(ANNA_NAME).waitFor({ timeout: 5000 });
    const pending = await detail.getByTestId('ins-pending').textContent();
    assert.ok(!pending.includes(ANNA_NAME), `Anna still pending: ${pending}`);
    assert.ok(pending.includes('Mehmet Yilmaz'), `Team Basic's agent not pending: ${pending}`);
    assert.equal(anna.problems.length + admin.problems.length, 0, [...anna.problems, ...admin.problems].join('\n'));
  } catch (e) {
    await failureArtifacts('instructions', [anna, admin]);
    throw e;
  } finally {
    await anna?.context.close();
    await admin?.context.close();
  }
});

test('on a phone (390×844) the banner and the course page fit the screen, in German', async () => {
  let anna;
  try {
    anna = await signedIn(ANNA, { locale: 'de-DE', viewport: { width: 390, height: 844 } });
    const page = anna.page;
    await page.evaluate(() => localStorage.setItem('zezaro.locale', 'de'));
    await page.reload();
    await page.getByTestId('home').waitFor();
    // The demo's open must-acknowledge instruction, with German buttons.
    const banner = page.getByTestId('instruction-banner').filter({ hasText: 'Identität am Telefon' });
    await banner.waitFor();
    assert.equal((await banner.getByTestId('instruction-acknowledge').textContent()).trim(), 'Gelesen und verstanden');
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    assert.ok(await fits(), 'the banner makes the page wider than the phone');
    // Put off: gone in this session.
    await banner.getByTestId('instruction-later').click();
    await banner.waitFor({ state: 'detached' });

    // The demo course: open, read an article, the check is there.
    await page.goto(env.baseUrl + '/training');
    await page.getByTestId('my-courses').waitFor();
    await page.getByTestId('my-courses').getByRole('link').first().click();
    await page.getByTestId('course-page').waitFor();
    // The page frame shows while the lesson loads; count once it is there.
    await page.getByTestId('course-article').first().waitFor();
    assert.equal(await page.getByTestId('course-article').count(), 3);
    await page.getByTestId('course-read').first().click();
    await page.getByText('Gelesen', { exact: false }).first().waitFor();
    await page.getByTestId('course-check').waitFor();
    assert.ok(await fits(), 'the course page makes the page wider than the phone');
    const text = await page.getByTestId('course-page').textContent();
    for (const english of ['Mark as read', 'Submit answers', 'Pass mark']) assert.ok(!text.includes(english), `English on a German screen: ${english}`);
    assert.equal(anna.problems.length, 0, anna.problems.join('\n'));
  } catch (e) {
    await failureArtifacts('instructions-phone', [anna]);
    throw e;
  } finally {
    await anna?.context.close();
  }
});
