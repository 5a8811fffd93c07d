// Two people chat in real time: send, edit, delete, react, reply in a
// thread, see each other type; unread counts and mention badges change
// live; screenshots of the room, the thread and the phone layout.

import { admin, api, check, message, person, scenario, screenshot, signedInPage } from './harness.mjs';

await scenario('two people chat in real time', async (browser) => {
  const root = await admin();
  const ada = await person(root, 'ada');
  const bob = await person(root, 'bob');
  await api('POST', 'v1/channels.create', { name: 'dev', members: ['ada', 'bob'] }, ada);
  await api('POST', 'v1/channels.setTopic', { roomName: 'dev', topic: 'Build talk: *releases*, reviews and CI' }, ada);

  const adaPage = await signedInPage(browser, 'ada');
  const bobPage = await signedInPage(browser, 'bob');
  await adaPage.locator('a.room-link[data-room="dev"]').click();
  await adaPage.getByRole('heading', { name: 'dev' }).waitFor();
  await adaPage.locator('.room-head .topic', { hasText: 'Build talk:' }).waitFor();

  // Bob is in #general: a message in #dev raises its unread count live.
  await bobPage.locator('a.room-link[data-room="general"]').click();
  const composer = adaPage.getByRole('textbox', { name: 'Message #dev' });
  await composer.fill('Hello Bob, the *release* is out');
  await composer.press('Enter');
  await message(adaPage, 'the release is out').waitFor();
  await bobPage.locator('a.room-link[data-room="dev"] .badge[data-unread="1"]').waitFor();
  await composer.fill('@bob could you review `main` **today**, not ~~Friday~~?');
  await composer.press('Enter');
  await bobPage.locator('a.room-link[data-room="dev"] .badge[data-unread="2"]').waitFor();
  await bobPage.locator('a.room-link[data-room="dev"] .badge-mention', { hasText: '@1' }).waitFor();

  // Bob opens the room: both messages, once each; the badge goes.
  await bobPage.locator('a.room-link[data-room="dev"]').click();
  await message(bobPage, 'the release is out').waitFor();
  check((await message(bobPage, 'the release is out').count()) === 1, 'the message is shown once');
  check((await bobPage.locator('.messages strong', { hasText: 'release' }).count()) === 1, 'markdown bold is drawn');
  await bobPage.locator('.messages strong', { hasText: 'today' }).waitFor();
  await bobPage.locator('.messages s', { hasText: 'Friday' }).waitFor();
  await bobPage.locator('a.room-link[data-room="dev"] .badge').waitFor({ state: 'detached' });

  // Typing, then a reply Ada sees live.
  const bobComposer = bobPage.getByRole('textbox', { name: 'Message #dev' });
  await bobComposer.pressSequentially('On it');
  await adaPage.getByText('bob is typing…').waitFor();
  await bobComposer.press('Enter');
  await message(adaPage, 'On it').waitFor();
  await adaPage.getByText('bob is typing…').waitFor({ state: 'detached' });

  // Ada edits her first message; Bob sees the new text and the mark.
  const first = message(adaPage, 'the release is out');
  await first.hover();
  await first.getByRole('button', { name: 'Edit' }).click();
  const editor = adaPage.getByRole('textbox', { name: 'Edit the message' });
  await editor.fill('Hello Bob, the *release* is out (v1.2)');
  await editor.press('Enter');
  await message(bobPage, '(v1.2)').getByText('(edited)').waitFor();

  // Bob reacts; Ada sees the count.
  const onBob = message(bobPage, '(v1.2)');
  await onBob.hover();
  await onBob.getByRole('button', { name: 'Add a reaction' }).click();
  await onBob.getByRole('menuitem', { name: '+1' }).click();
  await message(adaPage, '(v1.2)').locator('button.reaction', { hasText: '1' }).waitFor();

  // A thread: Ada replies, Bob sees the count and opens the thread live.
  const parent = message(adaPage, '(v1.2)');
  await parent.hover();
  await parent.getByRole('button', { name: 'Reply in a thread' }).click();
  await adaPage.getByRole('complementary', { name: 'Thread' }).waitFor();
  const reply = adaPage.getByRole('textbox', { name: 'Reply in the thread' });
  await reply.fill('Changelog: faster sync, fewer bugs');
  await reply.press('Enter');
  await message(adaPage, 'Changelog', '.thread').waitFor();
  check((await message(adaPage, 'Changelog', '.messages').count()) === 0, 'a thread reply stays out of the room list');
  await message(bobPage, '(v1.2)').getByRole('button', { name: '1 reply' }).click();
  await message(bobPage, 'Changelog', '.thread').waitFor();
  const bobReply = bobPage.getByRole('textbox', { name: 'Reply in the thread' });
  await bobReply.fill('Nice, thanks :tada:');
  await bobReply.press('Enter');
  await message(adaPage, 'Nice, thanks', '.thread').waitFor();
  await message(adaPage, '(v1.2)').getByRole('button', { name: '2 replies' }).waitFor();

  // Ada deletes a message; it goes from Bob's room.
  await composer.fill('this one was a mistake');
  await composer.press('Enter');
  await message(bobPage, 'this one was a mistake').waitFor();
  adaPage.once('dialog', (dialog) => dialog.accept());
  const mistake = message(adaPage, 'this one was a mistake');
  await mistake.hover();
  await mistake.getByRole('button', { name: 'Delete' }).click();
  await message(bobPage, 'this one was a mistake').waitFor({ state: 'detached' });

  await screenshot(adaPage, 'room');
  await screenshot(bobPage, 'thread');

  // Keyboard: the history is one Tab stop; arrows move between messages.
  const tabStops = await adaPage.locator('.messages [tabindex="0"], .messages button:not([tabindex="-1"])').count();
  check(tabStops <= 8, `the history is a few Tab stops, not one per button (${tabStops})`);
  await adaPage.locator('.messages article.message[tabindex="0"]').focus();
  const before = await adaPage.evaluate(() => document.activeElement?.getAttribute('data-id'));
  await adaPage.keyboard.press('ArrowUp');
  const after = await adaPage.evaluate(() => document.activeElement?.getAttribute('data-id'));
  check(before && after && before !== after, 'ArrowUp moves to the message before');
  check((await adaPage.locator(`.messages [data-id="${after}"]`).getAttribute('tabindex')) === '0', 'the Tab stop follows');

  // The header's member count opens who is in the room.
  await adaPage.getByRole('button', { name: 'Close the thread' }).click();
  await adaPage.getByRole('button', { name: '2 members' }).click();
  const members = adaPage.getByRole('complementary', { name: 'Members' });
  await members.getByText('@bob').waitFor();
  await members.getByText('@ada').waitFor();

  // The phone layout: the room alone, with a way back to the list.
  const phone = await signedInPage(browser, 'bob', undefined, { width: 360, height: 740 });
  await screenshot(phone, 'phone-rooms');
  await phone.locator('a.room-link[data-room="dev"]').click();
  await message(phone, '(v1.2)').waitFor();
  check(!(await phone.getByRole('navigation', { name: 'Rooms' }).isVisible()), 'the room list is hidden in a room on a phone');
  check(await phone.getByRole('link', { name: 'Back to the room list' }).isVisible(), 'a phone has a way back');
  await screenshot(phone, 'phone-room');
  const scrollWidth = await phone.evaluate(() => document.documentElement.scrollWidth);
  check(scrollWidth <= 360, `nothing overflows 360 px (page is ${scrollWidth} px wide)`);

  // Dark theme follows the system.
  await adaPage.emulateMedia({ colorScheme: 'dark' });
  await screenshot(adaPage, 'room-dark');
});
