// Browser test of the workforce settings and the state log (issue 18)
// against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/workforce-settings.test.mjs
//
// Acme's client admin (German) changes the longest after-work and adds a
// break reason; both are kept after a reload. Anna (an Acme agent) finds
// the new reason in the header's state switch and takes that break; the
// client admin's state log shows the change with Anna's name. The
// settings page and the log at 1366×768 and 390×844 without horizontal
// overflow.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const KADMIN = 'kadmin@acme-energie.example';
const ANNA = 'anna.schmidt@acme-energie.example';

const env = realServer();

const login = (email, options) => signIn(env, email, options);

/** A JSON GET with the page's session. */
async function get(context, path) {
  const res = await context.request.get(`${env.baseUrl}/api/v1${path}`);
  const text = await res.text();
  assert.ok(res.ok(), `GET ${path}: ${res.status()} ${text}`);
  return JSON.parse(text);
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

const overflowOf = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The elements reaching past the right edge (for a failure's message). */
const overflowing = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap'))
      .slice(0, 8)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)})`)
      .join(', '),
  );

test('a client admin changes the workforce settings, an agent uses the new break reason, the state log shows it', { timeout: 300_000 }, async () => {
  let admin;
  let anna;
  let narrow;
  let platform;
  const reasonName = `Arztbesuch ${Date.now().toString(36)}`;
  try {
    admin = await login(KADMIN);
    const me = await get(admin.context, '/me');
    const clientId = me.user.client_id;
    const before = await get(admin.context, `/clients/${clientId}/workforce-settings`);

    await admin.page.getByTestId('nav-workforce-settings').click();
    await admin.page.getByTestId('wfs-page').waitFor();
    await admin.page.getByRole('heading', { name: 'Arbeitszeit-Einstellungen' }).waitFor();
    const minutes = admin.page.getByTestId('wfs-after-work');
    assert.equal(await minutes.inputValue(), new Intl.NumberFormat('de-DE').format(before.after_work_max_seconds / 60));
    // Productive states by their German names, no internal ids.
    await admin.page.locator('label.check', { hasText: 'Nachbearbeitung' }).first().waitFor();
    await admin.page.locator('label.check', { hasText: 'Backoffice' }).waitFor();

    // 3,5 minutes written the German way; a new break reason.
    await minutes.fill('3,5');
    await admin.page.getByTestId('wfs-new-reason').fill(reasonName);
    await admin.page.getByTestId('wfs-add-reason').click();
    await admin.page.getByTestId('wfs-save').click();
    await admin.page.getByTestId('wfs-status').filter({ hasText: 'Gespeichert.' }).waitFor();
    let saved = await get(admin.context, `/clients/${clientId}/workforce-settings`);
    assert.equal(saved.after_work_max_seconds, 210);
    assert.ok(
      saved.break_reasons.some((r) => r.name === reasonName && r.active),
      'the new reason is saved and active',
    );
    assert.equal(saved.break_reasons.length, before.break_reasons.length + 1);

    // The new reason moves to the top: the switcher offers reasons in this order.
    const reasonNames = () => admin.page.getByTestId('wfs-reason-name').evaluateAll((els) => els.map((e) => e.value));
    for (let at = (await reasonNames()).indexOf(reasonName); at > 0; at = (await reasonNames()).indexOf(reasonName)) {
      await admin.page.getByTestId('wfs-reason').nth(at).getByTestId('wfs-reason-up').click();
    }
    assert.equal(await admin.page.getByTestId('wfs-reason-name').first().inputValue(), reasonName);
    // Agents start away after signing in (the default), named in German.
    assert.equal(await admin.page.getByTestId('wfs-sign-in').inputValue(), 'away');
    assert.equal((await admin.page.getByTestId('wfs-sign-in').locator('option:checked').innerText()).trim(), 'Abwesend');
    await admin.page.getByTestId('wfs-save').click();
    await admin.page.getByTestId('wfs-status').filter({ hasText: 'Gespeichert.' }).waitFor();
    saved = await get(admin.context, `/clients/${clientId}/workforce-settings`);
    assert.equal(saved.break_reasons[0].name, reasonName, 'saved first');

    // Kept after a reload.
    await admin.page.reload();
    await admin.page.getByTestId('wfs-form').waitFor();
    assert.equal(await admin.page.getByTestId('wfs-after-work').inputValue(), '3,5');
    const names = await admin.page.getByTestId('wfs-reason-name').evaluateAll((els) => els.map((e) => e.value));
    assert.ok(names.includes(reasonName), `the reason is listed after a reload: ${names.join(', ')}`);
    const text = await admin.page.getByTestId('wfs-page').innerText();
    for (const english of ['Save', 'Break reasons', 'Time zone', 'After-work', 'Productive']) {
      assert.ok(!text.includes(english), `no English on the German screen: ${english}`);
    }
    assert.ok((await overflowOf(admin.page)) <= 1, 'the settings fit at 1366 px');

    // Anna sees the new reason in the header's state switch and takes that break.
    anna = await login(ANNA);
    const switcher = anna.page.locator('[data-testid="availability"]:enabled');
    await switcher.waitFor();
    const reason = saved.break_reasons.find((r) => r.name === reasonName);
    const option = anna.page.locator(`[data-testid="availability"] option[value="break:${reason.id}"]`);
    assert.equal((await option.textContent()).trim(), `Pause: ${reasonName}`);
    const breaks = await anna.page.locator('[data-testid="availability"] option[value^="break:"]').allTextContents();
    assert.equal(breaks[0].trim(), `Pause: ${reasonName}`, `the first break reason: ${breaks.join(', ')}`);
    // Signed in: away until she chooses.
    assert.equal(await switcher.inputValue(), 'away');
    const answered = anna.page.waitForResponse((r) => r.url().endsWith('/api/v1/workforce/me') && r.request().method() === 'PUT');
    await switcher.selectOption(`break:${reason.id}`);
    assert.ok((await answered).ok(), 'the break was taken');

    // The client admin's state log shows the change, with Anna's name.
    await admin.page.getByTestId('nav-productive').click();
    await admin.page.getByTestId('productive-page').waitFor();
    await admin.page.getByTestId('productive-tab-log').click();
    const section = admin.page.locator('[data-testid="state-log-agent-section"][data-agent="Anna Schmidt"]');
    await section.waitFor();
    const row = section.getByTestId('state-log-row').filter({ hasText: reasonName });
    await row.waitFor();
    const rowText = await row.innerText();
    assert.match(rowText, /→ Pause/, rowText);
    assert.match(rowText, /vom Agenten gewählt/, rowText);
    assert.equal((await row.getByTestId('state-log-by').innerText()).trim(), 'Anna Schmidt');
    // Times the German way (HH:MM:SS), no ids.
    assert.match(rowText, /\b\d{2}:\d{2}:\d{2}\b/, rowText);
    // Her sign-in is in the log too: offline → away, by the sign-in.
    const signedIn = section.getByTestId('state-log-row').filter({ hasText: 'angemeldet' }).first();
    assert.match(await signedIn.innerText(), /Offline → Abwesend/);
    // A span of days: date and time in each row.
    const yesterday = new Date(Date.now() - 86_400_000);
    await admin.page.getByTestId('state-log-from').fill(new Intl.DateTimeFormat('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric' }).format(yesterday));
    await admin.page.getByTestId('state-log-from').blur();
    await section.getByTestId('state-log-row').filter({ hasText: reasonName }).filter({ hasText: /\d{2}\.\d{2}\.\d{4}/ }).waitFor();
    assert.ok((await overflowOf(admin.page)) <= 1, 'the state log fits at 1366 px');

    // Narrow screen: the settings and the log fit.
    narrow = await login(KADMIN, { viewport: { width: 390, height: 844 } });
    await narrow.page.goto(env.baseUrl + '/admin/workforce-settings');
    await narrow.page.getByTestId('wfs-form').waitFor();
    let overflow = await overflowOf(narrow.page);
    assert.ok(overflow <= 1, `the settings fit at 390 px (overflow ${overflow}: ${await overflowing(narrow.page)})`);
    await narrow.page.goto(env.baseUrl + '/workforce/productive-time');
    await narrow.page.getByTestId('productive-tab-log').click();
    await narrow.page.locator('[data-testid="state-log-agent-section"][data-agent="Anna Schmidt"]').waitFor();
    overflow = await overflowOf(narrow.page);
    assert.ok(overflow <= 1, `the state log fits at 390 px (overflow ${overflow}: ${await overflowing(narrow.page)})`);

    // The platform admin (English UI) sets when a silent workspace goes offline, in minutes.
    platform = await login('admin@zezaro.example');
    await platform.page.goto(env.baseUrl + '/admin/workforce-settings');
    const offline = platform.page.getByTestId('presence-offline');
    await offline.waitFor();
    assert.equal(await offline.inputValue(), '2');
    await offline.fill('2.5');
    await platform.page.getByTestId('presence-save').click();
    await platform.page.getByTestId('presence-status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal((await get(platform.context, '/routing/settings')).offline_after_seconds, 150);
    assert.match(await platform.page.getByTestId('presence-form').innerText(), /Offline after \(minutes without a sign of life\)/);

    for (const p of [admin, anna, narrow, platform]) assert.deepEqual(p.problems, []);
  } catch (e) {
    await failureArtifacts('workforce-settings', [admin, anna, narrow, platform]);
    throw e;
  } finally {
    for (const p of [admin, anna, narrow, platform]) await p?.context.close();
  }
});
