// The web client's figures (issue 14), measured against a running Capsule
// in Debian's headless Chromium. Started by `cargo bench -p capsule-server
// --bench web` (server/benches/web.rs), which starts the server, sets
// CAPSULE_URL, CAPSULE_ADMIN, CAPSULE_ADMIN_PASSWORD and CHROMIUM, prints
// the table and writes target/capsule-bench/web.json from the line
// `FIGURES {...}` this script prints last. Everything else it prints is
// progress.

import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import lighthouse from 'lighthouse';
import { launch as launchChrome } from 'chrome-launcher';
import { admin, api, base, browserFlags, launch, person, seriousViolations, signIn, signedInPage } from '../e2e/harness.mjs';

const ROOM_READY_RUNS = 10;
const SHORT_ROOM = 50;
// WEB_BENCH_LONG_ROOM: a smaller long room for a quick check of the script.
const LONG_ROOM = Number(process.env.WEB_BENCH_LONG_ROOM ?? 100_000);
const SENDERS = 8;
const LIVE_MESSAGES = 50;
const LIVE_WARM_UP = 5;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, places = 1) => Math.round(value * 10 ** places) / 10 ** places;
const log = (line) => console.log(line);

/** Posts `texts(n)` for n in `from..=to` to `channel`, spread over `senders` concurrent sessions. */
async function seed(channel, senders, from, to, text) {
  let next = from;
  await Promise.all(
    senders.map(async (session) => {
      while (next <= to) {
        const n = next++;
        await api('POST', 'v1/chat.postMessage', { channel: `#${channel}`, text: text(n) }, session);
      }
    }),
  );
}

/** JS and CSS the browser fetched from the server, gzipped (level 9), in KiB. */
function bundleRecorder(context) {
  const files = new Map();
  context.on('response', async (response) => {
    const type = response.request().resourceType();
    if ((type === 'script' || type === 'stylesheet') && response.url().startsWith(base)) {
      files.set(response.url(), response.body().then((body) => gzipSync(body, { level: 9 }).length));
    }
  });
  return async () => {
    let bytes = 0;
    for (const size of files.values()) bytes += await size;
    return { kib: bytes / 1024, files: [...files.keys()].map((url) => new URL(url).pathname) };
  };
}

/** Milliseconds from navigation to `/channel/<room>` until 50 messages and the composer are on screen. */
async function roomReady(context, room) {
  const page = await context.newPage();
  await page.goto(`${base}/channel/${room}`);
  const ready = await page.waitForFunction(
    ([room, count]) =>
      document.querySelectorAll('.messages article.message').length >= count &&
      document.querySelector(`textarea[aria-label="Message #${room}"]`) &&
      performance.now(),
    [room, SHORT_ROOM],
    { polling: 'raf' },
  );
  const ms = await ready.jsonValue();
  await page.close();
  return ms;
}

/** Milliseconds from pressing "Jump to the first message" until `first` is shown. */
async function jumpToFirst(page, first) {
  return page.evaluate(async (first) => {
    const shown = () =>
      [...document.querySelectorAll('.messages article.message .message-text')].some((el) => el.textContent.trim() === first);
    const jump = [...document.querySelectorAll('button')].find((b) => b.textContent.includes('Jump to the first message'));
    if (!jump) throw new Error('no "Jump to the first message" button');
    const started = performance.now();
    const arrived = new Promise((resolve) => {
      const watcher = new MutationObserver(() => {
        if (shown()) {
          watcher.disconnect();
          resolve();
        }
      });
      watcher.observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    jump.click();
    await arrived;
    // Until the frame that shows it.
    await new Promise((resolve) => requestAnimationFrame(() => resolve()));
    return performance.now() - started;
  }, first);
}

/** Per message, milliseconds from Enter in `writer`'s composer to the message in `reader`'s open room. */
async function sendToOther(writer, reader, room, count, warmUp) {
  await reader.evaluate(() => {
    window.__arrived = {};
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('.messages article.message .message-text')) {
        const text = el.textContent.trim();
        if (text.startsWith('live ') && !(text in window.__arrived)) {
          window.__arrived[text] = performance.timeOrigin + performance.now();
        }
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await writer.evaluate(() => {
    document.addEventListener(
      'keydown',
      (event) => {
        if (event.key === 'Enter') window.__sentAt = performance.timeOrigin + performance.now();
      },
      { capture: true },
    );
  });
  const composer = writer.getByRole('textbox', { name: `Message #${room}` });
  const latencies = [];
  for (let n = 1; n <= warmUp + count; n++) {
    const text = `live ${n}`;
    await composer.fill(text);
    await composer.press('Enter');
    const arrived = await reader.waitForFunction((text) => window.__arrived[text], text, { polling: 'raf' });
    const sentAt = await writer.evaluate(() => window.__sentAt);
    if (n > warmUp) latencies.push((await arrived.jsonValue()) - sentAt);
  }
  return latencies;
}

/** Lighthouse's performance and accessibility scores (0-100) of `url`, with `profile`'s stored session. */
async function lighthouseScores(url, profile) {
  const chrome = await launchChrome({
    chromePath: process.env.CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', ...browserFlags],
    userDataDir: profile,
  });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
      // Keeps the profile's stored sign-in, so a room can be audited.
      disableStorageReset: true,
    });
    const { categories, audits } = result.lhr;
    const metric = (id) => Math.round(audits[id].numericValue);
    return {
      performance: Math.round(categories.performance.score * 100),
      accessibility: Math.round(categories.accessibility.score * 100),
      // Lighthouse's simulated slow-4G, 4x-slower-CPU figures behind the score.
      fcp_ms: metric('first-contentful-paint'),
      lcp_ms: metric('largest-contentful-paint'),
      tbt_ms: metric('total-blocking-time'),
      cls: audits['cumulative-layout-shift'].numericValue,
      speed_index_ms: metric('speed-index'),
      failed_audits: Object.values(audits)
        .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative')
        .map((a) => a.id),
    };
  } finally {
    await chrome.kill();
  }
}

/** A Chromium profile folder in which `username` is signed in. */
async function signedInProfile(username) {
  const profile = mkdtempSync(join(tmpdir(), 'capsule-lighthouse-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: browserFlags,
  });
  await signIn(await context.newPage(), username);
  await context.close();
  return profile;
}

const figures = {};
const notes = {};
const root = await admin();
const reader = await person(root, 'reader');
const writer = await person(root, 'writer');
const senders = [];
for (let n = 1; n <= SENDERS; n++) senders.push(await person(root, `sender${n}`));
const everyone = ['reader', 'writer', ...senders.map((s) => s.username)];
for (const name of ['short', 'long', 'live']) {
  await api('POST', 'v1/channels.create', { name, members: everyone }, root);
}

log(`seeding #short with ${SHORT_ROOM} messages and #long with ${LONG_ROOM} (${SENDERS} concurrent REST senders)`);
await seed('short', senders, 1, SHORT_ROOM, (n) => `short message ${n}`);
await api('POST', 'v1/chat.postMessage', { channel: '#long', text: 'long message 1' }, senders[0]);
const seedStarted = performance.now();
await seed('long', senders, 2, LONG_ROOM, (n) => `long message ${n}`);
figures.seed_long_room_s = round((performance.now() - seedStarted) / 1000);
figures.seed_messages_per_s = Math.round((LONG_ROOM - 1) / figures.seed_long_room_s);
log(`seeded in ${figures.seed_long_room_s} s (${figures.seed_messages_per_s} messages/s)`);

const browser = await launch();
try {
  // A newcomer's first load: the sign-in page, signing in, a room. The
  // session (localStorage) and the immutable assets then stay in the context.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const bundle = bundleRecorder(context);
  const readerPage = await context.newPage();
  await signIn(readerPage, 'reader');
  await roomReady(context, 'short');
  const loaded = await bundle();
  figures.bundle_gzip_kib = round(loaded.kib);
  notes.bundle_files = loaded.files;

  const readyTimes = [];
  for (let run = 0; run < ROOM_READY_RUNS; run++) readyTimes.push(await roomReady(context, 'short'));
  figures.room_ready_ms = round(median(readyTimes));
  notes.room_ready_runs_ms = readyTimes.map((ms) => round(ms));
  log(`room ready: ${notes.room_ready_runs_ms.join(', ')} ms`);

  await readerPage.locator('a.room-link[data-room="long"]').click();
  await readerPage.getByText(`long message ${LONG_ROOM}`, { exact: true }).waitFor();
  figures.jump_to_first_ms = round(await jumpToFirst(readerPage, 'long message 1'));

  await readerPage.locator('a.room-link[data-room="live"]').click();
  await readerPage.getByRole('textbox', { name: 'Message #live' }).waitFor();
  const writerPage = await signedInPage(browser, 'writer');
  await writerPage.locator('a.room-link[data-room="live"]').click();
  const latencies = await sendToOther(writerPage, readerPage, 'live', LIVE_MESSAGES, LIVE_WARM_UP);
  const sorted = [...latencies].sort((a, b) => a - b);
  figures.send_to_other_p50_ms = round(median(latencies));
  figures.send_to_other_p90_ms = round(sorted[Math.floor(sorted.length * 0.9)]);

  // axe-core on the pages people see, in both themes.
  let serious = 0;
  const described = [];
  for (const colorScheme of ['light', 'dark']) {
    for (const [path, shown] of [
      ['/channel/short', (page) => page.locator('.messages article.message').first()],
      ['/directory', (page) => page.getByRole('tab', { name: 'Channels' })],
    ]) {
      const page = await signedInPage(browser, 'reader', undefined, undefined, { bypassCSP: true, colorScheme });
      await page.goto(`${base}${path}`);
      await shown(page).waitFor();
      const found = await seriousViolations(page);
      serious += found.length;
      described.push(...found.map((v) => `${path} (${colorScheme}): ${v}`));
      await page.context().close();
    }
    const signIn = await browser.newContext({ bypassCSP: true, colorScheme });
    const page = await signIn.newPage();
    await page.goto(`${base}/home`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const found = await seriousViolations(page);
    serious += found.length;
    described.push(...found.map((v) => `/home (${colorScheme}): ${v}`));
    await signIn.close();
  }
  figures.axe_serious_violations = serious;
  if (described.length) notes.axe = described;
} finally {
  await browser.close();
}

// Lighthouse (mobile, its default simulated throttling) on the sign-in
// page a newcomer loads and on a room of a signed-in person, each the
// median of LIGHTHOUSE_RUNS runs by performance score (Lighthouse's own
// advice for its run-to-run variance); the lower score of the two pages
// is the figure.
const LIGHTHOUSE_RUNS = 3;
/** Lighthouse on `url`, each run in a fresh profile; `signedIn` signs the profile in first. */
async function medianLighthouse(url, signedIn) {
  const runs = [];
  for (let run = 0; run < LIGHTHOUSE_RUNS; run++) {
    const profile = signedIn ? await signedInProfile('reader') : undefined;
    try {
      runs.push(await lighthouseScores(url, profile));
    } finally {
      if (profile) rmSync(profile, { recursive: true, force: true });
    }
  }
  runs.sort((a, b) => a.performance - b.performance);
  return { ...runs[runs.length >> 1], performance_runs: runs.map((r) => r.performance) };
}
const signInPage = await medianLighthouse(`${base}/home`, false);
const room = await medianLighthouse(`${base}/channel/short`, true);
figures.lighthouse_performance = Math.min(signInPage.performance, room.performance);
figures.lighthouse_accessibility = Math.min(signInPage.accessibility, room.accessibility);
notes.lighthouse = { sign_in: signInPage, room };

log(`NOTES ${JSON.stringify(notes)}`);
console.log(`FIGURES ${JSON.stringify(figures)}`);
