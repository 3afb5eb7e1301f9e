// Browser test of issue 17's feedback on saves (point 3, parts of 13),
// against the real server (same harness as case-history.test.mjs):
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/save-feedback.test.mjs
//
// On the case screen a header save says "Gespeichert." / "Saved." for a few
// seconds; a save that fails (someone else changed the case: 409; a tag the
// server refuses: 422) says why in the UI's language and the field keeps the
// agent's choice for a retry. The case list offers only channels with cases;
// a GDPR erasure confirms what it did; the new-case dialog refuses to send
// without contact or message, with its own German messages.

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
const ADMIN = 'admin@zezaro.example';
const CHANNELS = ['email', 'call', 'webform', 'chat', 'letter'];

const env = realServer();

async function login(email, language) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // The failed saves this test provokes are logged by the browser.
    if (/status of (401|409|422)|ERR_FAILED/.test(msg.text())) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(email);
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

/** A JSON API call with the context's session (and its CSRF token); asserts success. */
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

async function newCase(who, subject) {
  const stamp = Date.now().toString(36);
  return call(who.context, 'POST', '/cases', {
    project_id: who.projectId,
    subject,
    channel: 'email',
    contact: { name: 'Erika Feedback', email: `erika.${stamp}@example.org` },
    message: { kind: 'inbound', body_text: 'Bitte rufen Sie mich zurück.' },
  });
}

async function openCase(page, id) {
  await page.goto(`${env.baseUrl}/cases/${id}`);
  await page.getByTestId('case-page').waitFor();
}

async function failureArtifacts(name, ...people) {
  mkdirSync(outDir, { recursive: true });
  for (const [i, p] of people.entries()) {
    if (!p) continue;
    await p.page.screenshot({ path: join(outDir, `${name}-${i}.png`), fullPage: true }).catch(() => {});
    if (p.problems.length) console.error(`browser ${i} problems:\n` + p.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-3000));
}

const done = (page) => page.getByTestId('save-status');
const failure = (page) => page.getByTestId('save-status-error');

test('a header save says "Gespeichert", a conflict or a refused value says why and keeps the choice (de)', async () => {
  let anna;
  let admin;
  try {
    anna = await login(ANNA, 'de');
    admin = await login(ADMIN, 'en');
    const c = await newCase(anna, `Rückruf ${Date.now().toString(36)}`);
    const page = anna.page;
    await openCase(page, c.id);
    const status = page.getByTestId('case-status');

    // A save: "Gespeichert." in the polite live region, gone after a few seconds.
    assert.equal(await done(page).getAttribute('role'), 'status');
    await status.selectOption('pending-customer');
    await done(page).filter({ hasText: 'Gespeichert.' }).waitFor();
    assert.equal(await failure(page).count(), 0);
    assert.equal((await call(anna.context, 'GET', `/cases/${c.id}`)).case.status, 'pending-customer');
    await page.waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.textContent === '', null, { timeout: 8000 });

    // Someone else changes the case while Anna types a reply (a draft: the
    // screen shows a banner instead of reloading), so her version is stale.
    await page.getByTestId('composer-text').fill('Guten Tag, ');
    const current = (await call(admin.context, 'GET', `/cases/${c.id}`)).case;
    await call(admin.context, 'PATCH', `/cases/${c.id}`, { priority: 'high', expected_version: current.version });
    await page.getByTestId('case-banner').waitFor();
    await status.selectOption('solved');
    await failure(page).filter({ hasText: 'Dieser Fall wurde zwischenzeitlich von jemand anderem geändert.' }).waitFor();
    assert.equal(await status.inputValue(), 'solved', 'the field keeps the choice');
    assert.equal(await done(page).textContent(), '');
    // The conflict dialog offers the same; closing it leaves the choice and the error.
    await page.getByTestId('conflict').waitFor();
    await page.getByTestId('conflict').getByRole('button', { name: 'Schließen' }).click();
    assert.equal(await status.inputValue(), 'solved');
    assert.equal(await failure(page).count(), 1);
    assert.equal((await call(anna.context, 'GET', `/cases/${c.id}`)).case.status, 'pending-customer', 'nothing saved yet');
    // The retry beside the error saves anyway.
    const retry = page.getByTestId('save-status-retry');
    assert.equal((await retry.textContent()).trim(), 'Trotzdem speichern');
    await retry.click();
    await done(page).filter({ hasText: 'Gespeichert.' }).waitFor();
    assert.equal(await failure(page).count(), 0);
    assert.equal(await status.inputValue(), 'solved');
    const saved = (await call(anna.context, 'GET', `/cases/${c.id}`)).case;
    assert.equal(saved.status, 'solved');
    assert.equal(saved.priority, 'high', "the other person's change stays");

    // A value the server refuses (422): the message names the field in German
    // (no English detail), and the typed tag stays in the input.
    const tag = page.getByTestId('case-tag-input');
    await tag.fill('rückruf,dringend');
    await tag.press('Enter');
    await failure(page).filter({ hasText: '„Schlagwörter“ ist so nicht möglich. Bitte prüfen Sie den Wert.' }).waitFor();
    assert.doesNotMatch(await failure(page).textContent(), /comma|characters/);
    assert.equal(await tag.inputValue(), 'rückruf,dringend');
    assert.equal(await page.getByTestId('save-status-retry').count(), 0, 'the same value again would fail again');
    await tag.fill('rückruf');
    await tag.press('Enter');
    await done(page).filter({ hasText: 'Gespeichert.' }).waitFor();
    assert.equal(await tag.inputValue(), '');
    assert.deepEqual((await call(anna.context, 'GET', `/cases/${c.id}`)).case.tags, ['rückruf']);
    assert.deepEqual(anna.problems, []);
  } catch (e) {
    await failureArtifacts('save-feedback-de', anna, admin);
    throw e;
  } finally {
    await anna?.context.close();
    await admin?.context.close();
  }
});

test('a header save says "Saved" in English; a dropped connection offers "Try again"', async () => {
  let anna;
  try {
    anna = await login(ANNA, 'en');
    const c = await newCase(anna, `Callback ${Date.now().toString(36)}`);
    const page = anna.page;
    await openCase(page, c.id);
    await page.getByTestId('case-priority').selectOption('high');
    await done(page).filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await call(anna.context, 'GET', `/cases/${c.id}`)).case.priority, 'high');

    // The connection drops during the next save: the error says so, the
    // choice stays, and "Try again" saves it once the server is back.
    const patches = `**/api/v1/cases/${c.id}`;
    await page.route(patches, (route) => (route.request().method() === 'PATCH' ? route.abort() : route.continue()));
    await page.getByTestId('case-priority').selectOption('urgent');
    await failure(page).filter({ hasText: 'The server cannot be reached. Please check the connection.' }).waitFor();
    assert.equal(await page.getByTestId('case-priority').inputValue(), 'urgent');
    assert.equal((await call(anna.context, 'GET', `/cases/${c.id}`)).case.priority, 'high');
    await page.unroute(patches);
    await page.getByTestId('save-status-retry').filter({ hasText: 'Try again' }).click();
    await done(page).filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await failure(page).count(), 0);
    assert.equal((await call(anna.context, 'GET', `/cases/${c.id}`)).case.priority, 'urgent');
  } catch (e) {
    await failureArtifacts('save-feedback-en', anna);
    throw e;
  } finally {
    await anna?.context.close();
  }
});

test('the case list offers only channels with cases', async () => {
  let anna;
  try {
    anna = await login(ANNA, 'de');
    const page = anna.page;
    await page.getByTestId('nav-cases').click();
    await page.getByTestId('cases-page').waitFor();
    await page.getByTestId('view-open').waitFor();
    const counts = await call(anna.context, 'GET', `/cases/counts?project_id=${anna.projectId}`);
    const used = CHANNELS.filter((ch) => (counts.by_channel[ch] ?? 0) > 0);
    const unused = CHANNELS.filter((ch) => !used.includes(ch));
    assert.ok(used.length > 0 && unused.length > 0, `the demo has used and unused channels: ${JSON.stringify(counts.by_channel)}`);
    await page.getByTestId(`view-channel-${used[0]}`).waitFor();
    for (const ch of used) assert.equal(await page.getByTestId(`count-channel-${ch}`).textContent(), String(counts.by_channel[ch]));
    for (const ch of unused) assert.equal(await page.getByTestId(`view-channel-${ch}`).count(), 0, `${ch} (no cases) is not offered`);
  } catch (e) {
    await failureArtifacts('channel-filter', anna);
    throw e;
  } finally {
    await anna?.context.close();
  }
});

test('a GDPR erasure confirms what it erased (de)', async () => {
  let admin;
  try {
    admin = await login(ADMIN, 'de');
    const stamp = Date.now().toString(36);
    const name = `Lösch Mich ${stamp}`;
    const c = await call(admin.context, 'POST', '/cases', {
      project_id: admin.projectId,
      subject: `Auskunft ${stamp}`,
      channel: 'email',
      contact: { name, email: `loesch.${stamp}@example.org` },
      message: { kind: 'inbound', body_text: 'Bitte löschen Sie meine Daten.' },
    });
    const page = admin.page;
    await page.goto(`${env.baseUrl}/contacts/${c.contact_id}`);
    await page.getByTestId('gdpr-erase').click();
    const dialog = page.getByTestId('gdpr-erase-dialog');
    await dialog.getByTestId('gdpr-confirm-name').fill(name);
    await dialog.getByTestId('submit').click();
    await page.getByTestId('contacts-page').waitFor();
    const flash = page.getByTestId('flash');
    assert.equal(await flash.getAttribute('role'), 'status');
    assert.equal(
      (await flash.textContent()).trim(),
      `„${name}“ wurde gelöscht. Die Fälle bleiben anonymisiert erhalten. Betroffen: 1 Fall anonymisiert, 1 Nachricht, 0 Anhänge entfernt.`,
    );
    // Once: the list opened again shows no old confirmation.
    await page.goto(`${env.baseUrl}/contacts`);
    await page.getByTestId('contacts-page').waitFor();
    assert.equal(await page.getByTestId('flash').count(), 0);
  } catch (e) {
    await failureArtifacts('gdpr-flash', admin);
    throw e;
  } finally {
    await admin?.context.close();
  }
});

test('the new-case dialog requires a contact and a message, in German', async () => {
  let anna;
  try {
    anna = await login(ANNA, 'de');
    const page = anna.page;
    await page.getByTestId('nav-cases').click();
    await page.getByTestId('cases-page').waitFor();
    await page.getByTestId('new-case').click();
    const form = page.getByTestId('new-case-form');
    await form.waitFor();
    assert.equal(await form.locator('form').evaluate((f) => f.noValidate), true, 'no browser bubbles');

    // Empty: the dialog's own messages beside the fields, nothing sent.
    await form.getByTestId('submit').click();
    await form.getByTestId('new-case-subject-error').filter({ hasText: 'Bitte geben Sie einen Betreff ein.' }).waitFor();
    assert.equal(await form.getByTestId('new-case-contact-error').textContent(), 'Bitte geben Sie die E-Mail-Adresse oder Telefonnummer des Kontakts ein.');
    assert.equal(await form.getByTestId('new-case-name-error').textContent(), 'Bitte geben Sie den Namen des neuen Kontakts ein.');
    assert.equal(await form.getByTestId('new-case-body-error').textContent(), 'Bitte geben Sie den Text der ersten Nachricht ein.');
    assert.equal(await form.getByTestId('error').textContent(), 'Bitte ergänzen Sie die markierten Felder.');
    assert.equal(await form.getByTestId('case-body').getAttribute('aria-invalid'), 'true');

    // A subject and a contact, but no message: still refused.
    const stamp = Date.now().toString(36);
    const subject = `Neuer Fall ${stamp}`;
    await form.getByTestId('case-subject').fill(subject);
    await form.getByTestId('case-contact-email').fill(`erika.neu.${stamp}@example`);
    await form.getByTestId('case-contact-name').fill('Erika Neu');
    await form.getByTestId('submit').click();
    await form.getByTestId('new-case-email-error').filter({ hasText: 'Das ist keine gültige E-Mail-Adresse.' }).waitFor();
    assert.equal(await form.getByTestId('new-case-body-error').textContent(), 'Bitte geben Sie den Text der ersten Nachricht ein.');
    assert.equal(await form.getByTestId('new-case-subject-error').count(), 0);
    assert.equal(await form.getByTestId('new-case-name-error').count(), 0);
    const listed = await call(anna.context, 'GET', `/cases?project_id=${anna.projectId}&view=all&limit=100`);
    assert.ok(listed.items.length > 0);
    assert.ok(!listed.items.some((x) => x.subject === subject), 'nothing was created');

    // Complete (a phone number instead of the e-mail address): the case opens.
    await form.getByTestId('case-contact-email').fill('');
    await form.getByTestId('case-contact-phone').fill(`+49 40 ${stamp.slice(-6).replace(/\D/g, '7')}1`);
    await form.getByTestId('case-body').fill('Mein Zählerstand wurde falsch übermittelt.');
    await form.getByTestId('submit').click();
    await page.waitForURL(/\/cases\/\d+$/);
    await page.getByTestId('case-page').waitFor();
    assert.equal(await page.getByTestId('case-subject').textContent(), subject);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const created = await call(anna.context, 'GET', `/cases/${id}`);
    assert.equal(created.contact.name, 'Erika Neu');
    assert.equal(created.messages.length, 1);
    assert.equal(created.messages[0].body_text, 'Mein Zählerstand wurde falsch übermittelt.');
  } catch (e) {
    await failureArtifacts('new-case-required', anna);
    throw e;
  } finally {
    await anna?.context.close();
  }
});
