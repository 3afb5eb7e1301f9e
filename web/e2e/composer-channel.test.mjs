// Browser test of issue 17, point 6: the composer follows the channel, and
// each e-mail reply shows its delivery state with the reason, against the
// real server (same harness as case-history.test.mjs):
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/composer-channel.test.mjs
//
// A phone case whose caller left no e-mail address offers "Anruf" (call
// back and log it) and a note, no e-mail reply, and says why; the logged
// call back shows in the thread as "Rückruf" with its times and no
// delivery. An e-mail case offers the reply; once the project has a
// mailbox whose server cannot be reached, the reply shows "not sent yet"
// with the reason in the UI's language. German and English.

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
const KADMIN = 'kadmin@acme-energie.example';

const env = realServer();

async function login(email, language) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 768 } });
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

async function acmeId(context) {
  return (await call(context, 'GET', '/projects')).items.find((p) => p.key === 'ACME').id;
}

async function failureArtifacts(name, p) {
  mkdirSync(outDir, { recursive: true });
  if (!p) return;
  await p.page.screenshot({ path: join(outDir, `${name}.png`) }).catch(() => {});
  if (p.problems.length) console.error('browser problems:\n' + p.problems.join('\n'));
  console.error('server log:\n' + env.log.slice(-2000));
}

const tabs = (page) => page.getByTestId('composer').getByRole('tab');

const languages = [
  {
    language: 'de',
    tabs: ['Anruf', 'Interne Notiz'],
    noMail: 'Keine E-Mail-Adresse: Antwort per E-Mail nicht möglich',
    logCall: 'Anruf protokollieren',
    kind: 'Rückruf',
    line: 'Ausgehender Anruf',
    times: 'Wartezeit 0:00 · Gesprächszeit 2:05 · Nachbearbeitung 0:30',
    mailTabs: ['Antwort', 'Interne Notiz'],
    retrying: 'Noch nicht gesendet – neuer Versuch',
    reason: 'Keine Verbindung zum Mailserver.',
    english: /SMTP|connection|\bserver\b/i,
  },
  {
    language: 'en',
    tabs: ['Call', 'Internal note'],
    noMail: 'No e-mail address: no reply by e-mail',
    logCall: 'Log call',
    kind: 'Call back',
    line: 'Outbound call',
    times: 'Waiting 0:00 · Talking 2:05 · After-work 0:30',
    mailTabs: ['Reply', 'Internal note'],
    retrying: null,
    reason: 'No connection to the mail server.',
    english: /Verbindung|Mailserver/,
  },
];

for (const l of languages) {
  test(`a phone case without an address calls back and logs it; no e-mail reply offered (${l.language})`, async () => {
    let anna;
    try {
      anna = await login(ANNA, l.language);
      const phone = `+49 30 ${Date.now().toString().slice(-7)}`;
      const created = await call(anna.context, 'POST', '/calls', {
        project_id: await acmeId(anna.context),
        direction: 'inbound',
        phone,
        contact_name: 'Paula Rückruf',
        subject: `Rückrufbitte ${l.language}`,
        language: l.language,
      });
      const page = anna.page;
      await page.goto(`${env.baseUrl}/cases/${created.id}`);
      await page.getByTestId('case-page').waitFor();
      assert.deepEqual((await tabs(page).allInnerTexts()).map((s) => s.trim()), l.tabs);
      assert.equal(await page.getByTestId('tab-call').getAttribute('aria-selected'), 'true', 'a phone case opens on the call');
      assert.equal((await page.getByTestId('composer-no-mail').innerText()).trim(), l.noMail);
      assert.equal((await page.getByTestId('composer-call-dial').innerText()).trim(), phone);
      assert.equal(await page.getByTestId('composer-call-dial').getAttribute('href'), `tel:${phone.replace(/[^\d+]/g, '')}`);
      await page.getByTestId('composer-call-talk').fill('2:05');
      await page.getByTestId('composer-call-after').fill('0:30');
      await page.getByTestId('composer-text').fill('Zählerstand aufgenommen.');
      const send = page.getByTestId('composer-send');
      assert.equal((await send.innerText()).trim(), l.logCall);
      await send.click();
      const logged = page.getByTestId('message').last();
      await logged.getByText(l.line).waitFor();
      assert.equal((await logged.getByTestId('message-kind').innerText()).trim().toLowerCase(), l.kind.toLowerCase());
      assert.match(await logged.innerText(), /Zählerstand aufgenommen\./);
      assert.equal((await logged.getByTestId('call-times').innerText()).trim(), l.times);
      assert.equal(await logged.getByTestId('delivery').count(), 0, 'a call is sent nowhere');
      // The call tab is emptied for the next call.
      assert.equal(await page.getByTestId('composer-call-talk').inputValue(), '');
      assert.deepEqual(anna.problems, []);
    } catch (e) {
      await failureArtifacts(`composer-call-${l.language}`, anna);
      throw e;
    } finally {
      await anna?.context.close();
    }
  });

  test(`an e-mail reply shows its delivery state with the reason (${l.language})`, async () => {
    let anna;
    let admin;
    try {
      admin = await login(KADMIN, 'de');
      anna = await login(ANNA, l.language);
      const acme = await acmeId(anna.context);
      const stamp = Date.now().toString(36);
      // The project's mailbox sends through a server nobody answers on.
      await call(admin.context, 'POST', `/projects/${acme}/mailboxes`, {
        name: `Versand ${stamp}`,
        address: `versand.${stamp}@acme-energie.example`,
        imap_host: '127.0.0.1',
        imap_port: 9,
        imap_security: 'plain',
        imap_username: 'versand',
        imap_password: 'versand-secret-1',
        smtp_host: '127.0.0.1',
        smtp_port: 9,
        smtp_security: 'plain',
        paused: true,
      });
      const created = await call(anna.context, 'POST', '/cases', {
        project_id: acme,
        subject: `Abschlag ${l.language} ${stamp}`,
        channel: 'email',
        contact: { name: 'Erika Versand', email: `erika.${stamp}@example.org` },
        message: { kind: 'inbound', body_text: 'Bitte Abschlag senken.' },
      });
      const page = anna.page;
      await page.goto(`${env.baseUrl}/cases/${created.id}`);
      await page.getByTestId('case-page').waitFor();
      assert.deepEqual((await tabs(page).allInnerTexts()).map((s) => s.trim()), l.mailTabs);
      assert.equal(await page.getByTestId('tab-outbound').getAttribute('aria-selected'), 'true');
      assert.equal(await page.getByTestId('composer-no-mail').count(), 0);
      await page.getByTestId('composer-text').fill('Wir haben den Abschlag angepasst.');
      await page.getByTestId('composer-send').click();
      const reply = page.getByTestId('message').last();
      await reply.getByText('Wir haben den Abschlag angepasst.').waitFor();
      const delivery = reply.getByTestId('delivery');
      await delivery.waitFor();
      // The mail server is not there: tried, not sent, with the reason.
      await reply.locator('[data-testid="delivery"][data-state="retrying"]').waitFor({ timeout: 30_000 });
      const reason = reply.getByTestId('delivery-reason');
      await reason.filter({ hasText: l.reason }).waitFor();
      assert.equal(await reason.getAttribute('data-code'), 'smtp-connection');
      if (l.retrying) assert.match(await delivery.innerText(), new RegExp(l.retrying));
      assert.doesNotMatch(await delivery.innerText(), l.english);
      assert.deepEqual(anna.problems, []);
    } catch (e) {
      await failureArtifacts(`composer-delivery-${l.language}`, anna);
      throw e;
    } finally {
      await anna?.context.close();
      await admin?.context.close();
    }
  });
}
