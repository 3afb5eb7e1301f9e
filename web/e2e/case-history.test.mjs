// Browser test of issue 17's polish on the case screen, against the real
// server (same harness as workspace.test.mjs):
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/case-history.test.mjs
//
// Anna (Acme's agent) logs a call in German: the case is hers and open, the
// call's message says "Eingehender Anruf" with its wait, talk and after-work
// times; she hands it to Mehmet and the history names both people, in
// German, with no ids and no English action codes. Then the same in English.

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
const BASIC_NAME = 'Mehmet Yilmaz';

const env = realServer();

async function agentPage(email, language) {
  const context = await env.browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 900 } });
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
  // The header's language select (it saves the profile's language too).
  await page.getByTestId('lang-switch').selectOption(language);
  await page.waitForFunction((l) => document.documentElement.lang === l, language).catch(() => {});
  const switcher = page.getByTestId('project-switch');
  const value = await switcher.locator('option', { hasText: 'ACME ·' }).first().getAttribute('value');
  await switcher.selectOption(value);
  return { context, page, problems };
}

async function failureArtifacts(name, p) {
  mkdirSync(outDir, { recursive: true });
  if (!p) return;
  await p.page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true }).catch(() => {});
  if (p.problems.length) console.error(`browser problems:\n` + p.problems.join('\n'));
}

/** Logs a call through the dialog and waits for its case screen. */
async function logCall(page, { direction, subject }) {
  await page.goto(env.baseUrl + '/cases');
  await page.getByTestId('cases-page').waitFor();
  await page.getByTestId('log-call').click();
  const form = page.getByTestId('log-call-form');
  await form.waitFor();
  if (direction === 'outbound') await form.locator('input[name="call-dir"]').nth(1).check();
  await form.getByTestId('call-phone').fill(`+49 30 ${Date.now().toString().slice(-7)}`);
  await form.getByTestId('call-contacts').waitFor();
  await form.getByTestId('call-contact-name').fill('Max Anrufer');
  await form.getByTestId('call-subject').fill(subject);
  await form.getByTestId('call-wait').fill('0:42');
  await form.getByTestId('call-talk').fill('5:10');
  await form.getByTestId('call-after').fill('1:00');
  await form.getByTestId('submit').click();
  await page.waitForURL(/\/cases\/\d+$/);
  await page.getByTestId('case-page').waitFor();
  assert.equal(await page.getByTestId('case-subject').textContent(), subject);
}

/** The selected option's text of a <select>. */
function selectedText(select) {
  return select.evaluate((el) => el.options[el.selectedIndex]?.textContent ?? '');
}

/** Hands the case to Mehmet and returns the opened history's text once it names him. */
async function handOverAndReadHistory(page) {
  const assignee = page.getByTestId('case-assignee');
  const mehmet = await assignee.locator('option', { hasText: BASIC_NAME }).first().getAttribute('value');
  await assignee.selectOption(mehmet);
  const history = page.getByTestId('history');
  await history.locator('summary').click();
  await history.locator('[data-field="assignee_id"]').waitFor();
  return history.innerText();
}

const languages = [
  {
    language: 'de',
    direction: 'inbound',
    callLine: 'Eingehender Anruf',
    times: 'Wartezeit 0:42 · Gesprächszeit 5:10 · Nachbearbeitung 1:00',
    status: 'Offen',
    created: 'Fall angelegt',
    assigneeRow: `${ANNA_NAME} · Bearbeiter\n${ANNA_NAME} → ${BASIC_NAME}`,
    english: /created|Assignee|Inbound call/,
  },
  {
    language: 'en',
    direction: 'outbound',
    callLine: 'Outbound call',
    times: 'Waiting 0:42 · Talking 5:10 · After-work 1:00',
    status: 'Open',
    created: 'Case created',
    assigneeRow: `${ANNA_NAME} · Assignee\n${ANNA_NAME} → ${BASIC_NAME}`,
    english: /Bearbeiter|Anruf|angelegt/,
  },
];

for (const l of languages) {
  test(`a logged call is the agent's open case, its history names people (${l.language})`, async () => {
    let anna;
    try {
      anna = await agentPage(ANNA, l.language);
      const page = anna.page;
      const subject = `Abschlag ${l.language} ${Date.now().toString(36)}`;
      await logCall(page, { direction: l.direction, subject });

      // The call's message: its direction in the UI's language and its times.
      const message = page.getByTestId('message').first();
      await message.getByText(l.callLine).waitFor();
      assert.equal((await message.getByTestId('call-times').innerText()).trim(), l.times);
      // Anna's case, open.
      assert.equal((await selectedText(page.getByTestId('case-assignee'))).trim(), ANNA_NAME);
      assert.equal((await selectedText(page.getByTestId('case-status'))).trim(), l.status);

      // The history names people and speaks the language.
      const text = await handOverAndReadHistory(page);
      assert.ok(text.includes(l.assigneeRow), `history:\n${text}`);
      assert.ok(text.includes(`${ANNA_NAME} · ${l.created}`), `history:\n${text}`);
      assert.doesNotMatch(text, /\d+ → \d+/, 'no ids where names belong');
      assert.doesNotMatch(text, /assignee_id|topic_id|System · created/);
      assert.doesNotMatch(text, l.english, 'no words of the other language');
      assert.deepEqual(anna.problems, []);
    } catch (err) {
      await failureArtifacts(`case-history-${l.language}`, anna);
      throw err;
    } finally {
      await anna?.context.close();
    }
  });
}
