// Message text cannot inject HTML or script: a <script>, an <img
// onerror> and a javascript: link arrive as the text that was typed.

import { admin, api, check, message, person, scenario, signedInPage } from './harness.mjs';

await scenario('hostile text renders as text', async (browser) => {
  const root = await admin();
  const eve = await person(root, 'eve');
  await person(root, 'ann');
  const text = [
    '<script>window.__owned = "script"</script>',
    '<img src=x onerror="window.__owned = \'img\'">',
    '[click me](javascript:window.__owned=\'link\')',
    '<javascript:alert(1)|bad>',
    '[fine](https://example.com/docs)',
  ].join('\n');
  await api('POST', 'v1/chat.postMessage', { channel: '#general', text }, eve);

  const page = await signedInPage(browser, 'ann');
  await page.locator('a.room-link[data-room="general"]').click();
  const shown = message(page, 'window.__owned');
  await shown.waitFor();

  const body = shown.locator('.message-text');
  check((await body.locator('script, img, iframe, [onerror]').count()) === 0, 'no element came from the text');
  check((await body.innerText()).includes('<script>window.__owned = "script"</script>'), 'the script tag is shown as typed');
  check((await body.innerText()).includes('<img src=x onerror='), 'the img tag is shown as typed');
  check((await body.innerText()).includes('[click me](javascript:'), 'the javascript: link is text');
  const hrefs = await body.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  check(hrefs.length === 1 && hrefs[0] === 'https://example.com/docs', `only the https link is a link: ${JSON.stringify(hrefs)}`);
  await page.waitForTimeout(200); // an onerror would have fired by now
  check((await page.evaluate(() => window.__owned)) === undefined, 'nothing ran');
});
