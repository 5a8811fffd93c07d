// axe-core in the page finds no serious or critical accessibility
// violations on the sign-in page, a room with a thread, the directory and
// the apps admin, in the light and the dark theme.

import { admin, api, base, check, message, person, scenario, seriousViolations } from './harness.mjs';

async function audit(page, where) {
  const serious = await seriousViolations(page);
  check(!serious.length, `${where}: ${serious.join('\n')}`);
}

await scenario('no serious accessibility violations', async (browser) => {
  const root = await admin();
  const lee = await person(root, 'lee');
  await api('POST', 'v1/chat.postMessage', { channel: '#general', text: 'Hello *world*, see https://example.com :tada:' }, lee);

  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ bypassCSP: true, colorScheme });
    const page = await context.newPage();
    await page.goto(`${base}/home`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await audit(page, `sign-in (${colorScheme})`);
    await page.getByLabel('Username or e-mail').fill(process.env.CAPSULE_ADMIN);
    await page.getByLabel('Password').fill(process.env.CAPSULE_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('a.room-link[data-room="general"]').click();
    const hello = message(page, 'Hello world');
    await hello.waitFor();
    await hello.hover();
    await hello.getByRole('button', { name: 'Reply in a thread' }).click();
    await page.getByRole('complementary', { name: 'Thread' }).waitFor();
    await audit(page, `room with a thread (${colorScheme})`);
    await page.goto(`${base}/directory`);
    await page.getByRole('tab', { name: 'Channels' }).waitFor();
    await audit(page, `directory (${colorScheme})`);
    await page.goto(`${base}/admin/apps`);
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await audit(page, `apps admin (${colorScheme})`);
    await context.close();
  }
});
