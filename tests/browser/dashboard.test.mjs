// tests/browser/dashboard.test.mjs -- the web console in headless Chromium.
//
// Started by tests/integration/test_browser.py, which runs callbridge and
// the simulated network.  Environment: CB_URL (http://127.0.0.1:PORT),
// CB_LOGIN, CB_PASSWORD, CB_SCREENSHOT (PNG path).  Protocol on stdio:
// this script prints READY once it is signed in and the dashboard is live
// over the WebSocket; the test then originates a call with its API key
// and writes the call id as one line on stdin; the script waits for the
// call and its legs to show as answered, saves the screenshot, hangs the
// call up with the page's button, waits for it to show as ended and
// exits 0.  Any failure exits 1 with the reason on stderr.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error('missing environment variable ' + k);
  return v;
};
const base = env('CB_URL');
const login = env('CB_LOGIN');
const password = env('CB_PASSWORD');
const shot = env('CB_SCREENSHOT');
const T = 20000;

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

let browser;
let code = 1;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
    // playwright starts Chromium with a new empty profile of its own
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    // refused requests (401 before sign-in, the wrong password) are
    // logged by Chromium as "Failed to load resource"; they are expected
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      problems.push('console: ' + m.text());
  });
  page.on('requestfailed', (r) => {
    // a request away from our origin would be a CDN or leak
    if (!r.url().startsWith(base)) problems.push('external: ' + r.url());
  });

  await page.goto(base + '/', { waitUntil: 'load' });
  await page.getByRole('heading', { name: 'Sign in to callbridge' })
    .waitFor({ timeout: T });

  // a wrong password is refused with a message, and nothing else happens
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('Password').fill(password + 'x');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: /wrong login or password/i })
    .waitFor({ timeout: T });

  // sign in with the keyboard: Enter submits the form
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { name: 'Live calls' }).waitFor({ timeout: T });
  await page.locator('#live', { hasText: 'Live' }).waitFor({ timeout: T });
  console.log('READY');

  const next = await Promise.race([
    lines.next(),
    new Promise((_, rej) => setTimeout(() => rej(new Error('no call id')), T)),
  ]);
  const callId = String(next.value || '').trim();
  check(/^[A-Za-z0-9_-]+$/.test(callId), 'call id from the test: ' + callId);

  const call = page.locator(`li.call[data-call-id="${callId}"]`);
  await call.waitFor({ timeout: T });
  await call.locator('.call-status', { hasText: 'Connected' })
    .waitFor({ timeout: T });
  // both legs of the bridged call reach answered (updates pushed live)
  await page.waitForFunction((id) => {
    const li = document.querySelector(`li.call[data-call-id="${id}"]`);
    if (!li) return false;
    const st = [...li.querySelectorAll('tbody td.state')]
      .map((td) => td.textContent.trim());
    return st.length === 2 && st.every((s) => s === 'answered');
  }, callId, { timeout: T });
  check(await call.getByText('+15550100').count() > 0, 'peer shown');
  console.log('ANSWERED');
  await page.screenshot({ path: shot, fullPage: true });

  await call.getByRole('button', { name: /Hang up/ }).click();
  await call.locator('.call-status', { hasText: 'Ended' })
    .or(page.locator('#empty:visible'))
    .first().waitFor({ timeout: T });
  console.log('ENDED');

  // log out: back to the sign-in form, the session no longer works
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Sign in to callbridge' })
    .waitFor({ timeout: T });
  const me = await page.evaluate(async () =>
    (await fetch('/v1/me', { credentials: 'same-origin' })).status);
  check(me === 401, 'session ended after logout: /v1/me ' + me);

  check(problems.length === 0, problems.join('; '));
  code = 0;
} catch (e) {
  console.error(e && e.stack ? e.stack : String(e));
} finally {
  if (browser) await browser.close();
  process.exit(code);
}
