// The browser tests' harness: the real server (`$ZEZARO_BIN serve --demo`
// on a fresh data directory and a free port) and Debian's Chromium, started
// once per test file and stopped after it.

import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts Debian's Chromium. A start can fail without any error of ours: on a
 * loaded two-core CI machine the browser process has exited during
 * start-up ("Target page, context or browser has been closed" from
 * `launch`, before any page existed). Such a failure is reported on stderr
 * and the start tried again, at most three times; a test's own steps are
 * never repeated.
 */
async function launchChromium() {
  const attempts = 3;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
    } catch (e) {
      if (attempt >= attempts) throw e;
      console.error(`Chromium did not start (attempt ${attempt} of ${attempts}): ${String(e.message).split('\n')[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
}

/**
 * Registers the file's before/after hooks; the returned object carries
 * `baseUrl`, `browser` and the server's `log` once `before` has run.
 * `serverEnv`: environment variables for the server.
 */
export function realServer({ serverEnv = {} } = {}) {
  const env = { baseUrl: '', browser: null, log: '' };
  let server;
  let dataDir;

  const start = () => {
    const bin = process.env.ZEZARO_BIN;
    if (!bin) throw new Error('set ZEZARO_BIN to the zezaro binary');
    dataDir = mkdtempSync(join(tmpdir(), 'zezaro-e2e-'));
    // Mailboxes on this machine (plain text to 127.0.0.1) need the platform's allow list.
    server = spawn(bin, ['serve', '--demo', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--mail-allowed-hosts', '127.0.0.0/8,localhost'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Settings of the file's own (e.g. ZEZARO_PUBLIC_URL for mailed links).
      env: { ...process.env, ...serverEnv },
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${env.log}`)), 60_000);
      server.stdout.on('data', (chunk) => {
        env.log += chunk.toString();
        const m = env.log.match(/Listening on (http:\/\/[^\s]+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      });
      server.stderr.on('data', (c) => {
        env.log += c.toString();
      });
      server.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited early with ${code}:\n${env.log}`));
      });
      server.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  };

  before(async () => {
    env.baseUrl = await start();
    env.browser = await launchChromium();
  });

  after(async () => {
    await env.browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => {
        const t = setTimeout(() => {
          server.kill('SIGKILL');
          resolve();
        }, 5000);
        server.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  return env;
}

/** The demo users' password (src/demo.rs). */
export const DEMO_PASSWORD = 'Hafenkran-Sonnenblume-7';

/**
 * Signs `email` in with the demo password in a new browser context and
 * waits for the start page; `problems` collects console errors (except the
 * 401 of the signed-out `/me`) and page errors.
 */
export async function signIn(env, email, { locale = 'de-DE', viewport = { width: 1366, height: 768 } } = {}) {
  const context = await env.browser.newContext({ locale, viewport });
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
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('home').waitFor();
  return { context, page, problems };
}

/**
 * A direct API call with the context's session cookie and CSRF token, as
 * the UI makes it (for what the UI no longer offers); the raw response.
 */
export async function apiCall(env, context, method, path, body) {
  const me = await (await context.request.get(`${env.baseUrl}/api/v1/me`)).json();
  return context.request.fetch(`${env.baseUrl}/api/v1${path}`, { method, data: body, headers: { 'X-CSRF-Token': me.csrf_token ?? '' } });
}

/** After a failure: a full-page screenshot in `e2e/out/NAME.png` and the browser's problems on stderr. */
export async function failureArtifacts(name, p) {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), 'out');
  mkdirSync(outDir, { recursive: true });
  if (!p) return;
  await p.page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true }).catch(() => {});
  if (p.problems.length) console.error('browser problems:\n' + p.problems.join('\n'));
}
