// Browser test of issue 17, point 5: the case screen's first screen, against
// the real server (same harness as case-history.test.mjs):
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/case-screen.test.mjs
//
// At 1366×768 the thread (its newest message), the composer with its send
// button, the contact with a long e-mail address, the key fields and the
// first custom field lie inside the window without scrolling; the header's
// fields take one row and the channel stands in the header; the side panel
// is wide enough for the custom fields. At 390×844 nothing scrolls
// sideways and thread, composer and contact follow each other. German and
// English.

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
const LONG_EMAIL = 'friederike.schmidt-hohenstein@stadtwerke-example.de';

const env = realServer();

async function agentPage(language, viewport) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The login page asks who is logged in before anyone is.
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(ANNA);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  await page.getByTestId('lang-switch').selectOption(language);
  await page.waitForFunction((l) => document.documentElement.lang === l, language);
  const switcher = page.getByTestId('project-switch');
  const projectId = Number(await switcher.locator('option', { hasText: 'ACME ·' }).first().getAttribute('value'));
  await switcher.selectOption(String(projectId));
  return { context, page, problems, projectId };
}

/** Work instructions read once (no banners above the page then, as for an agent at work). */
async function readInstructions(who) {
  const mine = await call(who.context, 'GET', '/instructions/mine');
  for (const item of mine.items.filter((i) => i.banner)) {
    await call(who.context, 'POST', `/instructions/${item.id}/${item.urgency === 'acknowledge' ? 'acknowledge' : 'dismiss'}`);
  }
  assert.equal((await call(who.context, 'GET', '/instructions/mine')).items.filter((i) => i.banner).length, 0);
}

async function call(context, method, path, body) {
  const me = await (await context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await context.request.fetch(`${env.baseUrl}/api/v1${path}`, { method, data: body, headers: { 'X-CSRF-Token': me.csrf_token ?? '' } });
  const text = await res.text();
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An e-mail case with a long thread (the newest message last) and a contact with a long address. */
async function longCase(who, subject) {
  const stamp = Date.now().toString(36);
  const created = await call(who.context, 'POST', '/cases', {
    project_id: who.projectId,
    subject,
    channel: 'email',
    contact: { name: `Friederike Schmidt-Hohenstein ${stamp}`, email: LONG_EMAIL.replace('@', `.${stamp}@`) },
    message: { kind: 'inbound', body_text: 'Guten Tag,\nmeine Abschlagszahlung wurde doppelt abgebucht.\nBitte prüfen Sie das.' },
  });
  let version = created.version ?? created.case?.version;
  const id = created.id ?? created.case?.id;
  for (let i = 1; i <= 7; i++) {
    const r = await call(who.context, 'POST', `/cases/${id}/messages`, {
      kind: 'note',
      body_text: `Notiz ${i}: Buchung im Abrechnungssystem geprüft.\nZweite Zeile.\nDritte Zeile.`,
      expected_version: version,
    });
    version = r.case.version;
  }
  await call(who.context, 'POST', `/cases/${id}/messages`, { kind: 'note', body_text: 'Neueste Notiz: Gutschrift veranlasst.', expected_version: version });
  return id;
}

async function failureArtifacts(name, p) {
  mkdirSync(outDir, { recursive: true });
  if (!p) return;
  await p.page.screenshot({ path: join(outDir, `${name}.png`) }).catch(() => {});
  if (p.problems.length) console.error('browser problems:\n' + p.problems.join('\n'));
  console.error('server log:\n' + env.log.slice(-2000));
}

async function box(locator) {
  const b = await locator.boundingBox();
  assert.ok(b, 'the element is rendered');
  return b;
}

/** Asserts the element lies inside the window (no scrolling needed to see it). */
async function inWindow(page, locator, what) {
  const b = await box(locator);
  const vp = page.viewportSize();
  assert.ok(b.y >= 0 && b.y + b.height <= vp.height + 0.5, `${what}: y ${b.y}..${b.y + b.height} outside 0..${vp.height}`);
  assert.ok(b.x >= 0 && b.x + b.width <= vp.width + 0.5, `${what}: x ${b.x}..${b.x + b.width} outside 0..${vp.width}`);
  return b;
}

const languages = [
  { language: 'de', channel: 'E-Mail', send: 'Antwort senden', contact: 'Kontakt', newest: 'Neueste Notiz' },
  { language: 'en', channel: 'E-mail', send: 'Send reply', contact: 'Contact', newest: 'Neueste Notiz' },
];

for (const l of languages) {
  test(`the case screen's first screen at 1366×768 holds thread, composer, contact and key fields (${l.language})`, async () => {
    let anna;
    try {
      anna = await agentPage(l.language, { width: 1366, height: 768 });
      const page = anna.page;
      await readInstructions(anna);
      const id = await longCase(anna, `Doppelte Abbuchung ${l.language} ${Date.now().toString(36)}`);
      await page.goto(`${env.baseUrl}/cases/${id}`);
      await page.getByTestId('case-page').waitFor();
      await page.getByTestId('fields-card').getByTestId('mask-field').first().waitFor();
      await page.getByTestId('message').last().getByText(l.newest).waitFor();

      // Nothing to scroll: the page is the window.
      const scroll = await page.evaluate(() => ({ h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth, main: document.getElementById('main').scrollHeight - document.getElementById('main').clientHeight }));
      assert.ok(scroll.h <= 768 && scroll.w <= 1366, `document ${scroll.w}×${scroll.h}`);
      assert.ok(scroll.main <= 1, `the main area scrolls by ${scroll.main}px`);

      // The header: one row of key fields, the channel named.
      const fields = ['case-status', 'case-priority', 'case-assignee', 'case-handling', 'case-topic', 'case-due'];
      const tops = [];
      for (const f of fields) tops.push((await inWindow(page, page.getByTestId(f), f)).y);
      assert.ok(Math.max(...tops) - Math.min(...tops) < 2, `header fields on one row: ${tops.join(', ')}`);
      assert.equal((await page.getByTestId('case-channel').innerText()).trim(), l.channel);
      await inWindow(page, page.getByTestId('case-channel'), 'channel');
      // Each select shows its whole choice (no text cut off in the header).
      for (const f of ['case-status', 'case-priority', 'case-assignee']) {
        const cut = await page.getByTestId(f).evaluate((el) => el.scrollWidth > el.clientWidth + 1);
        assert.equal(cut, false, `${f} shows its whole value`);
      }

      // The thread with its newest message, the composer with its send button.
      const thread = await inWindow(page, page.getByTestId('thread'), 'thread');
      const newest = await box(page.getByTestId('message').last());
      assert.ok(newest.y >= thread.y - 0.5 && newest.y + newest.height <= thread.y + thread.height + 0.5, 'the newest message is in view');
      assert.ok(thread.height >= 100, `the thread has room (${thread.height}px)`);
      await inWindow(page, page.getByTestId('composer-text'), 'composer text');
      const send = await inWindow(page, page.getByTestId('composer-send'), 'send button');
      assert.equal((await page.getByTestId('composer-send').innerText()).trim(), l.send);
      assert.ok(send.y > thread.y, 'the composer under the thread');

      // The contact, its long address on one line; the first custom field.
      const contact = page.getByTestId('contact-card');
      await inWindow(page, contact.getByRole('heading', { name: l.contact }), 'contact heading');
      const email = contact.getByTestId('contact-card-email');
      const emailBox = await inWindow(page, email, 'contact e-mail');
      const lineHeight = await email.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
      assert.ok(emailBox.height <= lineHeight * 1.5, `the address is not broken onto two lines (${emailBox.height}px)`);
      assert.match(await email.getAttribute('title'), /^friederike\.schmidt-hohenstein@stadtwerke-example\.de$|^friederike\.schmidt-hohenstein\.[a-z0-9]+@stadtwerke-example\.de$/);
      await inWindow(page, page.getByTestId('fields-card').getByTestId('mask-field').first(), 'first custom field');
      const side = await box(page.getByTestId('case-side'));
      assert.ok(side.width >= 340, `side panel ${side.width}px wide`);
      // The custom fields' inputs are not squeezed.
      const input = page.getByTestId('fields-card').getByTestId('mask-field').first().locator('input, select, textarea').first();
      assert.ok((await box(input)).width >= 280, 'a custom field has the side panel width');

      // Taking the case keeps the one screen (the take button goes, nothing moves out).
      await page.getByTestId('assign-me').click();
      await page.getByTestId('save-status').filter({ hasText: l.language === 'de' ? 'Gespeichert.' : 'Saved.' }).waitFor();
      await inWindow(page, page.getByTestId('composer-send'), 'send button after a save');
      assert.deepEqual(anna.problems, []);
    } catch (e) {
      await failureArtifacts(`case-screen-1366-${l.language}`, anna);
      throw e;
    } finally {
      await anna?.context.close();
    }
  });

  test(`the case screen at 390×844: no sideways scrolling, thread, composer and contact in order (${l.language})`, async () => {
    let anna;
    try {
      anna = await agentPage(l.language, { width: 390, height: 844 });
      const page = anna.page;
      const id = await longCase(anna, `Abbuchung ${l.language} ${Date.now().toString(36)}`);
      await page.goto(`${env.baseUrl}/cases/${id}`);
      await page.getByTestId('case-page').waitFor();
      await page.getByTestId('message').last().getByText(l.newest).waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
      await inWindow(page, page.getByTestId('case-status'), 'status');
      assert.equal((await page.getByTestId('case-channel').innerText()).trim(), l.channel);
      for (const f of ['case-status', 'case-priority', 'case-assignee', 'case-handling', 'case-topic', 'case-due']) {
        const b = await box(page.getByTestId(f));
        assert.ok(b.x >= 0 && b.x + b.width <= 390, `${f} inside the width`);
      }
      const thread = await box(page.getByTestId('thread'));
      const composer = await box(page.getByTestId('composer'));
      const contact = await box(page.getByTestId('contact-card'));
      assert.ok(thread.y < composer.y && composer.y < contact.y, 'thread, composer, contact');
      const send = await box(page.getByTestId('composer-send'));
      assert.ok(send.x >= 0 && send.x + send.width <= 390, 'the send button inside the width');
      const email = await box(page.getByTestId('contact-card-email'));
      assert.ok(email.x + email.width <= 390, 'the address inside the width');
      assert.deepEqual(anna.problems, []);
    } catch (e) {
      await failureArtifacts(`case-screen-390-${l.language}`, anna);
      throw e;
    } finally {
      await anna?.context.close();
    }
  });
}
