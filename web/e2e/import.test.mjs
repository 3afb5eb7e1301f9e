// Browser test of the contact CSV import against the real server: Acme's
// client admin (German UI) gets a clear message for an unreadable and for a
// too large file, checks a file with one bad line (the dry run names that
// line and writes nothing), corrects it, imports it and finds the new
// contacts in the list; an agent, who may not import, gets no import action
// and no import page.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/import.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const PASSWORD = 'Hafenkran-Sonnenblume-7';
const CLIENT_ADMIN = 'kadmin@acme-energie.example';
const AGENT = 'anna.schmidt@acme-energie.example';

const env = realServer();

async function login(email, locale) {
  const context = await env.browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text())) return; // before login
    // The refused files below: Chromium logs every 4xx answer.
    if (/status of (413|422)/.test(msg.text()) && msg.location().url.includes('/api/v1/contacts/import')) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/');
  await page.waitForURL(/\/login/);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  return { context, page, problems };
}

/** A JSON API call with the page's session. */
async function get(context, path) {
  const res = await context.request.get(`${env.baseUrl}/api/v1${path}`);
  const text = await res.text();
  assert.ok(res.ok(), `GET ${path}: ${res.status()} ${text}`);
  return JSON.parse(text);
}

async function shot(page, name, problems) {
  mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: join(outDir, name), fullPage: true }).catch(() => {});
  if (problems.length) console.error('browser problems:\n' + problems.join('\n'));
  console.error('server log:\n' + env.log.slice(-3000));
}

/** A CSV file as a German spreadsheet writes it: `;`-separated, UTF-8. */
function csv(lines, eol = '\n') {
  return { name: 'kontakte.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join(eol) + eol, 'utf8') };
}

const HEADER = 'Name;E-Mail;customer_since;Schuhgröße';
const GOOD = ['Ida Importa;ida@import.example;2021-03-01;38', 'Carla Clean;carla@import.example;;39'];

test('a client admin checks, corrects and imports a CSV; an agent cannot', async () => {
  const admin = await login(CLIENT_ADMIN, 'de-DE');
  const page = admin.page;
  let clientId;
  try {
    clientId = (await get(admin.context, '/projects')).items.find((p) => p.key === 'ACME').client_id;
    await page.getByTestId('nav-contacts').click();
    await page.getByTestId('contacts-page').waitFor();
    await page.getByTestId('contacts-import').filter({ hasText: 'CSV importieren' }).click();
    await page.waitForURL(new RegExp(`/contacts/import\\?client_id=${clientId}$`));
    const screen = page.getByTestId('contact-import');

    // The expected columns include the client's custom contact field.
    await screen.locator('[data-testid="import-custom-field"]', { hasText: 'customer_since' }).waitFor();
    assert.match(await screen.getByTestId('import-example').textContent(), /^name,email,phone,organization,city,customer_since\n/);
    const check = screen.getByTestId('import-check');
    assert.equal(await check.isDisabled(), true, 'no file chosen yet');

    // A file without a name column cannot be read at all.
    const file = screen.getByTestId('import-file');
    await file.setInputFiles(csv(['Vorname;E-Mail', 'Ida;ida@import.example']));
    await screen.getByTestId('import-file-name').filter({ hasText: 'kontakte.csv' }).waitFor();
    await check.click();
    const error = screen.getByTestId('error');
    await error.filter({ hasText: 'Die Datei kann nicht gelesen werden: the header row has no `name` column' }).waitFor();
    assert.equal(await screen.getByTestId('import-report').count(), 0);

    // A file over the server's limit (1 MiB in the demo) says so, with the limit.
    await file.setInputFiles({ name: 'gross.csv', mimeType: 'text/csv', buffer: Buffer.alloc(1536 * 1024, 'a') });
    await screen.getByTestId('import-file-name').filter({ hasText: '1,5 MB' }).waitFor();
    assert.equal(await error.count(), 0, 'a new file clears the old error');
    await check.click();
    await error.filter({ hasText: 'Die Datei (1,5 MB) ist größer, als der Server annimmt (1 MB).' }).waitFor();

    // One bad line: the dry run names line 3 and its column, and writes nothing.
    await file.setInputFiles(csv([HEADER, GOOD[0], 'Bert Broken;bert@import.example;31.12.2020;44', GOOD[1]]));
    await check.click();
    const report = screen.getByTestId('import-report');
    await report.waitFor();
    assert.equal(await error.count(), 0);
    const rows = report.getByTestId('import-error-row');
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getAttribute('data-line'), '3');
    const cells = await rows.first().locator('td').allTextContents();
    assert.equal(cells[0], '3');
    assert.equal(cells[1], 'Kunde seit (custom.customer_since)');
    assert.ok(cells[2].length > 0, 'a message');
    assert.equal(await report.getByTestId('import-count-rows').textContent(), '3');
    assert.equal(await report.getByTestId('import-count-created').textContent(), '2');
    assert.equal(await report.getByTestId('import-count-errors').textContent(), '1');
    assert.match(await report.getByTestId('import-custom-columns').textContent(), /customer_since/);
    assert.match(await report.getByTestId('import-unknown-columns').textContent(), /Schuhgröße/);
    // The report got the focus (keyboard and screen reader users land on it).
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'import-check-title');
    // Importing despite errors needs an explicit choice.
    const run = report.getByTestId('import-run');
    assert.equal(await run.isDisabled(), true);
    await report.getByTestId('import-skip-errors').check();
    assert.equal(await run.isDisabled(), false);
    await report.getByTestId('import-skip-errors').uncheck();
    assert.equal(await run.isDisabled(), true);
    const lookup = (email) => get(admin.context, `/contacts/lookup?client_id=${clientId}&email=${email}`).then((r) => r.items);
    assert.deepEqual(await lookup('ida@import.example'), [], 'the dry run wrote nothing');

    // Corrected and chosen again: the old report goes, the new check is clean.
    await file.setInputFiles(csv([HEADER, GOOD[0], 'Bert Broken;bert@import.example;2020-12-31;44', GOOD[1]]));
    await report.waitFor({ state: 'detached' });
    await check.click();
    await report.getByTestId('import-verdict').filter({ hasText: 'Keine Fehler' }).waitFor();
    assert.equal(await report.getByTestId('import-error-row').count(), 0);
    assert.equal(await report.getByTestId('import-count-created').textContent(), '3');
    assert.equal(await report.getByTestId('import-skip-errors').count(), 0);
    await run.filter({ hasText: 'Kontakte importieren (3)' }).click();

    const result = screen.getByTestId('import-result');
    await result.waitFor();
    assert.equal(await result.getByTestId('import-count-created').textContent(), '3');
    assert.equal(await result.getByTestId('import-count-errors').textContent(), '0');
    assert.equal((await lookup('ida@import.example')).length, 1);
    const [bert] = await lookup('bert@import.example');
    assert.equal(bert?.custom?.customer_since, '2020-12-31');

    // Back to the list: the new contacts are there.
    await result.getByTestId('import-to-contacts').click();
    await page.waitForURL(/\/contacts\?client_id=\d+$/);
    const list = page.getByTestId('contacts-table');
    for (const name of ['Ida Importa', 'Bert Broken', 'Carla Clean']) {
      await list.getByTestId('contact-row').filter({ hasText: name }).waitFor();
    }
    assert.deepEqual(admin.problems, []);
  } catch (err) {
    await shot(page, 'import-admin-failure.png', admin.problems);
    throw err;
  } finally {
    await admin.context.close();
  }

  // An agent sees the contacts but neither the action nor the page.
  const agent = await login(AGENT, 'de-DE');
  try {
    await agent.page.getByTestId('nav-contacts').click();
    await agent.page.getByTestId('contacts-table').getByTestId('contact-row').filter({ hasText: 'Ida Importa' }).waitFor();
    assert.equal(await agent.page.getByTestId('new-contact').count(), 1, 'the page actions are rendered');
    assert.equal(await agent.page.getByTestId('contacts-import').count(), 0);
    await agent.page.goto(`${env.baseUrl}/contacts/import?client_id=${clientId}`);
    await agent.page.getByRole('heading', { name: 'Kein Zugriff' }).waitFor();
    assert.equal(await agent.page.getByTestId('contact-import').count(), 0);
    assert.deepEqual(agent.problems, []);
  } catch (err) {
    await shot(agent.page, 'import-agent-failure.png', agent.problems);
    throw err;
  } finally {
    await agent.context.close();
  }
});

// Excel on Windows ends lines with CRLF: the dry run names the same lines
// as for LF files.
test('the dry run names the right line of a CRLF file', async () => {
  const admin = await login(CLIENT_ADMIN, 'en-US');
  try {
    const clientId = (await get(admin.context, '/projects')).items.find((p) => p.key === 'ACME').client_id;
    await admin.page.goto(`${env.baseUrl}/contacts/import?client_id=${clientId}`);
    const screen = admin.page.getByTestId('contact-import');
    await screen.getByTestId('import-file').setInputFiles(csv([HEADER, GOOD[0], 'Bert Broken;bert@import.example;31.12.2020;44'], '\r\n'));
    await screen.getByTestId('import-check').click();
    const row = screen.getByTestId('import-error-row');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-line'), '3');
  } finally {
    await admin.context.close();
  }
});
