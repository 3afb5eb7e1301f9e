// Browser test of the webhooks screen (issue 15) against the real server.
//
//   ZEZARO_BIN=../target/debug/zezaro node --test e2e/webhooks.test.mjs
//
// Acme's client admin creates a webhook in the German UI to a receiver on
// 127.0.0.1 (the harness's allow list opens loopback), sees the generated
// secret once, sends a test event, sees it delivered (the receiver checks
// the signature with that secret) and sends it again; then the same screen
// on a phone-sized viewport.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realServer, signIn } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const ADMIN = 'kadmin@acme-energie.example';

const env = realServer();

const login = (email, options) => signIn(env, email, options);

/** A receiver that checks the signature with the secret it is given later. */
function receiver() {
  const got = [];
  const state = { secret: null };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers['x-zezaro-signature'] ?? '';
      const t = /t=(\d+)/.exec(header)?.[1];
      const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1];
      let valid = false;
      if (t && v1 && state.secret) {
        const mac = createHmac('sha256', state.secret).update(`${t}.`).update(body).digest();
        valid = timingSafeEqual(mac, Buffer.from(v1, 'hex'));
      }
      got.push({ body: JSON.parse(body.toString()), valid, event: req.headers['x-zezaro-event'] });
      res.writeHead(204);
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, got, state, port: server.address().port })));
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

test('a client admin creates a webhook, sends a test event and sends it again', { timeout: 180_000 }, async () => {
  const rx = await receiver();
  let admin;
  let phone;
  try {
    admin = await login(ADMIN);
    const page = admin.page;
    await page.getByTestId('nav-webhooks').click();
    await page.getByTestId('webhooks-page').waitFor();
    await page.getByText('Noch keine Webhooks.').waitFor();
    await page.getByTestId('webhook-new').click();
    await page.getByTestId('webhook-name').fill('Warenwirtschaft');
    await page.getByTestId('webhook-url').fill(`http://127.0.0.1:${rx.port}/eingang`);
    await page.getByTestId('webhook-save').click();
    const secret = (await page.getByTestId('webhook-secret').locator('code').textContent()).trim();
    assert.match(secret, /^[0-9a-f]{64}$/);
    rx.state.secret = secret;
    await page.getByTestId('webhook-row').filter({ hasText: 'Warenwirtschaft' }).waitFor();

    await page.getByTestId('webhook-test').click();
    await page.getByText('Testereignis eingereiht.').waitFor();
    // Delivered: refresh until the row says so.
    const delivered = page.locator('[data-testid="webhook-delivery-row"][data-state="delivered"]');
    for (let i = 0; i < 40 && (await delivered.count()) === 0; i++) {
      await page.waitForTimeout(500);
      await page.getByTestId('webhook-refresh').click();
    }
    await delivered.first().waitFor();
    assert.equal(rx.got.length, 1);
    assert.ok(rx.got[0].valid, 'the signature verifies with the secret shown once');
    assert.equal(rx.got[0].body.event, 'test');
    assert.match(await delivered.first().textContent(), /zugestellt/);

    await delivered.first().getByTestId('webhook-resend').click();
    await page.getByText('Erneut eingereiht.').waitFor();
    for (let i = 0; i < 40 && (await delivered.count()) < 2; i++) {
      await page.waitForTimeout(500);
      await page.getByTestId('webhook-refresh').click();
    }
    assert.equal(await delivered.count(), 2);
    assert.equal(rx.got.length, 2);
    assert.equal(rx.got[1].body.id, rx.got[0].body.id, 'a re-send posts the same event');
    assert.ok(rx.got[1].valid);
    assert.deepEqual(admin.problems, []);

    // The phone: the list and the deliveries fit the width.
    phone = await login(ADMIN, { viewport: { width: 390, height: 844 } });
    await phone.page.goto(env.baseUrl + '/admin/webhooks');
    await phone.page.getByTestId('webhook-row').first().getByTestId('webhook-deliveries').click();
    await phone.page.getByTestId('webhook-delivery-list').waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow} px`);
  } catch (err) {
    await failureArtifacts('webhooks', [admin, phone]);
    throw err;
  } finally {
    await admin?.context.close();
    await phone?.context.close();
    rx.server.close();
  }
});
