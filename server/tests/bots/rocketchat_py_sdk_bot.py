"""A bot written as rocketchat-py-sdk's README and example show: a
``Driver`` that connects, logs in, subscribes to the user's messages in
all rooms (``subscribe_to_messages``) and answers messages starting with
``ping`` through a prefix handler, with ``pong`` and a reaction.

Driven by server/tests/bot_libraries.rs, which reads the lines it prints:
READY once it listens, ANSWERED <rid> when done.

Unlike the README's example, the bot waits for the driver's ``connected``
event before it logs in. ``Driver.connect()`` returns before the DDP
``connect`` frame is sent (ws4py sends it from its own thread), so an
immediate ``login`` can reach the server first, and a DDP server (Meteor's
as well as Capsule's) answers a method before ``connect`` with the error
``Must connect first``, which the driver drops: the login never finishes.
"""

import os
import sys
import threading

from rocketchat_py_sdk import driver

answered = threading.Event()
failed = []
# The stream carries every change to a message too (the bot's own
# reaction comes back as one), and the driver hands each to the handler.
handled = set()


def handle_ping(bot, message):
    if message.get('msg') != 'ping bot' or message['_id'] in handled:
        return
    handled.add(message['_id'])

    def reacted(error, result):
        if error:
            failed.append(error)
        print(f"ANSWERED {message['rid']}", flush=True)
        answered.set()

    # Methods run in the order they are sent, so the reaction's answer
    # comes after the message's.
    bot.send_message(message['rid'], 'pong')
    bot.call('setReaction', [':thumbsup:', message['_id']], reacted)


def main():
    host = os.environ['CAPSULE_URL'].replace('http://', '')
    bot = driver.Driver(url=host, ssl=False)
    logged_in = threading.Event()
    connected = threading.Event()

    def on_login(error, data):
        if error:
            failed.append(error)
        logged_in.set()

    bot.on('connected', connected.set)
    bot.connect()
    if not connected.wait(30):
        sys.exit('no DDP connection')
    bot.login(os.environ['BOT_USERNAME'], os.environ['BOT_PASSWORD'], callback=on_login)
    if not logged_in.wait(30) or failed:
        sys.exit(f'login failed: {failed}')
    bot.add_prefix_handler('ping', handle_ping)
    subscribed = threading.Event()

    def on_subscribe(error):
        if error:
            failed.append(error)
        subscribed.set()

    # What `subscribe_to_messages()` does, with a callback to learn when
    # the subscription is ready.
    bot.subscribe('stream-room-messages', ['__my_messages__', False], on_subscribe)
    if not subscribed.wait(30) or failed:
        sys.exit(f'subscription failed: {failed}')
    print('READY', flush=True)
    if not answered.wait(60) or failed:
        sys.exit(f'no answer: {failed}')
    bot.close()


main()
