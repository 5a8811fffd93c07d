// Apps in the composer and on messages: slash commands complete from the
// installed apps' manifests, a command's previews are offered and picked,
// answers only the caller sees are marked so, and an app's message
// buttons reach the app, which edits its message for everyone; an app's
// veto is shown to the sender in the app's words.

import { admin, check, message, person, scenario, screenshot, signedInPage } from './harness.mjs';

await scenario('slash commands, previews and app buttons', async (browser) => {
  const root = await admin();
  await person(root, 'ivy');
  await person(root, 'jon');
  const page = await signedInPage(browser, 'ivy');
  const other = await signedInPage(browser, 'jon');
  await page.locator('a.room-link[data-room="general"]').click();
  await other.locator('a.room-link[data-room="general"]').click();
  const composer = page.getByRole('textbox', { name: 'Message #general' });

  // Autocomplete from commands.list, completed with Tab.
  await composer.fill('/ec');
  const suggestions = page.getByRole('listbox', { name: 'Suggestions' });
  await suggestions.getByRole('option', { name: /\/echo/ }).waitFor();
  await suggestions.getByText('Answers its arguments').waitFor();
  await composer.press('Tab');
  check((await composer.inputValue()) === '/echo ', `Tab completes the command: ${await composer.inputValue()}`);
  await composer.pressSequentially('just for me');
  await composer.press('Enter');
  const answer = message(page, 'just for me');
  await answer.getByText('Only you can see this message.').waitFor();
  await page.waitForTimeout(300);
  check((await message(other, 'just for me').count()) === 0, 'nobody else sees a private answer');

  // A command with previews: pick one.
  await composer.fill('/pick tea coffee');
  const previews = page.getByRole('list', { name: 'Command previews' });
  await previews.getByRole('button', { name: 'coffee' }).click();
  await message(page, 'picked coffee').getByText('Only you can see this message.').waitFor();

  // An app's veto is shown in its own words, and the text stays to be fixed.
  await composer.fill('this word is forbidden here');
  await composer.press('Enter');
  const alert = page.getByRole('alert');
  await alert.getByText('prevented this message: contains a forbidden word: forbidden').waitFor();
  check((await alert.innerText()).includes('veto'), `the notice names the app: ${await alert.innerText()}`);
  check((await composer.inputValue()) === 'this word is forbidden here', 'the refused text is kept in the composer');
  await composer.fill('');

  // An app's buttons: the press reaches the app, which edits its message for everyone.
  await composer.fill('/poll Lunch at noon?');
  await composer.press('Enter');
  const poll = message(other, 'Lunch at noon?');
  await poll.getByRole('button', { name: 'edit' }).waitFor();
  await screenshot(other, 'app-buttons');
  await poll.getByRole('button', { name: 'edit' }).click();
  await message(page, 'edited by jon').waitFor();
  await message(other, 'pressed edit').getByText('Only you can see this message.').waitFor();
});
