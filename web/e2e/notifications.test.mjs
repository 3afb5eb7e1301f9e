// Browser test of rule notifications (issue 15) against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/notifications.test.mjs
//
// Acme's client admin activates a rule that notifies the project leads of
// every new ACME case. The lead has the app open (German, and a phone-sized
// window for the second check); Anna creates a case; the bell's count goes
// up live, the dropdown lists the notification and links to the case, and
// opening it marks it read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ADMIN = 'kadmin@acme-energie.example';
const LEAD = 'lead@zezaro.example';
const ANNA = 'anna.schmidt@acme-energie.example';

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

test('a rule notifies the lead live: the bell counts, lists and links to the case', async () => {
  let admin;
  let lead;
  let anna;
  const subject = `Stromausfall Musterstraße ${Date.now().toString(36)}`;
  try {
    admin = await login(ADMIN);
    const projects = await call(admin.context, 'GET', '/projects');
    const acme = projects.items.find((p) => p.key === 'ACME');
    const rule = await call(admin.context, 'POST', '/rules', {
      name: 'Leitung informieren',
      event: 'case-created',
      project_ids: [acme.id],
      conditions: { field: 'subject', op: 'contains', value: 'Stromausfall' },
      actions: [{ type: 'notify-team', team: 'leads', text: 'Neuer Stromausfall gemeldet' }],
    });
    await call(admin.context, 'POST', `/rules/${rule.id}/activate`);

    lead = await login(LEAD);
    const bell = lead.page.getByTestId('notification-bell');
    await bell.waitFor();
    const before = Number((await lead.page.getByTestId('notification-count').textContent({ timeout: 1000 }).catch(() => '0')) || 0);

    anna = await login(ANNA);
    const created = await call(anna.context, 'POST', '/cases', {
      project_id: acme.id,
      subject,
      channel: 'email',
      message: { kind: 'inbound', body_text: 'Seit heute früh kein Strom.' },
    });

    // Live: the count goes up without a reload.
    await lead.page.getByTestId('notification-count').filter({ hasText: String(before + 1) }).waitFor();
    await bell.click();
    const list = lead.page.getByTestId('notification-list');
    await list.waitFor();
    assert.match(await list.textContent(), /Neuer Stromausfall gemeldet/);
    assert.match(await list.textContent(), /Regel „Leitung informieren“/, 'German on a German screen');
    await list.getByText(subject).click();
    await lead.page.waitForURL(`**/cases/${created.id}`);
    let read = null;
    for (let i = 0; i < 50 && !read; i++) {
      const page = await call(lead.context, 'GET', '/notifications');
      read = page.items.find((n) => n.case_id === created.id)?.read_at;
      if (!read) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(read, 'opened means read');

    // A phone-sized window: the dropdown fits the screen.
    await lead.page.setViewportSize({ width: 390, height: 844 });
    await bell.click();
    const box = await lead.page.getByTestId('notification-list').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `dropdown inside the screen: ${JSON.stringify(box)}`);
    for (const p of [admin, lead, anna]) assert.deepEqual(p.problems, []);
  } catch (err) {
    await failureArtifacts('notifications', [admin, lead, anna]);
    throw err;
  } finally {
    for (const p of [admin, lead, anna]) await p?.context.close();
  }
});
