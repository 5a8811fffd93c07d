// An admin installs a signed app from the browser: uploads the bundle,
// reads who signed it and what it asks for in plain words, grants and
// installs it; the app then changes a message; its setting changes live;
// disabling it shows its status and messages go through unchanged.

import { readFileSync } from 'node:fs';
import { base, check, message, scenario, screenshot, signedInPage } from './harness.mjs';

await scenario('an admin installs, configures and disables a signed app', async (browser) => {
  const page = await signedInPage(browser, process.env.CAPSULE_ADMIN, process.env.CAPSULE_ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('heading', { name: 'Installed apps' }).waitFor();
  await page.getByText('No apps are installed.').waitFor();

  // Drop the bundle on the upload area, as a person drags a file there.
  const bytes = [...readFileSync(process.env.CAPSULE_APP_PACKAGE)];
  const drop = await page.evaluateHandle((data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(data)], 'modifier.zip', { type: 'application/zip' }));
    return transfer;
  }, bytes);
  await page.locator('.dropzone').first().dispatchEvent('drop', { dataTransfer: drop });

  const review = page.getByRole('region', { name: 'Install Modifier 0.1.0' });
  await review.waitFor();
  await review.getByText('Capsule test suite').waitFor();
  await review.getByText('a key this server trusts').waitFor();
  await review.getByText('Read its own settings, including secrets you enter').waitFor();
  await review.getByText('pre-send-modify').waitFor();
  await screenshot(page, 'apps-review');
  await review.getByRole('button', { name: 'Grant and install' }).click();
  await page.locator('tr[data-app="modifier"] .status', { hasText: 'enabled' }).waitFor();

  // The app changes the next message.
  const chat = await page.context().newPage();
  await chat.goto(`${base}/channel/general`);
  const composer = chat.getByRole('textbox', { name: 'Message #general' });
  await composer.fill('hello apps');
  await composer.press('Enter');
  await message(chat, 'hello apps [mod]').waitFor();

  // Its typed setting, from the manifest, applies to the next message.
  const detail = page.getByRole('region', { name: 'App Modifier' });
  await detail.getByLabel('Tag').fill('web');
  await detail.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved').waitFor();
  await composer.fill('hello again');
  await composer.press('Enter');
  await message(chat, 'hello again [web]').waitFor();
  await screenshot(page, 'apps-admin');

  // Disabled: its status says so, and messages go through as written.
  await detail.getByRole('button', { name: 'Disable' }).click();
  await page.locator('tr[data-app="modifier"] .status', { hasText: 'disabled' }).waitFor();
  await composer.fill('plain text');
  await composer.press('Enter');
  await message(chat, 'plain text').waitFor();
  check(!(await message(chat, 'plain text').innerText()).includes('[web]'), 'a disabled app changes nothing');

  // The audit log shows who did it.
  await page.getByRole('region', { name: 'Audit log' }).getByText('admin').first().waitFor();
});
