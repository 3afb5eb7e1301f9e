// Browser test of running the appliance (issue 5): an admin pauses and
// resumes a background service, takes a backup and downloads it, and
// exports a client and downloads the archive — all through the UI of the
// real server.
//
//   ZEZARO_BIN=../target/debug/zezaro npm run test:e2e

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realServer } from './harness.mjs';

const ADMIN = { email: 'admin@zezaro.example', password: 'Hafenkran-Sonnenblume-7' };
const CLIENT_NAME = 'Acme Energie GmbH';

const env = realServer();

/** The bytes behind a download link, fetched with the page's session. */
async function download(page, link) {
  const href = await link.getAttribute('href');
  assert.ok(href, 'the download link has a target');
  const response = await page.request.get(new URL(href, env.baseUrl).toString());
  assert.equal(response.status(), 200, `GET ${href}`);
  return response.body();
}

test('an admin controls services, takes a backup and exports a client from the UI', async () => {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));

  try {
    await page.goto(env.baseUrl + '/');
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill(ADMIN.email);
    await page.getByTestId('login-password').fill(ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('home').waitFor();

    // Services: the session purge is paused, then resumed; the mail sender
    // is listed too.
    await page.getByTestId('nav-services').click();
    const purge = page.getByTestId('service-sessions.purge');
    await purge.waitFor();
    await page.getByTestId('service-mail.send').waitFor();
    assert.equal((await purge.getByTestId('service-state').textContent()).trim(), 'running');
    await purge.getByTestId('service-pause').click();
    await purge.getByTestId('service-state').filter({ hasText: 'paused' }).waitFor();
    await purge.getByTestId('service-resume').click();
    await purge.getByTestId('service-state').filter({ hasText: 'running' }).waitFor();
    // The choice is the server's, not only the page's.
    const listed = await page.request.get(env.baseUrl + '/api/v1/services');
    const service = (await listed.json()).items.find((s) => s.key === 'sessions.purge');
    assert.equal(service.desired, 'running');

    // Backups: one now, verified, listed and downloadable (a gzip archive).
    await page.getByTestId('nav-backups').click();
    await page.getByTestId('backup-now').click();
    const job = page.getByTestId('backup-job');
    await job.filter({ hasText: /zezaro-.*\.tar\.gz/ }).waitFor({ timeout: 60_000 });
    const row = page.getByTestId('backup-row').first();
    await row.waitFor();
    assert.match(await row.textContent(), /verified/i);
    const archive = await download(page, row.locator('a[download]'));
    assert.ok(archive.length > 1000, `backup of ${archive.length} bytes`);
    assert.deepEqual([...archive.subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');

    // Export: the client's archive, finished and downloadable.
    await page.getByTestId('nav-exports').click();
    await page.getByTestId('exports-page').waitFor();
    await page.getByTestId('export-client').selectOption({ label: CLIENT_NAME });
    await page.getByTestId('export-start').click();
    const exported = page.getByTestId('export-download').first();
    await exported.waitFor({ timeout: 60_000 });
    const tarball = await download(page, exported);
    assert.deepEqual([...tarball.subarray(0, 2)], [0x1f, 0x8b], 'a gzip file');

    // Erasing a contact of the client deletes the archive (it held the
    // person), and the exports page says why.
    const clients = await (await page.request.get(new URL('/api/v1/clients', env.baseUrl).toString())).json();
    const clientId = clients.items.find((c) => c.name === CLIENT_NAME).id;
    const contacts = await (
      await page.request.get(new URL(`/api/v1/contacts?client_id=${clientId}&limit=1`, env.baseUrl).toString())
    ).json();
    const person = contacts.items[0];
    await page.goto(new URL(`/contacts/${person.id}`, env.baseUrl).toString());
    await page.getByTestId('gdpr-erase').click();
    const dialog = page.getByTestId('gdpr-erase-dialog');
    await dialog.getByTestId('gdpr-confirm-name').fill(person.name);
    await dialog.getByTestId('submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('nav-exports').click();
    await page.getByTestId('export-client').selectOption({ label: CLIENT_NAME });
    const removed = page.getByTestId('export-removed').first();
    await removed.waitFor();
    assert.match(await removed.textContent(), /a contact of this client was erased/);
    assert.equal(await page.getByTestId('export-download').count(), 0);

    // A mailbox with an acknowledgment text, written in the form's steps
    // (a connection test before saving) and read back from the server when
    // the form is opened again.
    await page.getByTestId('nav-projects').click();
    await page.getByTestId('project-link-ACME').click();
    await page.getByTestId('mailboxes').waitFor();
    await page.getByTestId('mailbox-add').click();
    const form = page.getByTestId('mailbox-form');
    const submit = form.getByTestId('submit');
    // Step 1, the mailbox: "Next" checks its fields first.
    assert.equal((await submit.innerText()).trim(), 'Next');
    await submit.click();
    assert.equal(await form.getByTestId('mailbox-name').evaluate((el) => el.validationMessage), 'Please fill in this field.');
    await form.getByTestId('mailbox-name').fill('Service');
    await form.getByTestId('mailbox-address').fill('service-e2e@acme-energie.example');
    await submit.click();
    // Step 2, receiving.
    await form.getByTestId('mailbox-imap-host').fill('127.0.0.1');
    await form.locator('select').first().selectOption('plain');
    await form.locator('input[autocomplete="off"]').first().fill('service');
    await form.getByTestId('mailbox-imap-password').fill('secret');
    await submit.click();
    // Step 3, sending, with the connection test (nobody listens on the
    // loopback ports: both sides say why, in words).
    await form.getByTestId('mailbox-smtp-host').fill('127.0.0.1');
    await form.locator('select').first().selectOption('plain');
    await form.getByTestId('mailbox-smtp-tls-verify').uncheck();
    await form.getByTestId('mailbox-test-run').click();
    await form.getByTestId('mailbox-test-imap').filter({ hasText: 'Receiving:' }).waitFor({ timeout: 30_000 });
    assert.equal(await form.getByTestId('mailbox-test-imap').getAttribute('data-ok'), 'false');
    assert.match(await form.getByTestId('mailbox-test-imap').innerText(), /^Receiving: \S/);
    assert.equal((await form.getByTestId('mailbox-test-smtp').innerText()).trim(), 'Sending: No connection to the mail server.');
    await submit.click();
    // Step 4, the acknowledgment; saving.
    await form.getByTestId('mailbox-auto-ack').check();
    await form.getByTestId('mailbox-auto-ack-subject').fill('Eingang: {subject}');
    await form.getByTestId('mailbox-auto-ack-body').fill('Hallo {name}, Ihre Anfrage {case_number} ist da.');
    assert.equal((await submit.innerText()).trim(), 'Save');
    await submit.click();
    await form.waitFor({ state: 'detached' });
    await page.getByTestId('mailbox-edit').first().click();
    const again = page.getByTestId('mailbox-form');
    await again.getByTestId('mailbox-step-4').click();
    assert.equal(await again.getByTestId('mailbox-auto-ack-subject').inputValue(), 'Eingang: {subject}');
    assert.equal(await again.getByTestId('mailbox-auto-ack-body').inputValue(), 'Hallo {name}, Ihre Anfrage {case_number} ist da.');
    await again.getByTestId('mailbox-step-3').click();
    assert.equal(await again.getByTestId('mailbox-smtp-tls-verify').isChecked(), false);
    // Editing: the stored password is tested when none is typed.
    await again.getByTestId('mailbox-test-run').click();
    await again.getByTestId('mailbox-test-imap').waitFor({ timeout: 30_000 });

    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
