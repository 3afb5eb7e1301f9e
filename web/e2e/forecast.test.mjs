// Browser test of forecast and staffing (issue 18) against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/forecast.test.mjs
//
// Acme's client admin opens Administration → Forecast, enters the calls
// of the first open month in the planning grid (the number typed the UI
// language's way), saves a new version, and reads the staffing of that
// month: the days with required FTE and seats against the planned seats,
// then the intervals of a Monday (calls by Erlang A, as the demo's power
// project has a patience). In German and English, at 1366×768 and 390×844:
// on the phone each month of the planning grid is a card whose inputs are
// wide enough to read a number like 12.347, and the page never scrolls
// sideways. Days that are public holidays of the client's calendar (NW)
// say so in the staffing table.

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

const env = realServer();

async function login(email, language, viewport) {
  const context = await env.browser.newContext({ locale: language === 'de' ? 'de-DE' : 'en-US', viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
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

/** The first Monday of a month `YYYY-MM`, as `YYYY-MM-DD`. */
function firstMonday(month) {
  const d = new Date(`${month}-01T00:00:00Z`);
  while (d.getUTCDay() !== 1) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const RUNS = [
  { language: 'de', viewport: { width: 1366, height: 768 }, typed: '12.345', volume: 12345, texts: { holiday: 'Feiertag', saved: /Als Version \d+ gespeichert/, fte: /VZÄ-Tage benötigt/, sl: 'Servicelevel', model: 'Erlang A', planned: 'Plätze geplant' } },
  { language: 'en', viewport: { width: 1366, height: 768 }, typed: '12,346', volume: 12346, texts: { holiday: 'Public holiday', saved: /Saved as version \d+/, fte: /FTE days required/, sl: 'Service level', model: 'Erlang A', planned: 'Seats planned' } },
  { language: 'de', viewport: { width: 390, height: 844 }, typed: '12.347', volume: 12347, texts: { holiday: 'Feiertag', saved: /Als Version \d+ gespeichert/, fte: /VZÄ-Tage benötigt/, sl: 'Servicelevel', model: 'Erlang A', planned: 'Plätze geplant' } },
  { language: 'en', viewport: { width: 390, height: 844 }, typed: '12,348', volume: 12348, texts: { holiday: 'Public holiday', saved: /Saved as version \d+/, fte: /FTE days required/, sl: 'Service level', model: 'Erlang A', planned: 'Seats planned' } },
];

for (const run of RUNS) {
  const name = `${run.language}-${run.viewport.width}`;
  test(`the client admin enters a forecast and sees the staffing (${name})`, { timeout: 180_000 }, async () => {
    let who;
    try {
      who = await login(CLIENT_ADMIN, run.language, run.viewport);
      const { page } = who;
      if (run.viewport.width < 600) {
        // The phone layout keeps the navigation behind its menu button.
        const menu = page.getByTestId('nav-toggle');
        if (await menu.count()) await menu.click();
      }
      await page.getByTestId('nav-forecast').click();
      await page.getByTestId('forecast-page').waitFor();
      const select = page.getByTestId('fc-project');
      const strom = await select.locator('option', { hasText: 'Kundenservice Strom' }).getAttribute('value');
      await select.selectOption(strom);
      await page.getByTestId('fc-grid').waitFor();

      // The first open month; its call cell, typed the language's way.
      const row = page.locator('tr.fc-open').first();
      const month = (await row.getAttribute('data-testid')).replace('fc-row-', '');
      const cell = page.getByTestId(`fc-cell-${month}-call`);
      await cell.fill(run.typed);
      await cell.press('Tab');
      // What a person sees: the input wide enough for the number it holds,
      // every channel's input inside the window, the page not wider than it.
      const seen = await page.evaluate((m) => {
        const inputs = [...document.querySelectorAll(`[data-testid^="fc-cell-${m}-"]`)];
        return {
          boxes: inputs.map((i) => {
            const r = i.getBoundingClientRect();
            return { id: i.dataset.testid, width: r.width, left: r.left, right: r.right, clipped: i.scrollWidth > i.clientWidth };
          }),
          scrollWidth: document.documentElement.scrollWidth,
          label: getComputedStyle(document.querySelector(`[data-testid="fc-cell-${m}-call"]`).closest('td'), '::before').content,
        };
      }, month);
      assert.equal(seen.boxes.length, 5, JSON.stringify(seen));
      for (const b of seen.boxes) {
        assert.ok(b.width >= 64, `${b.id} is ${b.width}px wide`);
        assert.ok(b.left >= 0 && b.right <= run.viewport.width, `${b.id} lies at ${b.left}–${b.right}px`);
        assert.ok(!b.clipped, `${b.id} cuts its number off`);
      }
      assert.ok(seen.scrollWidth <= run.viewport.width, `the page is ${seen.scrollWidth}px wide`);
      if (run.viewport.width < 600) {
        // A card per month: the channel named beside its input.
        assert.match(seen.label, run.language === 'de' ? /Anruf/ : /Call/);
      }
      await page.getByTestId('fc-note').fill(`Browser ${name}`);
      await page.getByTestId('fc-save').click();
      assert.match(await page.getByTestId('fc-saved').innerText(), run.texts.saved);
      // The grid shows the saved value again, formatted for the language.
      await page.waitForFunction(
        ([id, text]) => document.querySelector(`[data-testid="${id}"]`)?.value === text,
        [`fc-cell-${month}-call`, run.typed],
      );
      // The versions list reloads after the save: the new one on top.
      await page.getByTestId('fc-versions').getByText(`Browser ${name}`).waitFor();
      assert.doesNotMatch(await page.getByTestId('fc-versions').innerText(), /Command line/);
      // Past months are read-only values.
      assert.equal(await page.locator('tr.fc-locked').first().locator('input').count(), 0);

      // Staffing of that month.
      await page.getByTestId('fc-tab-staffing').click();
      await page.getByTestId('fc-month').selectOption(month);
      await page.getByTestId('fc-staffing').waitFor();
      assert.match(await page.getByTestId('fc-month-fte').innerText(), run.texts.fte);
      assert.match(await page.getByTestId('fc-staffing').innerText(), new RegExp(run.texts.planned, 'i'));
      const monday = firstMonday(month);
      const seats = Number((await page.getByTestId(`fc-seats-${monday}`).innerText()).replace(/[.,\s]/g, ''));
      assert.ok(seats > 0, `seats required on ${monday}: ${seats}`);
      // No seats are planned in the demo: the shortfall is shown.
      assert.match(await page.getByTestId(`fc-gap-${monday}`).getAttribute('class'), /fc-short/);
      // Public holidays of the month (the calendar's, as the API gives
      // them) are named under their date and need no seats.
      const holidays = await page.evaluate(async ([id, m]) => {
        const r = await fetch(`/api/v1/projects/${id}/forecast/staffing?month=${m}`, { credentials: 'same-origin' });
        return (await r.json()).days.filter((d) => d.holiday).map((d) => [d.date, d.holiday]);
      }, [strom, month]);
      for (const [date, name] of holidays) {
        assert.equal(await page.getByTestId(`fc-note-${date}`).innerText(), `${run.texts.holiday}: ${name}`);
        assert.equal(await page.getByTestId(`fc-seats-${date}`).innerText(), '0');
      }
      await page.getByTestId(`fc-day-${monday}`).click();
      const calls = page.getByTestId('fc-intervals-call');
      await calls.waitFor();
      const table = await calls.innerText();
      // Table headers are upper case by CSS: compare case-insensitively.
      assert.ok(table.toLowerCase().includes(run.texts.sl.toLowerCase()), table.slice(0, 300));
      const section = await page.getByTestId('fc-intervals').innerText();
      assert.ok(section.toLowerCase().includes(run.texts.model.toLowerCase()), section.slice(0, 300));
      // 12:00: inside the default profile's 08:00–18:00.
      await page.getByTestId('fc-interval-call-12:00').waitFor();
      mkdirSync(outDir, { recursive: true });
      await page.screenshot({ path: join(outDir, `forecast-${name}.png`), fullPage: false });

      // Actual against forecast: the legend in the language.
      await page.getByTestId('fc-tab-actuals').click();
      await page.getByTestId('fc-month').waitFor();
      await page.locator('.fc-actuals p.muted').first().waitFor();

      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than the window`);
      assert.deepEqual(who.problems, []);
    } catch (err) {
      mkdirSync(outDir, { recursive: true });
      if (who) {
        await who.page.screenshot({ path: join(outDir, `forecast-fail-${name}.png`), fullPage: true }).catch(() => {});
        if (who.problems.length) console.error(who.problems.join('\n'));
      }
      console.error('server log:\n' + env.log.slice(-3000));
      throw err;
    } finally {
      await who?.context.close();
    }
  });
}

// Who may enter the forecast comes from the project's `can` in /me: the
// project lead reads the forecast (no input, no save, the read-only note in
// the UI language); an agent is not offered the page at all.
for (const language of ['de', 'en']) {
  test(`the project lead reads the forecast without entering it, an agent is not offered it (${language})`, { timeout: 90_000 }, async () => {
    let lead;
    let agent;
    try {
      lead = await login('lead@zezaro.example', language, { width: 1366, height: 768 });
      await lead.page.getByTestId('nav-forecast').click();
      await lead.page.getByTestId('forecast-page').waitFor();
      await lead.page.getByTestId('fc-grid').waitFor();
      const note = language === 'de' ? 'eingetragen wird er vom Kunden-Administrator' : "the client's administrator enters it";
      await lead.page.getByText(note).waitFor();
      assert.equal(await lead.page.getByTestId('fc-save').count(), 0, 'no save button for the lead');
      assert.equal(await lead.page.locator('[data-testid="fc-grid"] input').count(), 0, 'no inputs in the grid for the lead');
      assert.deepEqual(lead.problems, []);

      agent = await login('anna.schmidt@acme-energie.example', language, { width: 1366, height: 768 });
      await agent.page.getByTestId('nav-cases').waitFor();
      assert.equal(await agent.page.getByTestId('nav-forecast').count(), 0, 'no forecast in the agent menu');
      await agent.page.goto(env.baseUrl + '/admin/forecast');
      await agent.page.getByRole('heading', { name: /Kein Zugriff|No access/ }).waitFor();
      assert.equal(await agent.page.getByTestId('forecast-page').count(), 0, 'the agent does not get the page');
    } catch (err) {
      console.error('server log:\n' + env.log.slice(-3000));
      throw err;
    } finally {
      await lead?.context.close();
      await agent?.context.close();
    }
  });
}
