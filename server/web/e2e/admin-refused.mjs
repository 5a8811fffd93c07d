// The admin pages are for admins: a person who is not one is refused and
// never sees the way in; an admin sees the installed apps.

import { base, check, person, admin, scenario, signedInPage } from './harness.mjs';

await scenario('the admin pages refuse a non-admin', async (browser) => {
  const root = await admin();
  await person(root, 'fay');
  const page = await signedInPage(browser, 'fay');
  check((await page.getByRole('link', { name: 'Administration' }).count()) === 0, 'no admin link for a non-admin');
  await page.goto(`${base}/admin/apps`);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  check((await page.getByText('Installed apps').count()) === 0, 'nothing of the apps is shown');

  const adminPage = await signedInPage(browser, process.env.CAPSULE_ADMIN, process.env.CAPSULE_ADMIN_PASSWORD);
  await adminPage.getByRole('link', { name: 'Administration' }).click();
  await adminPage.getByRole('heading', { name: 'Installed apps' }).waitFor();
});
