// Browser test of routing to agents (issue 15) against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/routing.test.mjs
//
// The platform admin makes a project of Acme's with the lead and a new
// agent. The lead sets round-robin for e-mail on Admin → Routing; the
// agent says "available" with the switch in the header; a new e-mail case
// created through the API lands assigned to the agent and shows in their
// "mine" list, and the lead's page shows the agent available and loaded.
// The header switch and the page also at 390×844.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn, DEMO_PASSWORD } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ADMIN = 'admin@zezaro.example';
const LEAD = 'lead@zezaro.example';

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

test('a lead sets round-robin, an agent says available, a new case lands with the agent', { timeout: 240_000 }, async () => {
  let admin;
  let lead;
  let agent;
  let narrow;
  const tag = Date.now().toString(36);
  const subject = `Zählerstand melden ${tag}`;
  try {
    admin = await login(ADMIN);
    // The fixtures: a project of Acme's, the lead, a new agent of Acme's team.
    const clients = await call(admin.context, 'GET', '/clients');
    const acme = clients.items.find((c) => c.name === 'Acme Energie GmbH');
    const teams = await call(admin.context, 'GET', '/teams');
    const team = teams.items.find((x) => x.client_id === acme.id);
    const project = await call(admin.context, 'POST', '/projects', { client_id: acme.id, name: `Routing ${tag}`, key: `RT${tag.slice(-4).toUpperCase()}` });
    const email = `routing-${tag}@acme-energie.example`;
    const user = await call(admin.context, 'POST', '/users', {
      email,
      name: `Lea Routing ${tag}`,
      role: 'agent',
      client_id: acme.id,
      team_id: team.id,
      password: DEMO_PASSWORD,
    });
    const users = await call(admin.context, 'GET', '/users');
    const leadUser = users.items.find((u) => u.email === LEAD);
    await call(admin.context, 'PUT', `/projects/${project.id}/members/${leadUser.id}`, { role: 'lead' });
    await call(admin.context, 'PUT', `/projects/${project.id}/members/${user.id}`, { role: 'agent' });

    // The lead: round-robin for e-mail.
    lead = await login(LEAD);
    await lead.page.getByTestId('nav-routing').click();
    await lead.page.getByTestId('routing-page').waitFor();
    await lead.page.getByTestId('routing-project').selectOption(String(project.id));
    await lead.page.getByTestId('routing-agent').filter({ hasText: user.name }).waitFor();
    await lead.page.getByTestId('routing-mode-email').selectOption('round-robin');
    await lead.page.waitForFunction(async (id) => {
      const r = await fetch(`/api/v1/projects/${id}/routing`);
      const body = await r.json();
      return body.modes.find((m) => m.channel === 'email').mode === 'round-robin';
    }, project.id);

    // The agent: available, by the switch in the header.
    agent = await login(email);
    const state = agent.page.getByTestId('availability');
    // The switch is disabled (and shows offline) until the agent's state
    // has loaded.
    await agent.page.locator('[data-testid="availability"]:enabled').waitFor();
    // Signed in: away (not ready) until the agent chooses (the client's sign-in state).
    assert.equal(await state.inputValue(), 'away');
    await state.selectOption('available');
    await agent.page.waitForFunction(async () => (await (await fetch('/api/v1/routing/me')).json()).state === 'available');

    // A new e-mail case through the API: assigned to the agent.
    const created = await call(admin.context, 'POST', '/cases', {
      project_id: project.id,
      subject,
      channel: 'email',
      message: { kind: 'inbound', body_text: 'Guten Tag, mein Zählerstand ist 12345.' },
    });
    assert.equal(created.assignee_id, user.id, 'routed to the agent');
    assert.equal(created.status, 'open');

    // It shows in the agent's own list.
    const switcher = agent.page.getByTestId('project-switch');
    await switcher.selectOption(String(project.id));
    await agent.page.getByTestId('nav-cases').click();
    await agent.page.getByTestId('cases-page').waitFor();
    await agent.page.getByTestId('view-mine').click();
    await agent.page.getByTestId('case-row').filter({ hasText: subject }).waitFor();

    // The lead's page shows the agent available with one open e-mail case.
    const row = lead.page.getByTestId('routing-agent').filter({ hasText: user.name });
    await row.getByTestId('routing-agent-state').filter({ hasText: 'Verfügbar' }).waitFor({ timeout: 40_000 });
    await row.filter({ hasText: '1 / 5' }).waitFor({ timeout: 40_000 });

    // Narrow screens: the switch in the header and the page fit.
    narrow = await login(email, { viewport: { width: 390, height: 844 } });
    // The switch is disabled until the agent's state has loaded.
    await narrow.page.locator('[data-testid="availability"]:enabled').waitFor();
    assert.equal(await narrow.page.getByTestId('availability').inputValue(), 'available');
    const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the header fits at 390 px (overflow ${overflow})`);
    const narrowLead = await login(LEAD, { viewport: { width: 390, height: 844 } });
    await narrowLead.page.goto(env.baseUrl + '/admin/routing');
    await narrowLead.page.getByTestId('routing-page').waitFor();
    await narrowLead.page.getByTestId('routing-project').selectOption(String(project.id));
    await narrowLead.page.getByTestId('routing-agent').filter({ hasText: user.name }).waitFor();
    const pageOverflow = await narrowLead.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(pageOverflow <= 1, `the routing page fits at 390 px (overflow ${pageOverflow})`);
    await narrowLead.context.close();

    for (const p of [admin, lead, agent, narrow]) assert.deepEqual(p.problems, []);
  } catch (e) {
    await failureArtifacts('routing', [admin, lead, agent, narrow]);
    throw e;
  } finally {
    for (const p of [admin, lead, agent, narrow]) await p?.context.close();
  }
});
