// tests/browser/dashboard.test.mjs -- the web console in headless Chromium:
// the README's walkthrough, as a newcomer clicks it.
//
// Started by tests/integration/test_browser.py, which runs callbridge and
// the simulated network.  Environment: CB_URL (http://127.0.0.1:PORT),
// CB_LOGIN, CB_PASSWORD (the first start's admin), CB_ARTIFACTS (a
// directory for the PNG screenshots).  Protocol on stdio:
//   -> KEY cbk_...   signed in, an API key created on the "API keys" page
//                    and read from it (the test then starts its listeners)
//   -> READY         back on the dashboard, live over the WebSocket
//   <- CALL_ID       the test placed a call with `curl` and that key
//   -> ANSWERED      the call shows live, connected (dashboard.png)
//   -> ENDED         hung up with the page's button, shown as ended
//   -> REVOKED       a tenant made and given a webhook URL, a user added
//                    and deleted, the key revoked -- each through the page
// then it logs out and exits 0.  Any failure exits 1, reason on stderr.
import { join } from 'node:path';
import { check, env, lineReader, pageProblems, run } from './lib.mjs';

const base = env('CB_URL');
const login = env('CB_LOGIN');
const password = env('CB_PASSWORD');
const shots = env('CB_ARTIFACTS');
const T = 20000;

const nextLine = lineReader(T);

await run(async (browser) => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const problems = pageProblems(page);
  page.on('requestfailed', (r) => {
    // a request away from our origin would be a CDN or leak
    if (!r.url().startsWith(base)) problems.push('external: ' + r.url());
  });
  const nav = page.getByRole('navigation', { name: 'Main' });
  const go = async (name, heading = name) => {
    await nav.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name: heading, exact: true })
      .waitFor({ timeout: T });
  };
  const signIn = page.locator('#login-form');
  const keysView = page.locator('#keys-view');
  const usersView = page.locator('#users-view');
  const tenantsView = page.locator('#tenants-view');

  await page.goto(base + '/', { waitUntil: 'load' });
  await page.getByRole('heading', { name: 'Sign in to callbridge' })
    .waitFor({ timeout: T });

  // a wrong password is refused with a message, and nothing else happens
  await signIn.getByLabel('Login').fill(login);
  await signIn.getByLabel('Password').fill(password + 'x');
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await signIn.getByRole('alert')
    .filter({ hasText: /wrong login or password/i }).waitFor({ timeout: T });

  // sign in with the keyboard: Enter submits the form
  await signIn.getByLabel('Password').fill(password);
  await signIn.getByLabel('Password').press('Enter');
  await page.getByRole('heading', { name: 'Live calls' }).waitFor({ timeout: T });
  await page.locator('#live', { hasText: 'Live' }).waitFor({ timeout: T });
  for (const v of ['Dashboard', 'API keys', 'Users', 'Tenants'])
    check(await nav.getByRole('link', { name: v }).isVisible(),
          'admin navigation shows ' + v);

  // ---- create an API key; it is shown once, with a copy button
  await go('API keys');
  await keysView.getByLabel('Key name').fill('walkthrough');
  await keysView.getByRole('button', { name: 'Create key' }).click();
  const box = page.getByRole('region', { name: 'Your new API key' });
  await box.waitFor({ timeout: T });
  check(/Copy it now\.\s+This is the only\s+time it is shown/
    .test(await box.innerText()), 'the shown-once warning');
  const key = await box.getByLabel(/API key/).inputValue();
  check(/^cbk_[A-Za-z0-9]+_[A-Za-z0-9_-]{20,}$/.test(key), 'key: ' + key);
  await box.getByRole('button', { name: 'Copy' }).click();
  await box.getByRole('status').filter({ hasText: /Copied/ })
    .waitFor({ timeout: T });
  check(await page.evaluate(() => navigator.clipboard.readText()) === key,
        'the clipboard holds the key');
  const row = page.locator('#keys-body tr', { hasText: 'walkthrough' });
  await row.getByText('Active').waitFor({ timeout: T });
  await page.screenshot({ path: join(shots, 'api-keys.png'), fullPage: true });
  await box.getByRole('button', { name: 'I have stored it' }).click();
  check(!(await page.locator('#keys-view').innerText()).includes(key),
        'the secret is gone from the page');
  console.log('KEY ' + key);

  await go('Dashboard', 'Live calls');
  await page.locator('#live', { hasText: 'Live' }).waitFor({ timeout: T });
  console.log('READY');

  // ---- the call placed with curl shows up live, then ends
  const callId = await nextLine('call id');
  check(/^[A-Za-z0-9_-]+$/.test(callId), 'call id from the test: ' + callId);
  const call = page.locator(`li.call[data-call-id="${callId}"]`);
  await call.waitFor({ timeout: T });
  await call.locator('.call-status', { hasText: 'Connected' })
    .waitFor({ timeout: T });
  await page.waitForFunction((id) => {
    const li = document.querySelector(`li.call[data-call-id="${id}"]`);
    if (!li) return false;
    const st = [...li.querySelectorAll('tbody td.state')]
      .map((td) => td.textContent.trim());
    return st.length >= 1 && st.every((s) => s === 'answered');
  }, callId, { timeout: T });
  check(await call.getByText('+15550100').count() > 0, 'peer shown');
  console.log('ANSWERED');
  await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });

  await call.getByRole('button', { name: /Hang up/ }).click();
  await call.locator('.call-status', { hasText: 'Ended' })
    .or(page.locator('#empty:visible'))
    .first().waitFor({ timeout: T });
  console.log('ENDED');

  // ---- tenants: create one, give it a webhook URL (dialog, keyboard)
  await go('Tenants');
  await tenantsView.getByLabel('Name', { exact: true }).fill('acme-web');
  await tenantsView.getByRole('button', { name: 'Create tenant' }).click();
  const trow = page.locator('#tenants-body tr', { hasText: 'acme-web' });
  await trow.waitFor({ timeout: T });
  const setUrl = trow.getByRole('button', { name: /webhook URL of acme-web/ });
  await setUrl.click();
  const dlg = page.getByRole('dialog', { name: 'Webhook URL' });
  await dlg.waitFor({ timeout: T });
  await page.keyboard.press('Escape');          // closes, changes nothing
  await dlg.waitFor({ state: 'hidden', timeout: T });
  check(await setUrl.evaluate((b) => b === document.activeElement),
        'focus back on the button after Escape');
  await page.keyboard.press('Enter');           // the focused button
  await dlg.getByLabel(/Webhook URL for acme-web/)
    .fill('http://127.0.0.1:9/acme-hooks');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await trow.getByText('http://127.0.0.1:9/acme-hooks')
    .waitFor({ timeout: T });
  await page.screenshot({ path: join(shots, 'tenants.png'), fullPage: true });

  // ---- users: add an operator of acme-web (password generated), delete
  await go('Users');
  await usersView.getByLabel('Login', { exact: true }).fill('olga-web');
  await usersView.getByLabel('Role').selectOption('operator');
  await usersView.getByLabel('Tenant').selectOption({ label: 'acme-web' });
  await usersView.getByRole('button', { name: 'Add user' }).click();
  const pwBox = page.getByRole('region', { name: 'Generated password' });
  await pwBox.waitFor({ timeout: T });
  const pw = await pwBox.getByLabel('Password', { exact: true })
    .inputValue();
  check(pw.length >= 20, 'generated password shown');
  await pwBox.getByRole('button', { name: 'Done' }).click();
  const urow = page.locator('#users-body tr', { hasText: 'olga-web' });
  await urow.getByText('acme-web').waitFor({ timeout: T });
  await page.screenshot({ path: join(shots, 'users.png'), fullPage: true });
  await urow.getByRole('button', { name: 'Delete user olga-web' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this user?' });
  await confirm.getByRole('button', { name: 'Delete user' }).click();
  await urow.waitFor({ state: 'detached', timeout: T });

  // ---- revoke the key: Cancel keeps it, confirming revokes it
  await go('API keys');
  const revoke = row.getByRole('button', { name: 'Revoke key walkthrough' });
  await revoke.click();
  const ask = page.getByRole('dialog', { name: 'Revoke this API key?' });
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'hidden', timeout: T });
  check(await row.getByText('Active').isVisible(), 'cancel keeps the key');
  await revoke.click();
  await ask.getByRole('button', { name: 'Revoke key' }).click();
  await row.getByText('Revoked').waitFor({ timeout: T });
  console.log('REVOKED');

  // log out: back to the sign-in form, the session no longer works
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Sign in to callbridge' })
    .waitFor({ timeout: T });
  const me = await page.evaluate(async () =>
    (await fetch('/v1/me', { credentials: 'same-origin' })).status);
  check(me === 401, 'session ended after logout: /v1/me ' + me);

  check(problems.length === 0, problems.join('; '));
});
