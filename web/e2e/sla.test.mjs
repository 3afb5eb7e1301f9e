// Browser test of the SLA timers (issue 15) against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/sla.test.mjs
//
// Acme's client admin builds, in the SLA editor, a policy for the gas
// project with a first-response target of one business minute on a
// calendar open around the clock. Anna (an agent of the project) has the
// open case list; a new case shows its timer, and once the minute has
// passed the timer turns red without a reload.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ADMIN = 'kadmin@acme-energie.example';
const ANNA = 'anna.schmidt@acme-energie.example';
const PROJECT_KEY = 'ACMEGAS';

const env = realServer();

const login = (email, options) => signIn(env, email, options);

/** A JSON API call with the page's session (and its CSRF token). */
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

async function failureArtifacts(name, pages) {
  mkdirSync(outDir, { recursive: true });
  for (const [i, p] of pages.entries()) {
    if (!p) continue;
    await p.page.screenshot({ path: join(outDir, `${name}-${i}.png`), fullPage: true }).catch(() => {});
    if (p.problems.length) console.error(`browser ${i} problems:\n` + p.problems.join('\n'));
  }
  console.error('server log:\n' + env.log.slice(-4000));
}

test('a case whose first-response target passes turns red in the open case list without a reload', { timeout: 240_000 }, async () => {
  let admin;
  let anna;
  const subject = `Gasabschlag zu hoch ${Date.now().toString(36)}`;
  try {
    admin = await login(ADMIN);
    // A calendar open around the clock (through the API: seven intervals).
    const calendar = await call(admin.context, 'POST', '/calendars', {
      name: 'Rund um die Uhr',
      state: 'NW',
      hours: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
    });

    // The policy through the editor: first response within one minute.
    await admin.page.getByTestId('nav-sla').click();
    await admin.page.getByTestId('sla-page').waitFor();
    await admin.page.getByTestId('sla-calendar-row').filter({ hasText: 'Rund um die Uhr' }).waitFor();
    const projectSelect = admin.page.getByTestId('sla-project');
    const gas = await projectSelect.locator('option', { hasText: 'Gasvertrieb' }).getAttribute('value');
    await projectSelect.selectOption(gas);
    await admin.page.getByTestId('sla-new-policy').click();
    const form = admin.page.getByTestId('sla-policy-form');
    await form.getByTestId('sla-policy-name').fill('Sofort antworten');
    await form.getByTestId('sla-policy-calendar').selectOption(String(calendar.id));
    await form.getByTestId('sla-policy-first').fill('1');
    await form.getByTestId('sla-policy-save').click();
    await admin.page.getByTestId('sla-policy-row').filter({ hasText: 'Sofort antworten' }).waitFor();

    // Anna has the open cases of the gas project in front of her.
    anna = await login(ANNA);
    const switcher = anna.page.getByTestId('project-switch');
    const value = await switcher.locator('option', { hasText: `${PROJECT_KEY} ·` }).first().getAttribute('value');
    await switcher.selectOption(value);
    await anna.page.getByTestId('nav-cases').click();
    await anna.page.getByTestId('cases-page').waitFor();
    await anna.page.getByTestId('view-all').click();
    await anna.page.getByTestId('case-table').waitFor();
    await anna.page.evaluate(() => {
      window.__noReload = true;
    });

    // A customer writes in (a case created through the API).
    await call(anna.context, 'POST', '/cases', {
      project_id: Number(gas),
      subject,
      channel: 'email',
      message: { kind: 'inbound', body_text: 'Mein Gasabschlag ist zu hoch.' },
    });
    const row = anna.page.getByTestId('case-row').filter({ hasText: subject });
    await row.waitFor();
    const timer = row.getByTestId('sla-timer');
    await timer.waitFor();
    assert.equal(await timer.getAttribute('data-breached'), 'false');
    assert.match(await timer.textContent(), /^noch /);

    // The minute passes: red, "überfällig", still no reload.
    await row.locator('[data-testid="sla-timer"][data-breached="true"]').waitFor({ timeout: 120_000 });
    assert.match(await timer.textContent(), /überfällig$/);
    const color = await timer.evaluate((el) => getComputedStyle(el).color);
    assert.equal(color, 'rgb(192, 54, 44)', 'the danger red');
    assert.equal(await anna.page.evaluate(() => window.__noReload), true, 'no page reload');

    // The server marked the breach too (the job, live event): the case screen lists it.
    await row.locator('a.case-ref').click();
    await anna.page.getByTestId('sla-panel').locator('.sla-clock.sla-breached').waitFor({ timeout: 60_000 });
    assert.deepEqual(anna.problems, []);
    assert.deepEqual(admin.problems, []);
  } catch (err) {
    await failureArtifacts('sla', [admin, anna]);
    throw err;
  } finally {
    await admin?.context.close();
    await anna?.context.close();
  }
});
