// Rooms from the browser: register through the form, create a channel,
// find and join it from the directory, start a direct message, switch
// rooms with the keyboard, and sign out (the token stops working).

import { admin, api, base, check, message, person, scenario, signedInPage } from './harness.mjs';

await scenario('register, create, join, message directly, sign out', async (browser) => {
  const root = await admin();
  await person(root, 'gus');

  // Registration is open: a newcomer signs up in the form.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: 'New here? Create an account' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Hana');
  await page.getByLabel('Username').fill('hana');
  await page.getByLabel('E-mail').fill('hana@example.com');
  await page.getByLabel('Password').fill('hana-password');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByRole('navigation', { name: 'Rooms' }).waitFor();

  // She creates a channel.
  await page.getByRole('button', { name: 'Create a room' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create a room' });
  await dialog.getByLabel('Name', { exact: true }).fill('gardening');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name: 'gardening' }).waitFor();
  check(new URL(page.url()).pathname === '/channel/gardening', `the URL is the channel's: ${page.url()}`);
  const composer = page.getByRole('textbox', { name: 'Message #gardening' });
  await composer.fill('Tomatoes are in :tada:');
  await composer.press('Enter');
  await message(page, 'Tomatoes are in').waitFor();

  // Gus finds it in the directory and joins.
  const gus = await signedInPage(browser, 'gus');
  await gus.getByRole('link', { name: 'Directory', exact: true }).click();
  await gus.getByRole('searchbox', { name: 'Search channels' }).fill('garden');
  await gus.getByRole('button', { name: 'Join' }).click();
  await message(gus, 'Tomatoes are in').waitFor();
  await gus.locator('a.room-link[data-room="gardening"]').waitFor();

  // He messages her directly from the directory; her list shows it, unread.
  await gus.getByRole('link', { name: 'Directory', exact: true }).click();
  await gus.getByRole('tab', { name: 'People' }).click();
  await gus.getByRole('searchbox', { name: 'Search people' }).fill('hana');
  await gus.locator('.directory-list li', { hasText: '@hana' }).getByRole('button', { name: 'Message' }).click();
  const direct = gus.getByRole('textbox', { name: 'Message @hana' });
  await direct.fill('Can I have some?');
  await direct.press('Enter');
  await page.locator('a.room-link[data-room="gus"] .badge[data-unread="1"]').waitFor();

  // Ctrl+K, type, Enter: the room switcher.
  await page.keyboard.press('Control+k');
  await page.keyboard.type('gus');
  await page.keyboard.press('Enter');
  await message(page, 'Can I have some?').waitFor();
  check(new URL(page.url()).pathname === '/direct/gus', `a direct message's URL: ${page.url()}`);

  // Signing out ends the session on the server.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('capsule.session')));
  check(!page.url().includes(token.authToken), 'the token is not in the URL');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Capsule' }).waitFor();
  check((await page.evaluate(() => localStorage.getItem('capsule.session'))) === null, 'the browser forgot the session');
  const after = await fetch(`${base}/api/v1/me`, { headers: { 'x-auth-token': token.authToken, 'x-user-id': token.userId } });
  check(after.status === 401, `the old token is refused (${after.status})`);
  await api('GET', 'v1/me', undefined, root);
});
