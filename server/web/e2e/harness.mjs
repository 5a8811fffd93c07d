// What every browser scenario shares: Debian's Chromium driven by
// playwright-core (never a downloaded browser), REST calls to arrange the
// scene, sign-in as a person would, screenshots, and the line protocol to
// the Rust test that owns the server (`CONTROL restart` on stdout, the
// answer on stdin).
//
// The Rust test (server/tests/web_browser.rs) sets CAPSULE_URL,
// CAPSULE_ADMIN, CAPSULE_ADMIN_PASSWORD, CHROMIUM and CAPSULE_SCREENSHOTS.

import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export const base = process.env.CAPSULE_URL;
const shots = process.env.CAPSULE_SCREENSHOTS;
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
// What the pages reported that must fail the scenario: script errors and
// anything the Content-Security-Policy blocked.
const pageFaults = [];

/** Chromium's flags besides headless and no-sandbox (../shared/brief/testing.md). */
export const browserFlags = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Starts headless Chromium with a fresh profile (playwright makes one per launch). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    args: browserFlags,
  });
}

/** Calls the REST API; throws with the server's answer on failure. */
export async function api(method, path, body, session) {
  const headers = { 'content-type': 'application/json' };
  if (session) {
    headers['x-auth-token'] = session.authToken;
    headers['x-user-id'] = session.userId;
  }
  const response = await fetch(`${base}/api/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Signs in over REST (to arrange the scene). */
export async function login(user, password) {
  const answer = await api('POST', 'v1/login', { user, password });
  return { userId: answer.data.userId, authToken: answer.data.authToken, username: user };
}

/** The admin's REST session. */
export const admin = () => login(process.env.CAPSULE_ADMIN, process.env.CAPSULE_ADMIN_PASSWORD);

/** Creates a person (password `<username>-password`) as the admin. */
export async function person(adminSession, username) {
  await api('POST', 'v1/users.create', {
    username,
    name: username[0].toUpperCase() + username.slice(1),
    email: `${username}@example.com`,
    password: `${username}-password`,
    joinDefaultChannels: true,
  }, adminSession);
  return login(username, `${username}-password`);
}

/** Signs `page` in as `username` through the sign-in form at `/home`. */
export async function signIn(page, username, password = `${username}-password`) {
  await page.goto(`${base}/home`);
  await page.getByLabel('Username or e-mail').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
}

/** A new browser context (with `options`) and page signed in as `username` through the sign-in form. */
export async function signedInPage(browser, username, password = `${username}-password`, viewport = { width: 1280, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, colorScheme: 'light', ...options });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    console.log(`[${username}] page error: ${error.message}`);
    pageFaults.push(error.message);
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    console.log(`[${username}] console: ${message.text()}`);
    if (message.text().includes('Content Security Policy')) pageFaults.push(message.text());
  });
  await signIn(page, username, password);
  return page;
}

/**
 * axe-core's serious and critical violations on `page`, described. The
 * page's context must bypass the CSP: axe is injected as a script.
 */
export async function seriousViolations(page) {
  await page.addScriptTag({ path: axeSource });
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Writes a screenshot into the tests' folder. */
export async function screenshot(page, name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Asks the Rust test to restart the server, and waits until it has. */
export async function restartServer() {
  console.log('CONTROL restart');
  const { value } = await lines.next();
  if (value !== 'restarted') throw new Error(`the test answered ${value}`);
}

/** Fails with `message` unless `condition` holds. */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs a scenario: closes the browser and sets the exit status. */
export async function scenario(name, body) {
  const browser = await launch();
  try {
    await body(browser);
    check(!pageFaults.length, `the pages reported errors:\n${pageFaults.join('\n')}`);
    console.log(`scenario ${name}: passed`);
  } catch (error) {
    console.log(`scenario ${name}: FAILED: ${error.stack ?? error}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
    lines.return?.();
    process.stdin.destroy();
  }
}

/** The message in the open room whose text contains `text`. */
export function message(page, text, scope = '.messages') {
  return page.locator(`${scope} article.message`, { hasText: text });
}
