// tests/browser/lib.mjs -- what every browser test here shares: its
// environment, checks, the lines the Python side sends on stdin, and
// headless Debian Chromium started and closed around the test's body.
//
// A test is `await run(async (browser) => { ... })`: the body returning
// is success (exit 0); a throw is failure (exit 1, the reason on stderr).
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';

/** The environment variable k; a missing or empty one throws. */
export function env(k) {
  const v = process.env[k];
  if (!v) throw new Error('missing environment variable ' + k);
  return v;
}

/** Throws "check failed: what" unless cond holds. */
export function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
}

/**
 * A reader of the lines on stdin: nextLine(what) resolves to the next
 * line, trimmed, or throws "no what" after ms milliseconds.
 */
export function lineReader(ms) {
  const lines = createInterface({ input: process.stdin })
    [Symbol.asyncIterator]();
  return async function nextLine(what) {
    const next = await Promise.race([
      lines.next(),
      new Promise((_, rej) => setTimeout(() => rej(new Error('no ' + what)),
                                         ms)),
    ]);
    return String(next.value || '').trim();
  };
}

/**
 * Errors the page throws or logs, collected into the array returned.
 * Chromium logs a refused request (a 401 before sign-in, the wrong
 * password) as "Failed to load resource": expected, not collected.
 */
export function pageProblems(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load/.test(m.text()))
      problems.push('console: ' + m.text());
  });
  return problems;
}

/** Runs body(browser) in headless Chromium, then exits 0 or 1. */
export async function run(body) {
  let browser;
  let code = 1;
  try {
    // playwright starts Chromium with a new empty profile of its own
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
             '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync'],
    });
    await body(browser);
    code = 0;
  } catch (e) {
    console.error(e && e.stack ? e.stack : String(e));
  } finally {
    if (browser) await browser.close();
    process.exit(code);
  }
}
