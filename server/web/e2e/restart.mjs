// The client recovers by itself after the server restarts: it
// reconnects, resumes its session, and shows every message once,
// including one sent before it reconnected.

import { admin, api, check, message, person, restartServer, scenario, signedInPage } from './harness.mjs';

await scenario('the client recovers after a server restart', async (browser) => {
  const root = await admin();
  const cy = await person(root, 'cy');
  await person(root, 'dee');
  const page = await signedInPage(browser, 'dee');
  await page.locator('a.room-link[data-room="general"]').click();
  await api('POST', 'v1/chat.postMessage', { channel: '#general', text: 'before the restart' }, cy);
  await message(page, 'before the restart').waitFor();

  await restartServer();
  // Sent as soon as the server is back, while the page may still be reconnecting.
  const again = await login(cy);
  await api('POST', 'v1/chat.postMessage', { channel: '#general', text: 'while you were away' }, again);
  await message(page, 'while you were away').waitFor({ timeout: 20_000 });
  await page.getByText('Reconnecting…').waitFor({ state: 'detached' });
  await api('POST', 'v1/chat.postMessage', { channel: '#general', text: 'after the restart' }, again);
  await message(page, 'after the restart').waitFor();

  for (const text of ['before the restart', 'while you were away', 'after the restart']) {
    check((await message(page, text).count()) === 1, `"${text}" is shown exactly once`);
  }
  // The page still sends: the session was resumed, not lost.
  const composer = page.getByRole('textbox', { name: 'Message #general' });
  await composer.fill('back again');
  await composer.press('Enter');
  await message(page, 'back again').waitFor();
  check((await message(page, 'back again').count()) === 1, 'the sent message is shown once');
});

async function login(session) {
  const answer = await api('POST', 'v1/login', { user: session.username, password: `${session.username}-password` });
  return { userId: answer.data.userId, authToken: answer.data.authToken };
}
