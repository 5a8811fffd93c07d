// A bot written as @rocket.chat/sdk's README shows (the engine of
// hubot-rocketchat): connect, log in, join a room by name, listen to all
// the bot's rooms at once, and answer `ping bot` with `pong` and a
// reaction. Driven by server/tests/bot_libraries.rs, which reads the
// lines it prints: READY once it listens, ANSWERED <details> when done.
const { driver } = require('@rocket.chat/sdk');

const host = process.env.CAPSULE_URL.replace(/^http:\/\//, '');
const username = process.env.BOT_USERNAME;
const password = process.env.BOT_PASSWORD;
const room = process.env.BOT_ROOM;

let myUserId;

async function processMessages(err, message, messageOptions) {
  if (err) {
    console.error('stream error', err);
    process.exit(2);
  }
  if (message.u._id === myUserId || message.msg !== 'ping bot') return;
  const roomName = await driver.getRoomName(message.rid);
  await driver.sendToRoom('pong', roomName);
  await driver.setReaction(':thumbsup:', message._id);
  console.log('ANSWERED ' + JSON.stringify({ rid: message.rid, roomName, meta: messageOptions }));
  await driver.disconnect();
  process.exit(0);
}

async function main() {
  await driver.connect({ host, useSsl: false, timeout: 20000 });
  myUserId = await driver.login({ username, password });
  await driver.joinRooms([room]);
  await driver.subscribeToMessages();
  await driver.reactToMessages(processMessages);
  await driver.sendToRoom('hello from the bot', room);
  console.log('READY');
}

main().catch((error) => {
  console.error('the bot failed:', error && (error.stack || JSON.stringify(error)));
  process.exit(1);
});
