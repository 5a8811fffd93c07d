// A long room: history loads page by page as the reader scrolls up, the
// DOM holds a bounded window of messages however far they scroll, and
// scrolling back down returns to the newest.

import { admin, api, check, message, person, scenario, signedInPage } from './harness.mjs';

const TOTAL = 400;
const DOM_LIMIT = 130;

await scenario('a long room scrolls in a bounded window', async (browser) => {
  const root = await admin();
  const kim = await person(root, 'kim');
  await api('POST', 'v1/channels.create', { name: 'long', members: ['kim'] }, root);
  for (let n = 1; n <= TOTAL; n++) {
    await api('POST', 'v1/chat.postMessage', { channel: '#long', text: `message number ${n}` }, kim);
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
});
