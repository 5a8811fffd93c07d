// The example apps of apps-examples/ from the composer: `/hello` (hello)
// completes with its description, runs and answers privately; `/poll`
// (polls) shows its usage and description as it is typed, posts a poll
// whose buttons count votes, live for everyone, one vote per person.

import { admin, check, message, person, scenario, screenshot, signedInPage } from './harness.mjs';

await scenario('the example apps hello and polls in the browser', async (browser) => {
  const root = await admin();
  await person(root, 'ivy');
  await person(root, 'jon');
  const ivy = await signedInPage(browser, 'ivy');
  const jon = await signedInPage(browser, 'jon');
  await ivy.locator('a.room-link[data-room="general"]').click();
  await jon.locator('a.room-link[data-room="general"]').click();
  const composer = ivy.getByRole('textbox', { name: 'Message #general' });
  const suggestions = ivy.getByRole('listbox', { name: 'Suggestions' });

  // hello: completed from its manifest, answered to the caller only.
  await composer.fill('/hel');
  await suggestions.getByRole('option', { name: /\/hello/ }).getByText('Greets you').waitFor();
  await composer.press('Tab');
  check((await composer.inputValue()) === '/hello ', `Tab completes the command: ${await composer.inputValue()}`);
  await composer.pressSequentially('world');
  await composer.press('Enter');
  await message(ivy, 'Hello, world!').getByText('Only you can see this message.').waitFor();
  // hello's pre-send hook, in the same app: :wave: becomes 👋 for everyone.
  await composer.fill('bye :wave:');
  await composer.press('Enter');
  await message(jon, 'bye 👋').waitFor();
  check((await message(jon, 'Hello, world!').count()) === 0, 'nobody else sees the private answer');

  // polls: the preview of the command (its usage and description) as it is typed.
  await composer.fill('/po');
  const poll = suggestions.getByRole('option', { name: /\/poll/ });
  await poll.getByText('Ask the room a question with 2 to 10 options').waitFor();
  check((await poll.innerText()).includes('"Question?" "Option A" "Option B"'), `the usage is shown: ${await poll.innerText()}`);
  await composer.fill('/poll "Where do we eat?" Pizza "Sushi bar"');
  await composer.press('Enter');

  const tally = (page) => message(page, '📊 Where do we eat?').locator('.attachment');
  const showsTally = async (lines) => {
    for (const page of [ivy, jon]) {
      for (const line of lines) await tally(page).filter({ hasText: line }).waitFor();
    }
  };
  await showsTally(['Pizza — 0 votes', 'Sushi bar — 0 votes', '0 votes · asked by @ivy']);

  // Each press is one person's vote, answered privately and counted for everyone.
  await tally(ivy).getByRole('button', { name: 'Pizza' }).click();
  await message(ivy, 'You voted for Pizza.').getByText('Only you can see this message.').waitFor();
  await showsTally(['Pizza — 1 vote', '1 vote · asked by @ivy']);
  await tally(jon).getByRole('button', { name: 'Sushi bar' }).click();
  await message(jon, 'You voted for Sushi bar.').waitFor();
  await showsTally(['Pizza — 1 vote', 'Sushi bar — 1 vote', '2 votes · asked by @ivy']);
  check((await message(ivy, 'You voted for Sushi bar.').count()) === 0, "jon's answer is his alone");

  // A changed vote moves; it is still one vote.
  await tally(ivy).getByRole('button', { name: 'Sushi bar' }).click();
  await message(ivy, 'You moved your vote from Pizza to Sushi bar.').waitFor();
  await showsTally(['Pizza — 0 votes', 'Sushi bar — 2 votes', '2 votes · asked by @ivy']);
  await screenshot(jon, 'example-poll');
});
