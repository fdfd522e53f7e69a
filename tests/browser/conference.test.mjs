// tests/browser/conference.test.mjs -- the conference page
// (web/conference.html, seed 004) in headless Chromium: set-up with
// simulated numbers of each kind and a real softphone (baresip), Rate,
// payment by test card, then the control page: dial in a chosen order
// and see each card's icon and words as it happens, mute one, hang up
// one, change participants, end; wrap-up.
//
// Started by tests/integration/test_conference_browser.py, which runs
// callbridge and the simulated network.  Environment: CB_URL, LOGIN,
// PASSWORD (an operator of the tenant), OWNER, ANSWERS, BUSY, NEVER,
// INVALID, FIXED (simulated numbers), SOFT (the sip: URI of a baresip
// softphone registered to callbridge, answering on its own), RING_S
// (Dave's ring time), CB_ARTIFACTS.
// Protocol on stdio (the test checks the API at each line):
//   -> RATED              the Rate button priced every row (the
//                         softphone: no charge)
//   -> PAYMENT <mode>     on the payment page; mode "money" (the
//                         authorize route answered: a declined card was
//                         explained, then the valid test card paid) or
//                         "none" (not available on this server)
//   -> CONTROL <id>       on the control page, nothing dialed yet
//   <- GO
//   -> DIALED             dialed in the order Erin (invalid), Carol
//                         (busy), Alice (owner), Bob, Olivia (the
//                         softphone), Dave (never answers); each card
//                         showed its status
//   -> MUTED              Bob muted (conference-control.png)
//   -> CHANGED            Bob hung up; Erin's number corrected and Frank
//                         added on the Change participants page
//   <- END
//   -> WRAPUP <summary>   ended from the page, wrap-up shown
//                         (conference-wrapup.png); summary: "yes" if
//                         the charges were shown, "no" if not available
//   -> TROUBLE <credit>   (summary only) a trouble report on Alice's
//                         leg credited once
// then it exits 0.  Any failure exits 1, reason on stderr.
import { join } from 'node:path';
import { check, env, lineReader, pageProblems, run } from './lib.mjs';

const base = env('CB_URL');
const shots = env('CB_ARTIFACTS');
const T = 30000;
const nextLine = lineReader(120000);

await run(async (browser) => {
  const ctx = await browser.newContext({ viewport: { width: 1200,
                                                     height: 900 } });
  const page = await ctx.newPage();
  const problems = pageProblems(page);
  await page.goto(base + '/web/conference.html');

  // sign in
  await page.getByLabel('Login').fill(env('LOGIN'));
  await page.getByLabel('Password').fill(env('PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#setup-view').waitFor({ state: 'visible',
                                              timeout: T });

  // ---- set-up: three rows to start, three added, one added and removed
  await page.getByLabel('Conference name').fill('Budget review');
  const people = [['Alice', env('OWNER')], ['Bob', env('ANSWERS')],
                  ['Carol', env('BUSY')], ['Dave', env('NEVER')],
                  ['Erin', env('INVALID')], ['Olivia', env('SOFT')]];
  for (let i = 0; i < 4; i++) {
    await page.locator('#add-row').click();
  }
  check(await page.locator('#rows tr').count() === 7, 'seven rows');
  await page.getByRole('button', { name: 'Remove row 7' }).click();
  check(await page.locator('#rows tr').count() === 6, 'a row removed');
  for (let i = 0; i < people.length; i++) {
    const [name, num] = people[i];
    await page.getByLabel(i === 0 ? 'Your name'
      : 'Name of participant ' + (i + 1), { exact: true }).fill(name);
    await page.getByLabel(i === 0 ? 'Your phone number'
      : 'Phone number of participant ' + (i + 1), { exact: true })
      .fill(num);
  }
  // Help opens and says how it works
  await page.getByRole('button', { name: 'Help' }).click();
  await page.locator('#help', { hasText: 'How it works' })
    .waitFor({ timeout: T });
  // a short ring time (RING_S), so Dave's "no answer" comes soon
  await page.locator('#options summary').click();
  await page.getByLabel('Ring for at most (seconds)').fill(env('RING_S'));

  // Rate: cost per minute of each row and in all
  await page.getByRole('button', { name: 'Rate', exact: true }).click();
  await page.locator('#rate-box').waitFor({ state: 'visible', timeout: T });
  const total = await page.locator('#rate-total').textContent();
  check(/^Total: .*per minute for 6 participants/.test(total),
        'the total per minute: ' + total);
  const rates = await page.locator('#rows .cf-rate').allTextContents();
  check(rates.length === 6 && rates.slice(0, 5).every((r) =>
    /\/min$/.test(r)) && rates[5] === 'SIP: no charge',
        'a rate per row, the softphone free: ' + JSON.stringify(rates));
  console.log('RATED ' + JSON.stringify({ total, rates }));

  // ---- begin: the conference exists, payment is asked
  await page.getByRole('button', { name: 'Begin conference' }).click();
  await page.locator('#pay-view').waitFor({ state: 'visible', timeout: T });
  await page.waitForFunction(() => {
    const r = document.querySelector('#pay-rates');
    return r && !/Loading/.test(r.textContent);
  }, null, { timeout: T });
  const hash = await page.evaluate(() => location.hash);
  const m = /^#id=([^&]+)&token=([A-Za-z0-9_-]{44})$/.exec(hash);
  check(m, 'the control URL carries the id and token: ' + hash);
  const id = decodeURIComponent(m[1]);
  const noMoney = await page.locator('#pay-skip').isVisible();
  console.log('PAYMENT ' + (noMoney ? 'none' : 'money'));
  if (noMoney) {
    check((await page.locator('#pay-ok').textContent())
      .includes('not available'), 'payment said not available');
    await page.screenshot({ path: join(shots, 'conference-payment.png') });
    await page.locator('#pay-skip').click();
  } else {
    // a declined test card: explained, nothing dialed
    await page.getByLabel('Card', { exact: true }).check();
    await page.getByLabel('Card number').fill('4000 0000 0000 0002');
    await page.getByLabel('Expiry (MM/YY)').fill('12/39');
    await page.getByLabel('Security code').fill('123');
    await page.getByRole('button', { name: 'Authorize and continue' })
      .click();
    await page.locator('#pay-error', { hasText: 'Nobody has been called' })
      .waitFor({ timeout: T });
    await page.screenshot({ path: join(shots, 'conference-payment.png') });
    // the valid test card (Luhn, future expiry, CVV) pays
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: 'Authorize and continue' })
      .click();
  }
  await page.locator('#control-view').waitFor({ state: 'visible',
                                                timeout: T });
  await page.locator('#live', { hasText: 'Live' }).waitFor({ timeout: T });
  const cards = page.locator('#cards > li');
  check(await cards.count() === 6, 'six cards');
  for (const s of await cards.evaluateAll((l) => l.map((c) =>
    c.dataset.status))) check(s === 'on-hook', 'all on-hook: ' + s);

  // record every status each card shows, as it happens
  await page.evaluate(() => {
    window.seen = {};
    const note = (li) => {
      const h = window.seen[li.dataset.pid] ||= [];
      const s = li.dataset.status + '|' +
        li.querySelector('.cf-status-text').textContent + '|' +
        (li.querySelector('svg') || { dataset: {} }).dataset.icon;
      if (h[h.length - 1] !== s) h.push(s);
    };
    const cardsEl = document.querySelector('#cards');
    new MutationObserver(() => cardsEl.querySelectorAll('li')
      .forEach(note)).observe(cardsEl, { subtree: true,
      attributes: true, childList: true, characterData: true });
    cardsEl.querySelectorAll('li').forEach(note);
  });
  console.log('CONTROL ' + id);
  check(await nextLine('GO') === 'GO', 'GO');

  const card = (pid) => page.locator('#cards > li[data-pid="' + pid + '"]');
  async function status(pid, st, words, timeout) {
    await page.waitForFunction(([p, s]) => {
      const li = document.querySelector('#cards > li[data-pid="' + p +
                                        '"]');
      return li && li.dataset.status === s;
    }, [pid, st], { timeout: timeout || T, polling: 50 });
    const c = card(pid);
    const text = await c.locator('.cf-status-text').textContent();
    check(text === words, pid + ' says "' + words + '": ' + text);
    const ic = await c.locator('svg.cf-icon').getAttribute('data-icon');
    check(ic === st, pid + ' shows the ' + st + ' icon: ' + ic);
  }
  const dial = (pid) => card(pid).locator('.cf-main').click();

  // Erin's number is invalid: flagged without a ring
  await dial('p5');
  await status('p5', 'invalid-number', 'Invalid number');
  // Carol is busy
  await dial('p3');
  await status('p3', 'busy', 'Busy');
  // the owner first, then Bob: ringing, then connected
  await dial('p1');
  await status('p1', 'connected', 'Connected');
  await dial('p2');
  await status('p2', 'ringing', 'Ringing');
  await status('p2', 'connected', 'Connected');
  // the softphone rings, answers on its own: connected
  await dial('p6');
  await status('p6', 'connected', 'Connected');
  // Dave rings and never answers: no answer after the 5 s ring time
  await dial('p4');
  await status('p4', 'ringing', 'Ringing');
  await status('p4', 'no-answer', 'No answer', 20000);
  const seen = await page.evaluate(() => window.seen);
  const kinds = (p) => seen[p].map((s) => s.split('|')[0]);
  check(kinds('p2').join() .includes('on-hook,dialing,ringing,connected') ||
        kinds('p2').join().includes('on-hook,ringing,connected'),
        'Bob went through ringing to connected: ' + kinds('p2'));
  check(kinds('p6').join().includes('ringing,connected') &&
        kinds('p6').slice(-1)[0] === 'connected',
        'Olivia\'s phone rang, then connected: ' + kinds('p6'));
  check(kinds('p4').slice(-2).join() === 'ringing,no-answer',
        'Dave rang, then no answer: ' + kinds('p4'));
  check(!kinds('p5').includes('connected') && kinds('p5').slice(-1)[0] ===
        'invalid-number', 'Erin never connected: ' + kinds('p5'));
  console.log('DIALED ' + JSON.stringify(seen));

  // mute Bob
  const mute = card('p2').getByRole('button', { name: 'Mute Bob' });
  await mute.click();
  await page.waitForFunction(() => document.querySelector(
    '#cards > li[data-pid="p2"] [data-toggle="mute"]')
    .getAttribute('aria-pressed') === 'true', null, { timeout: T });
  // the legend explains the icons
  await page.getByRole('button', { name: 'What the icons mean' }).click();
  check(await page.locator('#legend-list li').count() === 10,
        'ten statuses explained');
  await page.getByRole('button', { name: 'What the icons mean' }).click();
  await page.screenshot({ path: join(shots, 'conference-control.png'),
                          fullPage: true });
  // on a phone: one column, nothing wider than the screen
  await page.setViewportSize({ width: 390, height: 844 });
  const wide = await page.evaluate(() =>
    document.scrollingElement.scrollWidth - window.innerWidth);
  check(wide <= 0, 'the control page fits a phone: ' + wide + ' px over');
  await page.setViewportSize({ width: 1200, height: 900 });
  console.log('MUTED');

  // hang up Bob: left
  check((await card('p2').locator('.cf-hint').textContent()) === 'Hang up',
        'a connected card offers Hang up');
  await dial('p2');
  await status('p2', 'left', 'Left');

  // change participants: correct Erin's number, add Frank, return
  await page.getByRole('button', { name: 'Change participants' }).click();
  await page.locator('#setup-view').waitFor({ state: 'visible',
                                              timeout: T });
  check(await page.getByLabel('Phone number of participant 2',
    { exact: true }).isEnabled(), 'a participant off the call is editable');
  check(!(await page.getByLabel('Your phone number').isEnabled()),
        'the owner on the call is not editable');
  await page.getByLabel('Phone number of participant 5', { exact: true })
    .fill(env('FIXED'));
  await page.getByLabel('Name of participant 7', { exact: true })
    .fill('Frank');
  await page.getByLabel('Phone number of participant 7', { exact: true })
    .fill(env('ANSWERS'));
  await page.getByRole('button', { name: 'Return to conference' }).click();
  await page.locator('#control-view').waitFor({ state: 'visible',
                                                timeout: T });
  await status('p7', 'on-hook', 'On-hook');
  check((await card('p5').locator('.cf-num').textContent()) ===
        env('FIXED'), 'Erin has her new number');
  // Erin, with the right number now, joins
  await dial('p5');
  await status('p5', 'connected', 'Connected');
  console.log('CHANGED');

  check(await nextLine('END') === 'END', 'END');
  await page.getByRole('button', { name: 'End conference' }).click();
  await page.locator('#end-dialog').getByRole('button',
    { name: 'End conference' }).click();
  await page.locator('#wrap-view').waitFor({ state: 'visible',
                                             timeout: T });
  await page.waitForFunction(() =>
    document.querySelector('#sum-body').children.length > 0, null,
  { timeout: T });
  const hasSummary = (await page.locator('#sum-foot tr').count()) > 0;
  if (!hasSummary) {
    check((await page.locator('#sum-note').textContent())
      .includes('not available'), 'the summary said not available');
  }
  await page.screenshot({ path: join(shots, 'conference-wrapup.png'),
                          fullPage: true });
  const sum = await page.locator('#sum-body').evaluate((b) =>
    [...b.rows].map((r) => [...r.cells].map((c) => c.textContent)));
  const foot = await page.locator('#sum-foot').evaluate((b) =>
    [...b.rows].map((r) => [...r.cells].map((c) => c.textContent)));
  console.log('WRAPUP ' + (hasSummary ? 'yes' : 'no') + ' ' +
              JSON.stringify({ sum, foot }));

  if (hasSummary && await page.locator('#trouble-body tr[data-leg]')
    .count() > 0) {
    const row = page.locator('#trouble-body tr[data-leg]').first();
    await row.locator('input[data-kind="noise"]').check();
    await page.getByRole('button', { name: 'Submit trouble report' })
      .click();
    await page.locator('#trouble-ok', { hasText: 'Credited' })
      .waitFor({ timeout: T });
    check(await row.locator('input[data-kind="noise"]').isDisabled(),
          'a credited leg cannot be reported again');
    console.log('TROUBLE ' + JSON.stringify({
      leg: await row.getAttribute('data-leg'),
      text: await page.locator('#trouble-ok').textContent() }));
  }
  check(problems.length === 0, 'no page errors: ' + problems.join('; '));
});
