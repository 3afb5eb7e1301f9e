// Browser test of issue 17, point 13 and the smaller items, against the real
// server (same harness as case-history.test.mjs):
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/admin-polish.test.mjs
//
// A client admin manages a project's topics (add, rename, reorder, switch
// off) in German; gives the web form a privacy notice, a colour and a logo,
// which the public page shows (button in the colour, text readable on it);
// a contact opens in a read view and is edited in one form with one save;
// a change of custom fields reads "Zählernummer: — → …" in the history.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const PASSWORD = 'Hafenkran-Sonnenblume-7';
const KADMIN = 'kadmin@acme-energie.example';
const ANNA = 'anna.schmidt@acme-energie.example';
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const env = realServer();

async function login(email, language, viewport = { width: 1366, height: 900 }) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    // The duplicate topic name this test provokes.
    if (/status of 409/.test(msg.text()) && msg.location().url.includes('/api/v1/topics/')) return;
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
  return { context, page, problems };
}

async function call(context, method, path, body) {
  const me = await (await context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await context.request.fetch(`${env.baseUrl}/api/v1${path}`, { method, data: body, headers: { 'X-CSRF-Token': me.csrf_token ?? '' } });
  const text = await res.text();
  assert.ok(res.ok(), `${method} ${path}: ${res.status()} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function acme(context) {
  return (await call(context, 'GET', '/projects')).items.find((p) => p.key === 'ACME');
}

async function failureArtifacts(name, p) {
  mkdirSync(outDir, { recursive: true });
  if (!p) return;
  await p.page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true }).catch(() => {});
  if (p.problems.length) console.error('browser problems:\n' + p.problems.join('\n'));
  console.error('server log:\n' + env.log.slice(-2000));
}

test('a client admin manages the project’s topics (de)', async () => {
  let admin;
  try {
    admin = await login(KADMIN, 'de');
    const project = await acme(admin.context);
    const page = admin.page;
    await page.goto(`${env.baseUrl}/admin/projects/${project.id}`);
    const card = page.getByTestId('topics-card');
    await card.getByRole('heading', { name: 'Themen' }).waitFor();
    const names = async () => (await card.getByTestId('topic-name').allInnerTexts()).map((s) => s.trim());
    // The heading shows before the list has loaded.
    await card.getByTestId('topic-name').first().waitFor();
    const before = await names();
    assert.ok(before.length > 0, 'the demo project has topics');
    const stamp = Date.now().toString(36);
    // Add.
    await card.getByTestId('topic-new-name').fill(`Zählerwechsel ${stamp}`);
    await card.getByTestId('topic-add').click();
    await card.getByTestId('topics-notice').filter({ hasText: `Thema „Zählerwechsel ${stamp}“ hinzugefügt.` }).waitFor();
    assert.equal((await names()).at(-1), `Zählerwechsel ${stamp}`);
    // Move it up one place.
    await card.getByRole('button', { name: `„Zählerwechsel ${stamp}“ nach oben` }).click();
    await card.getByTestId('topics-notice').filter({ hasText: 'verschoben' }).waitFor();
    assert.equal((await names()).at(-2), `Zählerwechsel ${stamp}`);
    // Rename; a name taken already is refused in German.
    const row = card.getByTestId('topic-row').filter({ hasText: `Zählerwechsel ${stamp}` });
    await row.getByTestId('topic-rename').click();
    await card.getByTestId('topic-name-input').fill(before[0]);
    await card.getByTestId('topic-name-input').press('Enter');
    await card.getByTestId('error').filter({ hasText: /existiert bereits|bereits vergeben/ }).waitFor();
    await card.getByTestId('topic-name-input').fill(`Zählertausch ${stamp}`);
    await card.getByTestId('topic-name-input').press('Enter');
    await card.getByTestId('topics-notice').filter({ hasText: `Umbenannt in „Zählertausch ${stamp}“.` }).waitFor();
    // Switch off: still listed, marked inactive, no longer offered on cases.
    const renamed = card.getByTestId('topic-row').filter({ hasText: `Zählertausch ${stamp}` });
    await renamed.getByTestId('topic-toggle').click();
    await card.getByTestId('topics-notice').filter({ hasText: 'ist abgeschaltet' }).waitFor();
    assert.match(await renamed.innerText(), /Inaktiv/);
    assert.equal((await renamed.getByTestId('topic-toggle').innerText()).trim(), 'Wieder anbieten');
    const topics = (await call(admin.context, 'GET', `/projects/${project.id}/topics`)).items;
    assert.equal(topics.find((x) => x.name === `Zählertausch ${stamp}`).active, false);
    assert.deepEqual(admin.problems, []);
  } catch (e) {
    await failureArtifacts('admin-topics', admin);
    throw e;
  } finally {
    await admin?.context.close();
  }
});

test('the web form gets a privacy notice, a colour and a logo, shown on the public page (de)', async () => {
  let admin;
  try {
    admin = await login(KADMIN, 'de');
    const project = await acme(admin.context);
    const page = admin.page;
    await page.goto(`${env.baseUrl}/admin/projects/${project.id}`);
    const form = page.getByTestId('webform-form');
    await form.waitFor();
    await form.getByTestId('webform-enabled').check();
    await form.getByTestId('webform-privacy').fill('Wir verarbeiten Ihre Angaben nur zur Bearbeitung Ihrer Anfrage.\nMehr unter acme-energie.example/datenschutz');
    await form.getByTestId('webform-accent').fill('#ffd600');
    await form.getByTestId('webform-logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
    await form.getByTestId('webform-logo-preview').waitFor();
    await form.getByTestId('webform-save').click();
    await page.getByText('Gespeichert', { exact: false }).first().waitFor();
    const saved = await call(admin.context, 'GET', `/projects/${project.id}/webform`);
    assert.equal(saved.accent_color, '#ffd600');
    assert.match(saved.logo, /^data:image\/png;base64,/);

    // The public page, as a German visitor.
    const visitor = await env.browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 } });
    const pub = await visitor.newPage();
    await pub.goto(env.baseUrl + saved.public_path);
    const logo = pub.getByTestId('wf-logo');
    await logo.waitFor();
    assert.ok(await logo.evaluate((img) => img.complete && img.naturalWidth === 1), 'the logo loads (CSP allows it)');
    const privacy = pub.getByTestId('wf-privacy');
    assert.match(await privacy.innerText(), /^Datenschutz\s+Wir verarbeiten Ihre Angaben/);
    const colours = await pub.locator('.wf-send').evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
    assert.deepEqual(colours, ['rgb(255, 214, 0)', 'rgb(29, 36, 48)'], 'yellow with dark text');
    const width = await pub.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, 'no sideways scrolling on a phone');
    await visitor.close();
    assert.deepEqual(admin.problems, []);
  } catch (e) {
    await failureArtifacts('admin-webform', admin);
    throw e;
  } finally {
    await admin?.context.close();
  }
});

for (const l of [
  { language: 'de', edit: 'Bearbeiten', saved: 'Gespeichert' },
  { language: 'en', edit: 'Edit', saved: 'Saved' },
]) {
  test(`a contact opens in a read view and is edited with one save (${l.language})`, async () => {
    let anna;
    try {
      anna = await login(ANNA, l.language);
      const project = await acme(anna.context);
      const stamp = Date.now().toString(36);
      const created = await call(anna.context, 'POST', '/cases', {
        project_id: project.id,
        subject: `Adresse ${stamp}`,
        channel: 'email',
        contact: { name: `Greta Lesen ${stamp}`, email: `greta.${stamp}@example.org` },
        message: { kind: 'inbound', body_text: 'Neue Anschrift.' },
      });
      const page = anna.page;
      await page.goto(`${env.baseUrl}/contacts/${created.contact_id}`);
      const facts = page.getByTestId('contact-facts');
      await facts.waitFor();
      // The custom fields are read with the master data: no input anywhere before Edit.
      await page.getByTestId('contact-fields-facts').waitFor();
      assert.equal(await page.locator('[data-testid="contact-detail"] :is(input, textarea, select)').count(), 0, 'no form before Edit');
      assert.equal(await page.getByTestId('save-fields').count(), 0, 'no second save');
      assert.equal((await page.getByTestId('contact-read-emails').innerText()).trim(), `greta.${stamp}@example.org`);
      await page.getByTestId('contact-edit-button').filter({ hasText: l.edit }).click();
      await page.getByTestId('contact-phones').fill('+49 30 1234567');
      await page.getByTestId('contact-save').click();
      await page.getByTestId('contact-saved').filter({ hasText: l.saved }).waitFor();
      assert.equal((await page.getByTestId('contact-read-phones').innerText()).trim(), '+49 30 1234567');
      assert.equal(await page.getByTestId('contact-save').count(), 0, 'back in the read view');
      assert.deepEqual(anna.problems, []);
    } catch (e) {
      await failureArtifacts(`contact-read-${l.language}`, anna);
      throw e;
    } finally {
      await anna?.context.close();
    }
  });
}

test('a contact\'s custom field is edited in the same form and saved by the one Save (de)', async () => {
  let anna;
  try {
    anna = await login(ANNA, 'de');
    const project = await acme(anna.context);
    const stamp = Date.now().toString(36);
    const created = await call(anna.context, 'POST', '/cases', {
      project_id: project.id,
      subject: `Kundendaten ${stamp}`,
      channel: 'email',
      contact: { name: `Hanna Feld ${stamp}`, email: `hanna.${stamp}@example.org` },
      message: { kind: 'inbound', body_text: 'Seit wann bin ich Kundin?' },
    });
    const page = anna.page;
    await page.goto(`${env.baseUrl}/contacts/${created.contact_id}`);
    // Read view: the field with its label, empty as a dash.
    const read = page.getByTestId('contact-fields-facts');
    await read.waitFor();
    assert.match(await read.innerText(), /Kunde seit\s*—/);
    await page.getByTestId('contact-edit-button').click();
    // One form: master data and the custom field, one Save.
    const form = page.locator('form[data-testid="contact-edit"]');
    await form.getByTestId('custom-customer_since').fill('03.12.2026');
    await form.getByTestId('contact-city').fill('Essen');
    assert.equal(await page.getByRole('button', { name: 'Speichern' }).count(), 1, 'one Save');
    await page.getByTestId('contact-save').click();
    await page.getByTestId('contact-saved').filter({ hasText: 'Gespeichert' }).waitFor();
    assert.equal((await page.getByTestId('custom-read-customer_since').innerText()).trim(), '03.12.2026', 'the date in German');
    assert.match(await page.getByTestId('contact-read-address').innerText(), /Essen/);
    const stored = await call(anna.context, 'GET', `/contacts/${created.contact_id}`);
    assert.equal(stored.custom.customer_since, '2026-12-03');
    assert.equal(stored.city, 'Essen');
    // On a phone the one form fits the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('contact-edit-button').click();
    await form.getByTestId('custom-customer_since').waitFor();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling');
    await page.getByTestId('contact-cancel').click();
    await page.setViewportSize({ width: 1366, height: 900 });
    // A bad value stays in the form with its message beside the field.
    await page.getByTestId('contact-edit-button').click();
    await form.getByTestId('custom-customer_since').fill('31.02.2026');
    await page.getByTestId('contact-save').click();
    assert.equal(await form.getByTestId('custom-customer_since-error').textContent(), 'Bitte ein Datum im Format 03.12.2026 eingeben.');
    assert.equal(await form.getByTestId('custom-customer_since').inputValue(), '31.02.2026', 'the typed value is kept');
    assert.equal(await page.getByTestId('contact-saved').count(), 0);
    assert.deepEqual(anna.problems, []);
  } catch (e) {
    await failureArtifacts('contact-custom-de', anna);
    throw e;
  } finally {
    await anna?.context.close();
  }
});

test('a change of custom fields reads as labelled lines in the history (de)', async () => {
  let anna;
  try {
    anna = await login(ANNA, 'de');
    const project = await acme(anna.context);
    const fields = (await call(anna.context, 'GET', `/projects/${project.id}/fields?entity=case`)).items;
    const meter = fields.find((f) => f.kind === 'text');
    const check = fields.find((f) => f.kind === 'checkbox');
    assert.ok(meter && check, 'the demo mask has a text field and a checkbox');
    const created = await call(anna.context, 'POST', '/cases', {
      project_id: project.id,
      subject: `Zähler ${Date.now().toString(36)}`,
      channel: 'email',
      contact: { name: 'Karl Feld', email: `karl.${Date.now().toString(36)}@example.org` },
      message: { kind: 'inbound', body_text: 'Zählerstand.' },
    });
    await call(anna.context, 'PATCH', `/cases/${created.id}`, { custom: { [meter.key]: '1EMH0012345678', [check.key]: true }, expected_version: created.version });
    const page = anna.page;
    await page.goto(`${env.baseUrl}/cases/${created.id}`);
    const history = page.getByTestId('history');
    await history.locator('summary').click();
    // The lines are worded with the mask's labels, which load apart from the case.
    await history.getByTestId('history-custom-line').filter({ hasText: meter.label }).first().waitFor();
    const lines = (await history.getByTestId('history-custom-line').allInnerTexts()).map((s) => s.trim());
    assert.ok(lines.includes(`${meter.label}: — → 1EMH0012345678`), lines.join('\n'));
    assert.ok(lines.includes(`${check.label}: — → Ja`), lines.join('\n'));
    assert.doesNotMatch(await history.innerText(), /[{}"]/, 'no raw JSON');
    assert.deepEqual(anna.problems, []);
  } catch (e) {
    await failureArtifacts('history-custom', anna);
    throw e;
  } finally {
    await anna?.context.close();
  }
});
