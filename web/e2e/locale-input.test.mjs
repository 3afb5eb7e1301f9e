// Browser test of LocaleInput: dates and date-times follow the UI language,
// not the browser's locale (here en-US), and invalid input gets the app's
// own message in the UI language.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/locale-input.test.mjs

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

const env = realServer();

test('dates follow the UI language, with its own messages for invalid input', async () => {
  // An English browser in Berlin; the UI is switched to German below.
  const context = await env.browser.newContext({ locale: 'en-US', timezoneId: 'Europe/Berlin', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  try {
    await page.goto(env.baseUrl + '/login');
    await page.getByTestId('login-email').fill(ANNA);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('home').waitFor();
    await page.getByTestId('lang-switch').selectOption('de');

    const projects = await (await context.request.get(env.baseUrl + '/api/v1/projects')).json();
    const acme = projects.items.find((p) => p.key === 'ACME');
    const cases = await (await context.request.get(`${env.baseUrl}/api/v1/cases?project_id=${acme.id}&view=all`)).json();
    const id = cases.items[0].id;
    await page.goto(`${env.baseUrl}/cases/${id}`);
    await page.getByTestId('case-page').waitFor();

    // German: the example in the message and the placeholder are German.
    const due = page.getByTestId('case-due');
    assert.equal(await due.getAttribute('placeholder'), '03.12.2026 14:30');
    await due.fill('12/03/2026 2:30 PM');
    await due.blur();
    assert.equal(await page.getByTestId('case-due-error').textContent(), 'Bitte Datum und Uhrzeit im Format 03.12.2026 14:30 eingeben.');
    assert.equal(await due.getAttribute('aria-invalid'), 'true');
    // A valid German date and time is saved (Berlin is UTC+1 in December).
    const version = Number(await page.getByTestId('case-page').getAttribute('data-case-version'));
    await due.fill('03.12.2026 14:30');
    await due.blur();
    await page.waitForFunction((v) => Number(document.querySelector('[data-testid="case-page"]')?.getAttribute('data-case-version')) > v, version);
    assert.equal(await page.getByTestId('case-due-error').count(), 0);
    const saved = await (await context.request.get(`${env.baseUrl}/api/v1/cases/${id}`)).json();
    assert.equal(new Date(saved.case.due_at).toISOString(), '2026-12-03T13:30:00.000Z');

    // The custom date field: German in, English out.
    const card = page.getByTestId('fields-card');
    const reading = card.getByTestId('custom-reading_date');
    await reading.fill('31.02.2026');
    await reading.blur();
    assert.equal(await card.getByTestId('custom-reading_date-error').textContent(), 'Bitte ein Datum im Format 03.12.2026 eingeben.');
    await reading.fill('1.7.2026');
    await reading.blur();
    assert.equal(await reading.inputValue(), '01.07.2026');
    await card.getByTestId('save-fields').click();
    await card.getByRole('status').waitFor();

    // English UI: the same values as English writes them, and English messages.
    await page.getByTestId('lang-switch').selectOption('en');
    await page.waitForFunction(() => document.querySelector('[data-testid="case-due"]')?.value === '12/03/2026 2:30 PM');
    await page.waitForFunction(() => document.querySelector('[data-testid="custom-reading_date"]')?.value === '07/01/2026');
    await due.fill('03.12.2026 14:30');
    await due.blur();
    assert.equal(await page.getByTestId('case-due-error').textContent(), 'Enter date and time as 12/03/2026 2:30 PM.');
    assert.deepEqual(problems, []);
  } catch (err) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'locale-input.png'), fullPage: true }).catch(() => {});
    console.error(problems.join('\n'));
    throw err;
  } finally {
    await context.close();
  }
});

test("the browser's own form checks speak the UI's language (German), not the browser's", async () => {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  try {
    await page.goto(env.baseUrl + '/login');
    // Before anyone is logged in the page speaks the browser's language
    // (English here), with the app's words.
    await page.getByTestId('login-submit').click();
    const email = page.getByTestId('login-email');
    assert.equal(await email.evaluate((el) => el.validationMessage), 'Please fill in this field.');
    await email.fill('anna');
    await page.getByTestId('login-submit').click();
    assert.equal(await email.evaluate((el) => el.validationMessage), 'Please enter a valid e-mail address, e.g. name@example.com.');
    await email.fill(ANNA);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('home').waitFor();
    await page.getByTestId('lang-switch').selectOption('de');
    await page.waitForFunction(() => document.documentElement.lang === 'de');

    // A new contact without a name, with an address that is none.
    await page.goto(env.baseUrl + '/contacts');
    await page.getByTestId('new-contact').click();
    await page.getByTestId('contact-email').fill('erika-at-example');
    await page.getByTestId('submit').click();
    const name = page.getByTestId('contact-name');
    assert.equal(await name.evaluate((el) => el.validationMessage), 'Bitte füllen Sie dieses Feld aus.');
    await name.fill('Erika Muster');
    await page.getByTestId('submit').click();
    assert.equal(await name.evaluate((el) => el.validationMessage), '', 'the message goes with the edit');
    assert.equal(await page.getByTestId('contact-email').evaluate((el) => el.validationMessage), 'Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.');

    // In English the same checks speak English.
    await page.keyboard.press('Escape');
    await page.getByTestId('lang-switch').selectOption('en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.getByTestId('new-contact').click();
    await page.getByTestId('submit').click();
    assert.equal(await page.getByTestId('contact-name').evaluate((el) => el.validationMessage), 'Please fill in this field.');
    assert.deepEqual(problems, []);
  } catch (e) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'validity-de.png'), fullPage: true }).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
});
