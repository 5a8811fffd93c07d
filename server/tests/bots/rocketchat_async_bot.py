"""A bot written as rocketchat-async's README shows: start, subscribe to
the messages of every channel it is in and (with
``subscribe_to_channel_changes``) of channels it joins later, and answer
``ping bot`` with ``pong`` and a reaction.

Driven by server/tests/bot_libraries.rs, which reads the lines it prints:
READY once it listens, FOLLOWING <rid> for each channel it starts
following after that, ANSWERED <rid> when done.
"""

import asyncio
import os

from rocketchat_async import RocketChat


async def main():
    address = os.environ['CAPSULE_URL'].replace('http://', 'ws://') + '/websocket'
    rc = RocketChat()
    await rc.start(address, os.environ['BOT_USERNAME'], os.environ['BOT_PASSWORD'])
    answered = asyncio.get_running_loop().create_future()

    async def answer(channel_id, msg_id):
        await rc.send_typing_event(channel_id)
        await rc.send_message('pong', channel_id)
        await rc.send_reaction(msg_id, ':thumbsup:')
        answered.set_result(channel_id)

    def handle_message(channel_id, sender_id, msg_id, thread_id, msg, qualifier,
                       unread, repeated):
        if sender_id == rc.user_id or qualifier or repeated or msg != 'ping bot':
            return
        if not answered.done():
            asyncio.ensure_future(answer(channel_id, msg_id))

    following = set()
    for channel_id, channel_type in await rc.get_channels():
        await rc.subscribe_to_channel_messages(channel_id, handle_message)
        following.add(channel_id)

    async def follow(channel_id):
        await rc.subscribe_to_channel_messages(channel_id, handle_message)
        # One round trip, so the subscription is live before saying so.
        await rc.get_channels()
        print(f'FOLLOWING {channel_id}', flush=True)

    def handle_channel_change(channel_id, channel_type):
        if channel_id not in following:
            following.add(channel_id)
            asyncio.ensure_future(follow(channel_id))

    await rc.subscribe_to_channel_changes(handle_channel_change)
    await rc.get_channels()
    print('READY', flush=True)
    channel_id = await asyncio.wait_for(answered, 60)
    print(f'ANSWERED {channel_id}', flush=True)


asyncio.run(main())
