// tests/browser/click_to_call.test.mjs -- click-to-call in headless
// Chromium: the agent signs into the console, a shopper clicks the
// widget on a shop page of another origin, the console pops the customer
// up while the agent's phone rings, the agent hangs up and files wrap-up.
//
// Started by tests/integration/test_click_to_call.py, which runs
// callbridge, the simulated network, the agent's softphone (baresip) and
// the shop's web server.  Environment: CB_URL, SHOP_URL, AGENT_LOGIN,
// AGENT_PASSWORD, MANAGER_LOGIN, MANAGER_PASSWORD (an operator of the
// business), CUSTOMER (the number the shopper types), CB_ARTIFACTS.
// Protocol on stdio:
//   -> AGENT_READY      signed in to web/agent.html, status Available
//   -> REQUESTED <id>   the widget sent the call request message
//   -> SCREENPOP        the console shows the customer while the phone
//                       rings (agent-screenpop.png), and the manager's
//                       Contact centre page shows the agent ringing
//                       (contact-centre.png); the test picks up
//   -> CONNECTED        widget and console both say connected
//                       (shop-widget.png)
//   <- HANGUP
//   -> WRAPPED          hung up from the console, wrap-up notes and an
//                       order sent, the call in today's history
//                       (agent-wrapup.png)
// then it exits 0.  Any failure exits 1, reason on stderr.
import { join } from 'node:path';
import { check, env, lineReader, run } from './lib.mjs';

const base = env('CB_URL');
const shopUrl = env('SHOP_URL');
const customer = env('CUSTOMER');
const shots = env('CB_ARTIFACTS');
const T = 30000;

const nextLine = lineReader(T);

await run(async (browser) => {

  // the agent, at home, signs into the console and becomes available
  const agentCtx = await browser.newContext({
    viewport: { width: 1100, height: 800 } });
  const agent = await agentCtx.newPage();
  await agent.goto(base + '/web/agent.html');
  await agent.locator('#login').fill(env('AGENT_LOGIN'));
  await agent.locator('#password').fill(env('AGENT_PASSWORD'));
  await agent.locator('#login-form button[type=submit]').click();
  await agent.locator('.status-buttons [data-status=available]').click();
  await agent.getByText('Available', { exact: false }).first()
    .waitFor({ timeout: T });
  await agent.waitForFunction(async (url) => {
    const r = await fetch(url + '/v1/agent', { credentials: 'same-origin' });
    return r.ok && (await r.json()).status === 'available';
  }, base, { timeout: T, polling: 200 });
  // the business's manager watches the Contact centre page of the console
  const mgrCtx = await browser.newContext({
    viewport: { width: 1280, height: 900 } });
  const mgr = await mgrCtx.newPage();
  await mgr.goto(base + '/');
  const signIn = mgr.locator('#login-form');
  await signIn.getByLabel('Login').fill(env('MANAGER_LOGIN'));
  await signIn.getByLabel('Password').fill(env('MANAGER_PASSWORD'));
  await signIn.getByRole('button', { name: 'Sign in' }).click();
  await mgr.getByRole('link', { name: 'Contact centre' }).click();
  await mgr.locator('#cc-agents-body', { hasText: 'Olivia' })
    .waitFor({ timeout: T });
  await mgr.locator('#cc-agents-body', { hasText: /available/i })
    .waitFor({ timeout: T });
  console.log('AGENT_READY');

  // a shopper on the shop's site asks to be called
  const shopCtx = await browser.newContext({
    viewport: { width: 1280, height: 800 } });
  const shop = await shopCtx.newPage();
  await shop.goto(shopUrl);
  await shop.getByRole('button', { name: 'Talk to a representative' })
    .click();
  await shop.getByLabel('Your phone number').fill(customer);
  await shop.getByLabel('Note').fill('Two cabins on the Norway cruise');
  await shop.getByRole('button', { name: 'Call me' }).click();
  const widget = shop.locator('.callbridge-widget');
  await shop.waitForFunction(() => {
    const h = document.querySelector('.callbridge-widget');
    return h && h.dataset.requestId;
  }, null, { timeout: T });
  const rid = await widget.getAttribute('data-request-id');
  console.log('REQUESTED ' + rid);

  // the console pops the customer up while the agent's phone rings
  const pop = agent.locator('#pop');
  await agent.waitForFunction(() => {
    const p = document.querySelector('#pop');
    return p && !p.hidden && p.dataset.state === 'offered';
  }, null, { timeout: T, polling: 100 });
  const number = await agent.locator('#pop-number').textContent();
  check(number.replace(/\s/g, '').includes(customer),
        'screen-pop shows the customer number: ' + number);
  const pageSeen = await agent.locator('#pop-page').textContent();
  check(pageSeen.includes('Acme Cruises'),
        'screen-pop shows the page viewed: ' + pageSeen);
  check((await pop.textContent()).includes('Norway cruise'),
        'screen-pop shows the note');
  await agent.screenshot({ path: join(shots, 'agent-screenpop.png') });
  // the manager's page refreshes by itself: Olivia's phone rings
  await mgr.locator('#cc-agents-body', { hasText: /offered|ringing/i })
    .waitFor({ timeout: T });
  await mgr.screenshot({ path: join(shots, 'contact-centre.png'),
                        fullPage: true });
  console.log('SCREENPOP');

  // the test picked the phone up: both sides see the connection
  await shop.waitForFunction(() => {
    const h = document.querySelector('.callbridge-widget');
    return h && h.dataset.status === 'connected';
  }, null, { timeout: T, polling: 100 });
  await agent.waitForFunction(() => {
    const p = document.querySelector('#pop');
    return p && p.dataset.state === 'on-call';
  }, null, { timeout: T, polling: 100 });
  await shop.screenshot({ path: join(shots, 'shop-widget.png') });
  console.log('CONNECTED');

  check(await nextLine('HANGUP') === 'HANGUP', 'HANGUP');
  await agent.locator('#hangup').click();
  await agent.locator('#wrap-form').waitFor({ state: 'visible', timeout: T });
  await agent.locator('#wrap-notes').fill('Booked two balcony cabins');
  await agent.locator('input[name=kind][value=order]').check();
  await agent.locator('#f-product').fill('Norwegian Fjords, 10 nights');
  await agent.locator('#f-quantity').fill('2');
  await agent.locator('#f-amount').fill('2980.00');
  await agent.screenshot({ path: join(shots, 'agent-wrapup.png') });
  await agent.locator('#wrap-submit').click();
  await agent.waitForFunction((id) => {
    const b = document.querySelector('#hist-body');
    return b && b.textContent.includes('Booked two balcony cabins');
  }, rid, { timeout: T, polling: 200 });
  console.log('WRAPPED');
});
