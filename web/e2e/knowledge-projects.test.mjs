// Browser tests of the knowledge settings per project and the live article
// page, against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/knowledge-projects.test.mjs
//
// (1) Acme's client admin (German UI, 1366×768) grants Anna editing in the
// project ACME on the knowledge area's "Projekte" tab; Anna (English,
// 390×844, another browser context) then writes and publishes an article
// limited to ACME; after the admin revokes it, her editor offers only a
// suggestion and the API refuses to publish. The help center is switched
// off and on there too.
// Anna's profile language decides her UI's language (German in the demo).
// (2) Anna reads an article; the admin publishes a new version: her open
// page shows the new text without a reload (the time is printed), with
// "Updated just now"; deleted, the page says so. Her knowledge list picks
// up a newly published article the same way.

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
const ANNA = 'anna.schmidt@acme-energie.example';

const env = realServer();

async function login(email, { locale, viewport }) {
  const context = await env.browser.newContext({ locale, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of 401/.test(msg.text()) && msg.location().url.endsWith('/api/v1/me')) return;
    // The refused publish below is expected to answer 403.
    if (/status of 403/.test(msg.text())) return;
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

/** An API call in the browser context's session (with its CSRF token). */
async function call(who, method, path, body) {
  const me = await (await who.context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  const res = await who.context.request.fetch(`${env.baseUrl}/api/v1${path}`, {
    method,
    headers: { 'X-CSRF-Token': me.csrf_token ?? '', 'Content-Type': 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status(), body: text ? JSON.parse(text) : null };
}

/** The page's text in its UI language (her profile decides, not the browser). */
async function inUiLanguage(page, de, en) {
  const lang = await page.evaluate(() => document.documentElement.lang);
  return lang.startsWith('de') ? de : en;
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

test('the client admin grants Anna editing in a project; she publishes there until it is revoked', async () => {
  let admin;
  let anna;
  const marker = `netzumzug${Date.now().toString(36)}`;
  try {
    admin = await login(CLIENT_ADMIN, { locale: 'de-DE', viewport: { width: 1366, height: 768 } });
    const a = admin.page;
    await a.getByTestId('nav-knowledge').click();
    await a.getByTestId('kb-home').waitFor();
    await a.getByTestId('kb-tab-projects').click();
    await a.getByTestId('kb-projects').waitFor();
    assert.equal(await a.getByTestId('kb-tab-projects').textContent(), 'Projekte');
    await a.getByTestId('kb-project-open-ACME').click();
    await a.getByTestId('kb-project').waitFor();
    // Anna by name, not granted yet.
    const annaBox = a.getByTestId(`kb-agent-edits-${ANNA}`);
    const annaRow = a.getByTestId('kb-agent').filter({ has: annaBox });
    assert.match(await annaRow.textContent(), /Anna Schmidt/);
    assert.equal(await annaBox.isChecked(), false);
    // The box follows the server's answer (a controlled checkbox): click, then wait.
    await annaBox.click();
    await a.getByTestId('kb-agents-done').waitFor();
    assert.match(await a.getByTestId('kb-agents-done').textContent(), /Anna Schmidt darf jetzt bearbeiten/);
    assert.match(await annaRow.textContent(), /vergeben von/);
    // Audited.
    const projectId = Number(new URL(a.url()).pathname.split('/').pop());
    const audit = await call(admin, 'GET', `/audit?object_type=project&object_id=${projectId}`);
    assert.ok(
      audit.body.items.some((e) => e.action === 'knowledge.editor.grant'),
      JSON.stringify(audit.body),
    );

    // Anna, phone-sized, English: a real editor now, limited to ACME.
    anna = await login(ANNA, { locale: 'en-GB', viewport: { width: 390, height: 844 } });
    const b = anna.page;
    await b.goto(env.baseUrl + '/knowledge/new');
    await b.getByTestId('kb-editor').waitFor();
    await b.getByTestId('kb-granted-note').waitFor();
    assert.match(await b.getByTestId('kb-granted-note').textContent(), /ACME/);
    assert.equal(await b.getByTestId('kb-project-ACME').isChecked(), true);
    await b.getByTestId('kb-title').fill(`Umzug im Netzgebiet (${marker})`);
    await b.getByTestId('kb-body').fill(`Beim Umzug im Netzgebiet den **Zählerstand** notieren. ${marker}`);
    await b.getByTestId('kb-save-publish').click();
    await b.getByTestId('kb-article').waitFor();
    await b.getByTestId('kb-body-de').filter({ hasText: marker }).waitFor();
    await b.getByTestId('kb-col-de').getByTestId('kb-state-published').waitFor();
    const articleId = Number(new URL(b.url()).pathname.split('/').pop());
    assert.ok(articleId > 0, b.url());
    assert.equal(await b.getByTestId('kb-unpublish-de').count(), 1, 'she may withdraw her article');
    const width = await b.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling at 390 px (${width})`);

    // Revoked: at once her open article page (no reload: the live event
    // `editor`) stops offering to withdraw it; her editor offers a
    // suggestion only; the API refuses.
    await a.reload();
    await a.getByTestId('kb-project').waitFor();
    await annaBox.click();
    await a.getByTestId('kb-agents-done').filter({ hasText: 'darf nicht mehr bearbeiten' }).waitFor();
    await b.getByTestId('kb-unpublish-de').waitFor({ state: 'detached', timeout: 5000 });
    await b.getByTestId('kb-body-de').filter({ hasText: marker }).waitFor();
    assert.equal(await b.getByTestId('kb-edit-de').textContent(), await inUiLanguage(b, 'Änderung vorschlagen', 'Suggest a change'));
    await b.goto(env.baseUrl + '/knowledge/new');
    await b.getByTestId('kb-editor').waitFor();
    assert.equal(await b.getByTestId('kb-granted-note').count(), 0);
    assert.equal(await b.getByTestId('kb-save-publish').count(), 0, 'no publishing offered');
    const saved = await call(anna, 'POST', `/knowledge/articles/${articleId}/versions`, { language: 'de', title: 'Umzug', body: 'Anders' });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    assert.equal(saved.body.version.state, 'review');
    const refused = await call(anna, 'POST', `/knowledge/articles/${articleId}/versions/${saved.body.version.id}/publish`, {});
    assert.equal(refused.status, 403, JSON.stringify(refused.body));

    // The help center's switch, on the same page: off, the public page is gone; on again.
    await a.getByTestId('kb-hc').waitFor();
    assert.equal(await a.getByTestId('kb-hc-switch').isChecked(), true);
    await a.getByTestId('kb-hc-switch').click();
    await a.locator('[data-testid="kb-hc-state"][data-reachable="no"]').waitFor();
    const off = await admin.context.request.get(`${env.baseUrl}/help/ACME`);
    assert.equal(off.status(), 404);
    await a.getByTestId('kb-hc-switch').click();
    await a.locator('[data-testid="kb-hc-state"][data-reachable="yes"]').waitFor();
    const on = await admin.context.request.get(`${env.baseUrl}/help/ACME`);
    assert.equal(on.status(), 200);
    await a.setViewportSize({ width: 390, height: 844 });
    const aWidth = await a.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(aWidth <= 390, `the project page fits 390 px (${aWidth})`);

    assert.deepEqual(admin.problems, []);
    assert.deepEqual(anna.problems, []);
  } catch (e) {
    await failureArtifacts('kb-projects', [admin, anna]);
    throw e;
  } finally {
    await admin?.context.close();
    await anna?.context.close();
  }
});

test('an open article page shows a newly published version at once and says when it is gone', async () => {
  let admin;
  let anna;
  const marker = `abschlag${Date.now().toString(36)}`;
  try {
    admin = await login(CLIENT_ADMIN, { locale: 'de-DE', viewport: { width: 1366, height: 768 } });
    const me = await (await admin.context.request.get(`${env.baseUrl}/api/v1/me`)).json();
    const clientId = me.client.id;
    const created = await call(admin, 'POST', '/knowledge/articles', {
      client_id: clientId,
      language: 'de',
      title: `Abschlag ändern (${marker})`,
      body: `Erste Fassung ${marker}.`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.article_id;
    assert.equal((await call(admin, 'POST', `/knowledge/articles/${id}/versions/${created.body.version.id}/publish`, {})).status, 200);

    anna = await login(ANNA, { locale: 'en-GB', viewport: { width: 390, height: 844 } });
    const b = anna.page;
    await b.goto(env.baseUrl + `/knowledge/articles/${id}`);
    await b.getByTestId('kb-body-de').filter({ hasText: 'Erste Fassung' }).waitFor();
    // A second page of hers: the knowledge list, all articles.
    const list = await anna.context.newPage();
    await list.goto(env.baseUrl + '/knowledge');
    await list.getByTestId('kb-home').waitFor();
    await list.getByTestId('kb-cat-all').click();
    await list.getByText(`Abschlag ändern (${marker})`).waitFor();
    // Let the live streams settle.
    await b.waitForTimeout(500);

    const second = await call(admin, 'POST', `/knowledge/articles/${id}/versions`, {
      language: 'de',
      title: `Abschlag ändern (${marker})`,
      body: `Zweite Fassung ${marker}.`,
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const started = Date.now();
    const published = await call(admin, 'POST', `/knowledge/articles/${id}/versions/${second.body.version.id}/publish`, {});
    assert.equal(published.status, 200);
    await b.getByTestId('kb-body-de').filter({ hasText: 'Zweite Fassung' }).waitFor({ timeout: 5000 });
    const ms = Date.now() - started;
    console.log(`live article refresh: the new version shown ${ms} ms after the publish request`);
    assert.ok(ms < 1000, `shown after ${ms} ms`);
    assert.equal(await b.getByTestId('kb-live-updated').textContent(), await inUiLanguage(b, 'Soeben aktualisiert.', 'Updated just now.'));

    // A new article appears in her open list without a reload.
    const other = await call(admin, 'POST', '/knowledge/articles', {
      client_id: clientId,
      language: 'de',
      title: `Neu im Wissen (${marker})`,
      body: 'Neu.',
    });
    await call(admin, 'POST', `/knowledge/articles/${other.body.article_id}/versions/${other.body.version.id}/publish`, {});
    await list.getByText(`Neu im Wissen (${marker})`).waitFor({ timeout: 5000 });

    // Deleted: her open page says so.
    assert.equal((await call(admin, 'DELETE', `/knowledge/articles/${id}`)).status, 204);
    await b.getByTestId('kb-live-gone').waitFor({ timeout: 5000 });
    assert.match(await b.getByTestId('kb-live-gone').textContent(), await inUiLanguage(b, /nicht mehr verfügbar/, /no longer available/));
    assert.equal(await b.getByTestId('kb-body-de').count(), 0);

    assert.deepEqual(anna.problems.filter((p) => !/status of 404/.test(p)), []);
  } catch (e) {
    await failureArtifacts('kb-live', [admin, anna]);
    throw e;
  } finally {
    await admin?.context.close();
    await anna?.context.close();
  }
});
