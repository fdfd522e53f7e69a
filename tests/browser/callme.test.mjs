// tests/browser/callme.test.mjs -- the "Call me" page (web/callme.html,
// seed 000) in headless Chromium, as a business's customer uses it: picks
// what to hear, says who they are, presses the button and watches the
// callback live until it is done.
//
// Started by tests/integration/test_callme_browser.py, which runs
// callbridge and the simulated network and makes the customer user.
// Environment: CB_URL, TENANT, ITEM (the content's title, e.g.
// "welcome"), NUMBER (typed by the customer), CUSTOMER_LOGIN,
// CUSTOMER_PASSWORD (a customer with a number on record), CB_ARTIFACTS.
// Protocol on stdout (no input):
//   -> CALLED <id>            by number: the page posted the request and
//                             shows the callback (201)
//   -> COMPLETED <id> <s,..>  the page showed it live up to "completed";
//                             the statuses it showed, in order
//                             (callme.png)
//   -> CALLED <id>            by login and password, after "Ask for
//   -> COMPLETED <id> <s,..>  another call"
//   -> REFUSED <text>         a wrong password: the error shown in words,
//                             the form still there
// then it exits 0.  Any failure exits 1, reason on stderr.
import { join } from 'node:path';
import { check, env, pageProblems, run } from './lib.mjs';

const base = env('CB_URL');
const tenant = env('TENANT');
const item = env('ITEM');
const number = env('NUMBER');
const login = env('CUSTOMER_LOGIN');
const password = env('CUSTOMER_PASSWORD');
const shots = env('CB_ARTIFACTS');
const T = 30000;

// every status the page shows, in order, kept in the page
async function watchStatus(page) {
  await page.evaluate(() => {
    window.seenStatus = [];
    const s = document.getElementById('status');
    new MutationObserver(() => {
      const v = s.dataset.status;
      const seen = window.seenStatus;
      if (v && seen[seen.length - 1] !== v) seen.push(v);
    }).observe(s, { attributes: true, attributeFilter: ['data-status'] });
  });
}

// press the button; the id of the callback the page was given
async function callMe(page) {
  const posted = page.waitForResponse((r) =>
    r.url().endsWith('/v1/callme') && r.request().method() === 'POST',
  { timeout: T });
  await page.getByRole('button', { name: 'Call me' }).click();
  const r = await posted;
  check(r.status() === 201, 'POST /v1/callme answered ' + r.status());
  const id = (await r.json()).callback.id;
  console.log('CALLED ' + id);
  return id;
}

async function untilCompleted(page, id, shot) {
  const progress = page.locator('#progress');
  await progress.waitFor({ state: 'visible', timeout: T });
  check(await page.locator('#callme').isHidden(), 'the form hidden');
  await page.waitForFunction(() => {
    const s = document.getElementById('status');
    return ['completed', 'busy', 'no-answer', 'invalid-number', 'failed',
            'canceled'].includes(s.dataset.status);
  }, null, { timeout: T, polling: 100 });
  const status = await page.locator('#status').getAttribute('data-status');
  const text = await page.locator('#status').textContent();
  check(status === 'completed', 'completed, not ' + status + ': ' + text);
  check(text.startsWith('Done: the call is over'),
        'the status in words: ' + text);
  await page.getByRole('button', { name: 'Ask for another call' })
    .waitFor({ state: 'visible', timeout: T });
  if (shot) await page.screenshot({ path: join(shots, shot) });
  const seen = await page.evaluate(() => window.seenStatus);
  console.log('COMPLETED ' + id + ' ' + seen.join(','));
}

await run(async (browser) => {
  const ctx = await browser.newContext({
    viewport: { width: 800, height: 900 } });
  const page = await ctx.newPage();
  const problems = pageProblems(page);
  await page.goto(base + '/web/callme.html?tenant=' +
                  encodeURIComponent(tenant));
  await watchStatus(page);

  // the customer picks the content offered by its title
  const content = page.getByLabel('Content');
  await page.waitForFunction((t) => [...document.querySelectorAll(
    '#item option')].some((o) => o.textContent === t), item,
  { timeout: T });
  await content.selectOption({ label: item });
  check(await content.inputValue() === item + '.wav',
        'the item chosen is ' + (await content.inputValue()));

  // 1. by phone number, now
  await page.getByLabel('My phone number').check();
  await page.getByLabel('Phone number', { exact: true }).fill(number);
  let id = await callMe(page);
  await untilCompleted(page, id, 'callme.png');

  // 2. another call, by login and password: the number on record
  await page.getByRole('button', { name: 'Ask for another call' }).click();
  await page.locator('#callme').waitFor({ state: 'visible', timeout: T });
  check(await page.locator('#progress').isHidden(), 'the status hidden');
  await page.getByLabel('My customer login').check();
  await page.getByLabel('Login', { exact: true }).fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  check(await page.getByLabel('Phone number', { exact: true }).isHidden(),
        'no number field when signing in');
  await content.selectOption({ label: item });
  id = await callMe(page);
  await untilCompleted(page, id, null);

  // 3. a wrong password: said in words, nothing posted that dials
  await page.getByRole('button', { name: 'Ask for another call' }).click();
  await page.locator('#callme').waitFor({ state: 'visible', timeout: T });
  check(await page.getByLabel('Login', { exact: true }).inputValue() ===
        login, 'the login kept');
  await page.getByLabel('Password', { exact: true }).fill(password + 'x');
  const posted = page.waitForResponse((r) =>
    r.url().endsWith('/v1/callme') && r.request().method() === 'POST',
  { timeout: T });
  await page.getByRole('button', { name: 'Call me' }).click();
  const r = await posted;
  check(r.status() === 401, 'wrong password answered ' + r.status());
  const err = page.getByRole('alert');
  await err.waitFor({ state: 'visible', timeout: T });
  const said = (await err.textContent()).trim();
  check(said === 'Wrong login or password.', 'the error in words: ' + said);
  check(await page.locator('#progress').isHidden(), 'no callback shown');
  check(await page.locator('#callme').isVisible(), 'the form still there');
  check(await page.getByRole('button', { name: 'Call me' }).isEnabled(),
        'the button usable again');
  check(await page.getByLabel('Password', { exact: true })
    .inputValue() === '', 'the password cleared');
  console.log('REFUSED ' + said);
  check(problems.length === 0, 'no errors in the page: ' +
        problems.join('; '));
});
