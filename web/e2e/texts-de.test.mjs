// Browser test of issue 17 point 10 (no English or technical text in the
// German UI), against the real server (same harness as save-feedback):
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/texts-de.test.mjs
//
// The services page names services, schedules ("täglich um 03:30 UTC") and
// run results in German, and on a phone is cards without sideways scrolling;
// the audit log says who did what to which named object, the change as
// lines, filtered by person, action and date; a conflict (409) reads German.

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

const env = realServer();

/** English words of these screens that must not show in German. */
const ENGLISH = [/\bevery\b/i, /\bcontinuous\b/i, /\bcron\b/i, /\bpurged\b/i, /\bexpired\b/i, /\bsessions\b/i, /\bdaily\b/i, /contact #/i, /\bSigned in\b/, /\bchanged\b/, /\bcreated\b/i, /\bmeanwhile\b/i, /\bversion \d/i];

function assertGerman(text, where) {
  for (const word of ENGLISH) assert.doesNotMatch(text, word, `${where} shows English: ${word}`);
}

async function login(email = ADMIN, viewport = { width: 1366, height: 900 }) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of (409)/.test(msg.text())) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  await page.getByTestId('lang-switch').selectOption('de');
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  return { context, page, problems };
}

async function call(context, method, path, body) {
  const me = await (await context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await context.request.fetch(`${env.baseUrl}/api/v1${path}`, { method, data: body, headers: { 'X-CSRF-Token': me.csrf_token ?? '' } });
  const text = await res.text();
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function failureArtifacts(name, who) {
  mkdirSync(outDir, { recursive: true });
  if (who) {
    await who.page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true }).catch(() => {});
    if (who.problems.length) console.error('browser problems:\n' + who.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-3000));
}

test('the services page speaks German: names, schedules, results; cards on a phone', async () => {
  let who;
  try {
    who = await login();
    const { page, context } = who;
    await page.getByTestId('nav-services').click();
    await page.getByTestId('services-page').waitFor();
    const retention = page.getByTestId('service-gdpr.retention');
    assert.match(await retention.getByTestId('service-name').innerText(), /^DSGVO-Aufbewahrung/);
    assert.equal((await retention.getByTestId('service-schedule').innerText()).trim(), 'täglich um 03:30 UTC');
    assert.equal((await page.getByTestId('service-backup').getByTestId('service-schedule').innerText()).trim(), 'täglich um 02:30 UTC');
    assert.equal((await page.getByTestId('service-exports.expire').getByTestId('service-schedule').innerText()).trim(), 'alle 10 Minuten');
    assert.equal((await page.getByTestId('service-sla.recompute').getByTestId('service-schedule').innerText()).trim(), 'jede Minute');
    assert.equal((await page.getByTestId('service-sessions.purge').getByTestId('service-schedule').innerText()).trim(), 'stündlich zur Minute 17');

    // A run's result, by its code.
    const purge = page.getByTestId('service-sessions.purge');
    await purge.getByTestId('service-run').click();
    await purge.getByTestId('service-message').filter({ hasText: /abgelaufene Sitzungen? gelöscht/ }).waitFor();
    const listed = await call(context, 'GET', '/services');
    assert.ok(listed.items.some((s) => s.schedule.kind === 'cron' && s.schedule.expr === '0 30 3 * * *'), 'the server sends the expression as data');

    const text = await page.getByTestId('services-page').innerText();
    assert.match(text, /täglich um/);
    assert.doesNotMatch(text, /0 30 3 \* \* \*/, 'a describable expression is described');
    assertGerman(text.replace(/\b[a-z]+(\.[a-z0-9-]+)+\b/g, ''), 'services page');

    // On a phone: every service a card, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.documentElement.scrollWidth <= 390);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390));
    const runButton = purge.getByTestId('service-run');
    const box = await runButton.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the buttons are on the screen: ${JSON.stringify(box)}`);
  } catch (e) {
    await failureArtifacts('texts-services', who);
    throw e;
  } finally {
    await who?.context.close();
  }
});

test('the audit log names people and objects, shows changes as lines and filters by person, action and date', async () => {
  let who;
  try {
    who = await login();
    const { page, context } = who;
    const me = await call(context, 'GET', '/me');
    const clients = await call(context, 'GET', '/clients');
    const acme = clients.items.find((c) => c.name === 'Acme Energie GmbH');
    const stamp = Date.now().toString(36);
    const contact = await call(context, 'POST', '/contacts', { client_id: acme.id, name: `Erika Protokoll ${stamp}` });
    await call(context, 'PATCH', `/contacts/${contact.id}`, { name: `Erika Protokoll-Neu ${stamp}` });

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-page').waitFor();
    const rows = page.getByTestId('audit-row');
    const update = rows.filter({ has: page.locator('[data-action="contact.update"]') }).first();
    await update.waitFor();
    assert.equal((await update.getByTestId('audit-who').innerText()).split('\n')[0].trim(), me.user.name);
    assert.equal((await update.getByTestId('audit-what').innerText()).trim(), 'Endkunde geändert');
    assert.equal((await update.getByTestId('audit-object').innerText()).trim(), `Endkunde „Erika Protokoll-Neu ${stamp}“ #${contact.id}`);
    assert.match(await update.getByTestId('audit-change').innerText(), /Geändert: Name/);
    const text = await page.getByTestId('audit-page').innerText();
    assert.doesNotMatch(text, /\{"/, 'no raw JSON');
    assertGerman(text, 'audit log');

    // By action: only updates of contacts.
    await page.getByTestId('audit-filter-action').selectOption('contact.update');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-what"]')].every((td) => td.dataset.action === 'contact.update'));
    assert.ok((await rows.count()) >= 1);
    // By person: someone else did none of this.
    const people = await call(context, 'GET', '/users');
    const other = people.items.find((u) => u.email === 'anna.schmidt@acme-energie.example');
    await page.getByTestId('audit-filter-person').selectOption(String(other.id));
    await page.getByText('Noch keine Einträge.').waitFor();
    await page.getByTestId('audit-filter-person').selectOption(String(me.user.id));
    await update.waitFor();
    // By date (the user's days): from tomorrow nothing, from today the update.
    const day = (offset) => {
      const d = new Date();
      d.setDate(d.getDate() + offset);
      // Typed the German way (TT.MM.JJJJ), as the field shows it.
      return `${String(d.getDate()).padStart(2, '0')}.${String(d.getMonth() + 1).padStart(2, '0')}.${d.getFullYear()}`;
    };
    const from = page.getByTestId('audit-filter-from');
    const to = page.getByTestId('audit-filter-to');
    assert.equal(await from.getAttribute('placeholder'), '03.12.2026');
    assert.equal(await from.getAttribute('type'), 'text', 'no browser date widget in the browser’s locale');
    const pick = async (input, text) => {
      await input.fill(text);
      await input.press('Enter');
    };
    await pick(from, day(1));
    await page.getByText('Noch keine Einträge.').waitFor();
    await pick(from, day(0));
    await pick(to, day(0));
    await update.waitFor();
    await pick(to, day(-1));
    await page.getByText('Noch keine Einträge.').waitFor();
    // A date that is none gets the app's German message.
    await pick(to, '31.02.2026');
    await page.getByTestId('audit-filter-to-error').filter({ hasText: /TT\.MM\.JJJJ|03\.12\.2026/ }).waitFor();
  } catch (e) {
    await failureArtifacts('texts-audit', who);
    throw e;
  } finally {
    await who?.context.close();
  }
});

test('a conflict (409) reads German, without the server’s English detail', async () => {
  let who;
  let other;
  try {
    other = await login('kadmin@acme-energie.example');
    who = await login();
    const { page, context } = who;
    const switcher = page.getByTestId('project-switch');
    const projectId = Number(await switcher.locator('option', { hasText: 'ACME ·' }).first().getAttribute('value'));
    const c = await call(context, 'POST', '/cases', {
      project_id: projectId,
      subject: `Konflikt ${Date.now().toString(36)}`,
      channel: 'email',
      contact: { name: 'Erika Konflikt', email: `erika.${Date.now().toString(36)}@example.org` },
      message: { kind: 'inbound', body_text: 'Bitte melden.' },
    });
    await page.goto(`${env.baseUrl}/cases/${c.id}`);
    await page.getByTestId('case-page').waitFor();
    // A draft keeps the screen from reloading; a change elsewhere makes its version stale.
    await page.getByTestId('composer-text').fill('Guten Tag, ');
    const current = (await call(other.context, 'GET', `/cases/${c.id}`)).case;
    await call(other.context, 'PATCH', `/cases/${c.id}`, { priority: 'high', expected_version: current.version });
    await page.getByTestId('case-banner').waitFor();
    await page.getByTestId('case-status').selectOption('solved');
    const dialog = page.getByTestId('conflict');
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /Jemand anderes hat diesen Fall geändert/);
    assertGerman(text, 'conflict dialog');
    assertGerman(await page.getByTestId('save-status-error').innerText(), 'save feedback');
  } catch (e) {
    await failureArtifacts('texts-conflict', who);
    throw e;
  } finally {
    await who?.context.close();
    await other?.context.close();
  }
});

test('a mailbox’s fetch schedule is chosen with the picker and shown in words', async () => {
  let who;
  try {
    who = await login();
    const { page, context } = who;
    const projects = await call(context, 'GET', '/projects');
    const acme = projects.items.find((p) => p.key === 'ACME');
    const address = `planer.${Date.now().toString(36)}@acme-energie.example`;
    const mailbox = await call(context, 'POST', `/projects/${acme.id}/mailboxes`, {
      name: 'Planer',
      address,
      imap_host: '127.0.0.1',
      imap_port: 9,
      imap_security: 'plain',
      imap_username: 'planer',
      imap_password: 'planer-secret-1',
      smtp_host: '127.0.0.1',
      smtp_port: 9,
      smtp_security: 'plain',
      fetch_schedule: '0 0 0 1 1 *',
      paused: true,
    });
    await page.goto(`${env.baseUrl}/admin/projects/${acme.id}`);
    await page.getByTestId(`mailbox-${mailbox.id}`).getByTestId('mailbox-edit').click();
    const form = page.getByTestId('mailbox-form');
    // The form in German steps; the connection test with the stored
    // passwords answers in German; the schedule is part of receiving.
    assert.deepEqual(
      (await form.getByTestId('mailbox-steps').getByRole('button').allInnerTexts()).map((x) => x.replace(/^\d\s*/, '').trim()),
      ['Postfach', 'Empfang', 'Versand', 'Eingangsbestätigung'],
    );
    await form.getByTestId('mailbox-step-3').click();
    await form.getByTestId('mailbox-test-run').filter({ hasText: 'Verbindung testen' }).click();
    await form.getByTestId('mailbox-test-smtp').waitFor({ timeout: 30_000 });
    assert.equal((await form.getByTestId('mailbox-test-smtp').innerText()).trim(), 'Versand: Keine Verbindung zum Mailserver.');
    assert.match(await form.getByTestId('mailbox-test-imap').innerText(), /^Empfang: /);
    assert.doesNotMatch(await form.getByTestId('mailbox-test').innerText(), /\b(connection|refused|server|failed)\b/i);
    await form.getByTestId('mailbox-step-2').click();
    // A shape the picker has no words for stays an expression of one's own.
    assert.equal(await form.getByTestId('mailbox-schedule-kind').inputValue(), 'custom');
    assert.equal(await form.getByTestId('mailbox-schedule-expr').inputValue(), '0 0 0 1 1 *');
    await form.getByTestId('mailbox-schedule-kind').selectOption('weekly');
    await form.getByTestId('mailbox-schedule-day').selectOption({ label: 'montags' });
    await form.getByTestId('mailbox-schedule-time').fill('07:15');
    assert.equal((await form.getByTestId('mailbox-schedule-summary').innerText()).trim(), 'montags um 07:15 UTC');
    await form.getByTestId('submit').click();
    await form.waitFor({ state: 'detached' });
    const saved = await call(context, 'GET', `/mailboxes/${mailbox.id}`);
    assert.equal(saved.fetch_schedule, '0 15 7 * * MON');

    await page.goto(`${env.baseUrl}/admin/services`);
    const row = page.getByTestId(`service-mail.fetch.${mailbox.id}`);
    await row.getByTestId('service-schedule').filter({ hasText: 'montags um 07:15 UTC' }).waitFor();
    assert.equal((await row.getByTestId('service-name').innerText()).trim(), `E-Mail-Abruf: ${address} (Planer)`);
  } catch (e) {
    await failureArtifacts('texts-mailbox', who);
    throw e;
  } finally {
    await who?.context.close();
  }
});
