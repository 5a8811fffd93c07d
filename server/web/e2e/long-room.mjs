// A long room: history loads page by page as the reader scrolls up, the
// DOM holds a bounded window of messages however far they scroll, and
// scrolling back down returns to the newest.

import { admin, api, base, check, message, person, scenario, signedInPage } from './harness.mjs';

const TOTAL = 400;
const DOM_LIMIT = 130;

await scenario('a long room scrolls in a bounded window', async (browser) => {
  const root = await admin();
  const kim = await person(root, 'kim');
  await api('POST', 'v1/channels.create', { name: 'long', members: ['kim'] }, root);
  const ids = [];
  for (let n = 1; n <= TOTAL; n++) {
    const answer = await api('POST', 'v1/chat.postMessage', { channel: '#long', text: `message number ${n}` }, kim);
    ids[n] = answer.message._id;
  }

  const page = await signedInPage(browser, 'kim');
  await page.locator('a.room-link[data-room="long"]').click();
  await message(page, `message number ${TOTAL}`).waitFor();
  const shown = () => page.locator('.messages article.message').count();
  check((await shown()) <= 60, `the first page only: ${await shown()} messages`);

  // Scroll to the top until the room's start is reached.
  let most = 0;
  for (let step = 0; step < 200; step++) {
    if (await page.getByText('This is the start of the room.').isVisible()) break;
    await page.locator('.messages').evaluate((el) => el.scrollBy(0, -1500));
    await page.waitForTimeout(40);
    most = Math.max(most, await shown());
  }
  await message(page, 'message number 1').first().waitFor();
  check((await page.getByText('message number 1', { exact: true }).count()) === 1, 'the first message is shown once');
  check(most <= DOM_LIMIT, `the DOM stayed bounded: at most ${most} messages at once`);
  check((await message(page, `message number ${TOTAL}`).count()) === 0, 'the newest left the DOM');

  // Back to the newest.
  await page.getByRole('button', { name: 'Jump to the newest ↓' }).click();
  await message(page, `message number ${TOTAL}`).waitFor();
  check((await shown()) <= DOM_LIMIT, 'still bounded at the bottom');

  // Jump to the first message at once, then read down to the newest,
  // including a message that arrived meanwhile, each shown once.
  const started = Date.now();
  await page.getByRole('button', { name: 'Jump to the first message ↑' }).click();
  await page.getByText('message number 1', { exact: true }).waitFor();
  await page.getByText('This is the start of the room.').waitFor();
  console.log(`jumped to the first message in ${Date.now() - started} ms`);
  await api('POST', 'v1/chat.postMessage', { channel: '#long', text: 'a live one' }, kim);
  const seen = new Set();
  most = 0;
  for (let step = 0; step < 300; step++) {
    if (await message(page, 'a live one').count()) break;
    for (const text of await page.locator('.messages article.message .message-text').allInnerTexts()) seen.add(text.trim());
    await page.locator('.messages').evaluate((el) => el.scrollBy(0, 1500));
    await page.waitForTimeout(40);
    most = Math.max(most, await shown());
  }
  await message(page, 'a live one').waitFor();
  for (const text of await page.locator('.messages article.message .message-text').allInnerTexts()) seen.add(text.trim());
  const missing = [];
  for (let n = 1; n <= TOTAL; n++) if (!seen.has(`message number ${n}`)) missing.push(n);
  check(!missing.length, `every message was shown on the way down; missing: ${missing.slice(0, 20).join(', ')}`);
  check(most <= DOM_LIMIT, `bounded on the way down too: at most ${most}`);
  check((await message(page, 'a live one').count()) === 1, 'the message sent meanwhile is shown once');

  // A link to a message (Rocket.Chat's `?msg=`) opens the room at it, marked.
  await page.goto(`${base}/channel/long?msg=${ids[200]}`);
  const linked = page.locator('.messages article.message.linked');
  await linked.waitFor();
  check((await linked.innerText()).includes('message number 200'), `the linked message is marked: ${await linked.innerText()}`);
  check(await linked.isVisible(), 'the linked message is in view');
  check((await message(page, 'message number 260').count()) === 0, 'the newer history is not loaded yet');
  for (let step = 0; step < 200; step++) {
    if (await message(page, 'a live one').count()) break;
    await page.locator('.messages').evaluate((el) => el.scrollBy(0, 1500));
    await page.waitForTimeout(40);
  }
  await message(page, `message number ${TOTAL}`).waitFor();
});
