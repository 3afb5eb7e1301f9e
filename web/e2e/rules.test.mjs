// Browser test of the rules UI (issue 15) against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/rules.test.mjs
//
// Acme's client admin builds a rule in the rule builder (a case is created,
// its subject contains "Zählerstand" → priority high and a tag), tries it
// on a demo case in the dry run (nothing changed, the would-be changes in
// German), and activates it. A case then created through the API gets the
// priority and the tag, and its history says "gesetzt durch Regel …". The
// project lead of Gasvertrieb reads the rule without editing controls; the
// editor fits a phone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const PASSWORD = 'Hafenkran-Sonnenblume-7';
const ADMIN = 'kadmin@acme-energie.example';
const ANNA = 'anna.schmidt@acme-energie.example';
const LEAD = 'lead@zezaro.example';
const WORD = 'Zählerstand';
const PHONE = { width: 390, height: 844 };

const env = realServer();

async function login(email, { locale = 'de-DE', viewport = { width: 1366, height: 768 } } = {}) {
  const context = await env.browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    // Lists a lead may not read (mailboxes) answer 403 and stay empty; the
    // conflict below answers 409 on purpose.
    if (/status of (403|409)/.test(msg.text())) return;
    problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  await page.goto(env.baseUrl + '/login');
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  return { context, page, problems };
}

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

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
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

test('the client admin builds, dry-runs and activates a rule; a new case follows it; the lead reads it', { timeout: 300_000 }, async () => {
  let admin;
  let anna;
  let lead;
  let phone;
  const tag = `zaehler-${Date.now().toString(36)}`;
  const name = `Zählerstände eilig ${tag}`;
  try {
    admin = await login(ADMIN);

    // The list, then a new rule.
    await admin.page.getByTestId('nav-rules').click();
    await admin.page.getByTestId('rules-page').waitFor();
    await admin.page.getByTestId('rule-new').click();
    await admin.page.getByTestId('rule-form').waitFor();
    await admin.page.getByTestId('rule-name').fill(name);
    await admin.page.getByTestId('rule-event').selectOption('case-created');

    // If: the subject contains the word.
    await admin.page.getByTestId('rule-add-condition').click();
    const cond = admin.page.getByTestId('rule-condition').first();
    await cond.getByTestId('rule-cond-field').selectOption('subject');
    await cond.getByTestId('rule-cond-op').selectOption('contains');
    assert.equal(await cond.getByTestId('rule-cond-op').locator('option:checked').innerText(), 'enthält');
    await cond.getByTestId('rule-cond-value').fill(WORD);

    // Then: priority high, and a tag.
    const first = admin.page.getByTestId('rule-action').first();
    await first.getByTestId('rule-action-type').selectOption('set-priority');
    await first.getByTestId('rule-action-priority').selectOption({ label: 'Hoch' });
    await admin.page.getByTestId('rule-add-action').click();
    const second = admin.page.getByTestId('rule-action').nth(1);
    await second.getByTestId('rule-action-type').selectOption('add-tags');
    await second.getByTestId('rule-action-tags-input').fill(tag);
    await second.getByTestId('rule-action-tags-input').press('Enter');
    await second.getByText(tag).waitFor();

    await admin.page.getByTestId('rule-save').click();
    await admin.page.waitForURL(/\/admin\/rules\/\d+$/);
    const ruleId = Number(admin.page.url().split('/').pop());
    await admin.page.getByTestId('rule-version').filter({ hasText: 'Version 1' }).waitFor();
    assert.equal(await admin.page.getByTestId('rule-state').innerText(), 'Inaktiv');
    const adminName = (await call(admin.context, 'GET', '/me')).user.name;
    assert.match(await admin.page.getByTestId('rule-versions').innerText(), new RegExp(`1 \\(aktuell\\)\\s+${adminName}`));

    // What was saved is what was built.
    const saved = await call(admin.context, 'GET', `/rules/${ruleId}`);
    assert.equal(saved.event, 'case-created');
    assert.deepEqual(saved.conditions, { all: [{ field: 'subject', op: 'contains', value: WORD }] });
    assert.deepEqual(saved.actions, [
      { type: 'set-priority', priority: 'high' },
      { type: 'add-tags', tags: [tag] },
    ]);
    assert.equal(saved.active, false);

    // Dry run on a demo case with the word in its subject.
    const dry = admin.page.getByTestId('rule-dryrun');
    await dry.getByTestId('dryrun-query').fill(WORD);
    await dry.getByTestId('dryrun-search').click();
    await dry.getByTestId('dryrun-hit').first().waitFor();
    const hitText = await dry.getByTestId('dryrun-hits').locator('li').first().innerText();
    assert.match(hitText, /[A-Z]+-\d+ · .*Zählerstand/, hitText);
    await dry.getByTestId('dryrun-hit').first().check();
    await dry.getByTestId('dryrun-scope-rule').check();
    await dry.getByTestId('dryrun-event').selectOption('case-created');
    await dry.getByTestId('dryrun-run').click();
    const result = dry.getByTestId('dryrun-result');
    await result.waitFor();
    const resultText = await result.innerText();
    assert.match(resultText, /Probelauf: Es wurde nichts geändert/);
    assert.match(resultText, new RegExp(`Regel „${name}“ würde auslösen`));
    assert.match(resultText, new RegExp(`Schlagwörter: .*${tag}`));
    // The case itself is untouched by the dry run.
    const hitRef = hitText.split(' · ')[0].trim();
    const page = await call(admin.context, 'GET', `/cases?ref=${encodeURIComponent(hitRef)}&view=all&limit=1`);
    assert.ok(!page.items[0].tags.includes(tag), 'the dry run changed nothing');

    // Activate, after the confirmation.
    await admin.page.getByTestId('rule-toggle').click();
    await admin.page.getByTestId('confirm').getByTestId('submit').click();
    await admin.page.getByTestId('rule-state').filter({ hasText: 'Aktiv' }).waitFor();
    assert.equal((await call(admin.context, 'GET', `/rules/${ruleId}`)).active, true);

    // In the list: active, in German.
    await admin.page.getByTestId('nav-rules').click();
    const row = admin.page.getByTestId('rule-row').filter({ hasText: name });
    await row.waitFor();
    assert.match(await row.innerText(), /Ein Fall wird angelegt/);
    assert.match(await row.innerText(), /Alle Projekte/);
    assert.equal(await row.getByTestId('rule-active').isChecked(), true);

    // Reorder by keyboard: the new (last) rule one place up; focus stays on it.
    const before = (await call(admin.context, 'GET', '/rules')).items.map((r) => r.id);
    assert.equal(before.at(-1), ruleId, 'a new rule comes last');
    await row.getByTestId('rule-up').focus();
    await admin.page.keyboard.press('Enter');
    await admin.page.getByTestId('rules-note').waitFor();
    const after = (await call(admin.context, 'GET', '/rules')).items.map((r) => r.id);
    assert.deepEqual(after, [...before.slice(0, -2), ruleId, before.at(-2)]);
    const rows = await admin.page.getByTestId('rule-row').evaluateAll((els) => els.map((e) => Number(e.dataset.ruleId)));
    assert.deepEqual(rows, after);
    assert.equal(await admin.page.evaluate(() => document.activeElement?.getAttribute('data-focus-key')), `${ruleId}-up`);

    // A new case with the word: the rule set priority and tag.
    anna = await login(ANNA);
    const me = await call(anna.context, 'GET', '/me');
    const acme = me.projects.find((p) => p.key === 'ACME');
    assert.ok(acme, 'Anna works in ACME');
    const created = await call(anna.context, 'POST', '/cases', {
      project_id: acme.id,
      subject: `${WORD} für März ${tag}`,
      channel: 'email',
      message: { kind: 'inbound', body_text: 'Mein Zählerstand am 31. März war 12.345 kWh.' },
    });
    const fresh = await call(anna.context, 'GET', `/cases/${created.id}`);
    const c = fresh.case ?? fresh;
    assert.equal(c.priority, 'high');
    assert.ok(c.tags.includes(tag), `tags: ${c.tags}`);

    // Its history says which rule set it, in German.
    await anna.page.goto(`${env.baseUrl}/cases/${created.id}`);
    const history = anna.page.getByTestId('history');
    await history.waitFor();
    await history.locator('summary').click();
    await history.getByTestId('history-rule').first().waitFor();
    assert.match(await history.innerText(), new RegExp(`Regel „${name}“`));

    // The lead of Gasvertrieb (an Acme project) reads the rule: no editing controls.
    lead = await login(LEAD, { viewport: PHONE });
    await lead.page.goto(env.baseUrl + '/admin/rules');
    await lead.page.getByTestId('rules-page').waitFor();
    const leadRow = lead.page.getByTestId('rule-row').filter({ hasText: name });
    await leadRow.waitFor();
    assert.equal(await lead.page.getByTestId('rule-new').count(), 0);
    assert.equal(await leadRow.getByTestId('rule-active').count(), 0);
    assert.equal(await leadRow.getByTestId('rule-active-text').innerText(), 'aktiv');
    await leadRow.getByTestId('rule-open').click();
    await lead.page.getByTestId('rule-readonly').waitFor();
    assert.equal(await lead.page.getByTestId('rule-save').count(), 0);
    assert.equal(await lead.page.getByTestId('rule-toggle').count(), 0);
    assert.equal(await lead.page.getByTestId('rule-dryrun').count(), 0);
    assert.equal(await lead.page.getByTestId('rule-name').inputValue(), name);
    assert.equal(await lead.page.getByTestId('rule-name').isDisabled(), true);
    assert.ok((await overflow(lead.page)) <= 1, 'the read-only view fits the phone');

    // The editor on a phone: a nested group stacks, nothing scrolls sideways.
    phone = await login(ADMIN, { viewport: PHONE });
    await phone.page.goto(`${env.baseUrl}/admin/rules/${ruleId}`);
    await phone.page.getByTestId('rule-form').waitFor();
    await phone.page.getByTestId('rule-add-group').first().click();
    const nested = phone.page.getByTestId('rule-group').nth(1);
    await nested.getByTestId('rule-add-condition').click();
    await nested.getByTestId('rule-cond-field').selectOption('priority');
    await nested.getByTestId('rule-cond-op').selectOption('in');
    await phone.page.getByTestId('rule-action').first().waitFor();
    const wide = await overflow(phone.page);
    assert.ok(wide <= 1, `the editor is ${wide}px wider than the phone`);
    const box = await nested.getByTestId('rule-condition').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width + 1, `the nested condition fits: ${JSON.stringify(box)}`);

    // Saving over a newer version: the conflict is told, "reload" shows the newer one.
    await admin.page.goto(`${env.baseUrl}/admin/rules/${ruleId}`);
    await admin.page.getByTestId('rule-form').waitFor();
    const current = await call(admin.context, 'GET', `/rules/${ruleId}`);
    const { project_ids, event, conditions, actions } = current;
    await call(admin.context, 'PUT', `/rules/${ruleId}`, { name: `${name} – Kollegin`, project_ids, event, conditions, actions, expected_version: current.version });
    await admin.page.getByTestId('rule-name').fill(`${name} – meins`);
    await admin.page.getByTestId('rule-save').click();
    await admin.page.getByTestId('rule-conflict').waitFor();
    assert.match(await admin.page.getByTestId('rule-conflict').innerText(), /neuere Version/);
    await admin.page.getByTestId('rule-conflict-reload').click();
    await admin.page.getByTestId('rule-version').filter({ hasText: 'Version 2' }).waitFor();
    assert.equal(await admin.page.getByTestId('rule-name').inputValue(), `${name} – Kollegin`);

    // Restore version 1: saved again as version 3.
    const v1 = admin.page.getByTestId('rule-version-row').nth(1);
    assert.match(await v1.innerText(), /^1\s/);
    await v1.getByTestId('rule-restore').click();
    await admin.page.getByTestId('confirm').getByTestId('submit').click();
    await admin.page.getByTestId('rule-version').filter({ hasText: 'Version 3' }).waitFor();
    assert.equal(await admin.page.getByTestId('rule-name').inputValue(), name);
    // The editor is remounted for the new version; its list loads after the heading.
    await admin.page.getByTestId('rule-version-row').nth(2).waitFor();
    assert.equal(await admin.page.getByTestId('rule-version-row').count(), 3);

    for (const p of [admin, anna, lead, phone]) assert.deepEqual(p.problems, []);
  } catch (err) {
    await failureArtifacts('rules', [admin, anna, lead, phone]);
    throw err;
  } finally {
    for (const p of [admin, anna, lead, phone]) await p?.context.close();
  }
});
