// Browser test (German) of the platform's own mail against a real Postfix
// (postfix.mjs): the admin sees that no sender is set up, sets one and
// sends a test mail; "Passwort vergessen?" on the sign-in page sends a
// link that arrives by mail, sets a new password once and only once, and
// the new password signs in; an invitation from the user list shows that
// it was sent. At 1366×768 and 390×844.
//
//   cd web && ZEZARO_BIN=$PWD/../target/debug/zezaro node --test e2e/password-mail.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';
import { startPostfix } from './postfix.mjs';

const PUBLIC_URL = 'https://service.zezaro.test';
// Screenshots of each screen, for a person to look at (e2e/out/, not committed).
const outDir = join(dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(outDir, { recursive: true });
const shot = (page, name) => page.screenshot({ path: join(outDir, `password-mail-${name}.png`), fullPage: true });
const env = realServer({ serverEnv: { ZEZARO_PUBLIC_URL: PUBLIC_URL } });
const ANNA = 'anna.schmidt@acme-energie.example';
const NEW_PASSWORD = 'Leuchtturm-Brandung-Kompass-42';

let postfix;
before(async () => {
  postfix = await startPostfix();
});
after(() => postfix?.stop());

/** The token of the mail's link, which points at the configured public address. */
function tokenOf(mail) {
  const m = mail.text.match(/(https:\/\/\S+)\/set-password\?token=([A-Za-z0-9_-]+)/);
  assert.ok(m, `no link in:\n${mail.text}`);
  assert.equal(m[1], PUBLIC_URL);
  return m[2];
}

async function noSidewaysScroll(page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(wide, false, 'the page scrolls sideways');
}

test('platform sender, forgot password by mail, new password, invitation', async () => {
  // The admin: no sender in the demo, and the screen says so.
  const admin = await signIn(env, 'admin@zezaro.example');
  const page = admin.page;
  // The demo admin works in English; this walk-through is in German.
  await page.getByTestId('lang-switch').selectOption('de');
  await page.waitForFunction(() => document.documentElement.lang === 'de');
  await page.getByTestId('nav-platform-mail').click();
  await page.getByTestId('platform-mail-page').waitFor();
  assert.match(await page.getByTestId('platform-mail-none').innerText(), /Noch kein Absender eingerichtet/);
  assert.match(await page.getByTestId('platform-mail-page').innerText(), /Links führen zu https:\/\/service\.zezaro\.test/);
  await page.getByTestId('platform-mail-host').fill('127.0.0.1');
  await page.getByTestId('platform-mail-security').selectOption('plain');
  await page.getByTestId('platform-mail-port').fill(String(postfix.port));
  await page.getByTestId('platform-mail-from').fill('noreply@zezaro.example');
  await page.getByTestId('platform-mail-from-name').fill('zezaro Plattform');
  await page.getByTestId('platform-mail-save').click();
  await page.getByTestId('platform-mail-test').waitFor();
  assert.equal(await page.getByTestId('platform-mail-none').count(), 0);
  await page.getByTestId('platform-mail-test-to').fill('paula@example.org');
  await page.getByTestId('platform-mail-test-send').click();
  assert.match(await page.getByTestId('platform-mail-test-result').innerText(), /Die Testnachricht wurde an paula@example\.org gesendet/);
  await shot(page, 'sender');
  // In the admin's language, now German.
  await postfix.waitFor('Testnachricht von zezaro');

  // Forgot password, signed out, in German.
  const context = await env.browser.newContext({ locale: 'de-DE', viewport: { width: 390, height: 844 } });
  const anon = await context.newPage();
  anon.setDefaultTimeout(15_000);
  const problems = [];
  anon.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await anon.goto(env.baseUrl + '/login');
  await anon.getByTestId('login-forgot').click();
  await anon.getByTestId('forgot-page').waitFor();
  assert.match(await anon.getByRole('heading', { level: 1 }).innerText(), /Passwort vergessen/);
  await noSidewaysScroll(anon);
  await shot(anon, 'forgot');
  await anon.getByTestId('forgot-email').fill(ANNA);
  await anon.getByTestId('forgot-submit').click();
  assert.match(await anon.getByTestId('forgot-done').innerText(), /Falls ein aktives Konto diese Adresse nutzt/);

  const mail = await postfix.waitFor('Passwort für zezaro zurücksetzen');
  assert.match(mail.to, /anna\.schmidt@acme-energie\.example/);
  assert.match(mail.text, /Hallo Anna Schmidt/);
  const token = tokenOf(mail);

  // The link (on this test server) sets the new password.
  await anon.goto(`${env.baseUrl}/set-password?token=${token}`);
  await anon.getByTestId('set-password-page').waitFor();
  assert.match(await anon.getByRole('heading', { level: 1 }).innerText(), /Passwort festlegen/);
  assert.match(await anon.getByTestId('set-password-for').innerText(), /Für das Konto anna\.schmidt@acme-energie\.example\. Der Link gilt bis \d{2}\.\d{2}\.\d{4}/);
  await noSidewaysScroll(anon);
  await shot(anon, 'set-password');
  await anon.getByTestId('set-password-new').fill(NEW_PASSWORD);
  await anon.getByTestId('set-password-repeat').fill(NEW_PASSWORD);
  await anon.getByTestId('set-password-submit').click();
  assert.match(await anon.getByTestId('set-password-done').innerText(), /Ihr Passwort ist festgelegt/);
  await anon.getByTestId('set-password-login').click();
  await anon.getByTestId('login-email').fill(ANNA);
  await anon.getByTestId('login-password').fill(NEW_PASSWORD);
  await anon.getByTestId('login-submit').click();
  await anon.getByTestId('home').waitFor();

  // The link works once only: opened again, the page says so at once.
  const again = await context.newPage();
  again.setDefaultTimeout(15_000);
  await again.goto(`${env.baseUrl}/set-password?token=${token}`);
  assert.match(await again.getByTestId('error').innerText(), /Dieser Link wurde bereits verwendet/);
  assert.equal(await again.getByTestId('set-password-form').count(), 0);
  await again.getByTestId('set-password-new-link').click();
  await again.getByTestId('forgot-page').waitFor();
  assert.deepEqual(problems, []);
  await context.close();

  // An invitation from the user list, with its outcome.
  await page.goto(env.baseUrl + '/admin/users');
  await page.getByTestId('users-page').waitFor();
  const row = page.getByTestId('user-row').filter({ hasText: 'jonas.weber@nordlicht.example' });
  await row.getByTestId('user-invite-button').click();
  await page.getByTestId('invite-modal').waitFor();
  assert.match(await page.getByTestId('invite-none').innerText(), /Noch keine Einladung gesendet/);
  await page.getByTestId('invite-send').click();
  await page.locator('[data-testid="invite-state"][data-state="sent"]').waitFor();
  const shown = await page.getByTestId('invite-state').innerText();
  assert.match(shown, /Einladung versendet am \d{2}\.\d{2}\.\d{4}/);
  assert.match(shown, /Der Link gilt bis \d{2}\.\d{2}\.\d{4}/);
  await shot(page, 'invitation');
  const invitation = await postfix.waitFor('Ihre Einladung zu zezaro');
  assert.match(invitation.to, /jonas\.weber@nordlicht\.example/);
  await page.getByTestId('invite-close').click();

  // A new user without a password: the invitation goes out right away.
  await page.getByTestId('new-user').click();
  const form = page.getByTestId('user-form');
  await form.getByTestId('user-email').fill('neu.admin@acme-energie.example');
  await form.getByTestId('user-name').fill('Nora Neu');
  await form.getByTestId('user-role').selectOption('client-admin');
  await form.getByTestId('user-client').selectOption({ label: 'Acme Energie GmbH' });
  assert.equal(await form.getByTestId('user-password-invite').isChecked(), true);
  assert.equal(await form.getByTestId('user-password').count(), 0);
  await form.getByTestId('submit').click();
  await page
    .locator('[data-testid="invite-modal"] [data-testid="invite-state"][data-state="sent"]')
    .waitFor()
    .catch(async (e) => {
      await shot(page, 'create-failure');
      throw e;
    });
  assert.match(await page.getByTestId('invite-modal').innerText(), /Einladung für Nora Neu/);
  const welcome = (await postfix.delivered()).filter((m) => m.to.includes('neu.admin@acme-energie.example'));
  assert.equal(welcome.length, 1);
  assert.match(welcome[0].subject, /Ihre Einladung zu zezaro/);
  assert.deepEqual(admin.problems, []);
  await admin.context.close();
});
