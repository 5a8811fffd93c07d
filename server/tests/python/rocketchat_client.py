"""A bot written against the PyPI `rocketchat-API` library, run against Capsule.

It does what a real bot does -- register, sign in, create rooms, post,
edit, react, read history, page through lists -- through the library's own
methods, and checks every answer's shape as Rocket.Chat would give it.

Environment: CAPSULE_URL (e.g. http://127.0.0.1:PORT), CAPSULE_ADMIN_USERNAME,
CAPSULE_ADMIN_PASSWORD. Exits 0 when every check passed; otherwise prints
which endpoints failed and exits 1.

Every step runs even when an earlier one failed (steps whose input is
missing are reported as skipped), so one run names every endpoint that is
missing or answers differently from Rocket.Chat.
"""

import os
import sys
import traceback
import uuid

from rocketchat_API.APIExceptions.RocketExceptions import (
    RocketApiException,
    RocketBadStatusCodeException,
)
from rocketchat_API.rocketchat import RocketChat

URL = os.environ["CAPSULE_URL"]
ADMIN = os.environ["CAPSULE_ADMIN_USERNAME"]
ADMIN_PASSWORD = os.environ["CAPSULE_ADMIN_PASSWORD"]

SUFFIX = uuid.uuid4().hex[:8]
BOT = f"bot-{SUFFIX}"
FRIEND = f"friend-{SUFFIX}"
PASSWORD = "bot-password-1"
CHANNEL = f"bot-channel-{SUFFIX}"
GROUP = f"bot-group-{SUFFIX}"


class Skipped(Exception):
    """A step whose input an earlier failed step should have produced."""


def body(answer):
    """The JSON of an answer: rocketchat-API 3.x returns it already decoded;
    older versions returned a `requests.Response`."""
    if hasattr(answer, "json") and callable(answer.json):
        return answer.json()
    return answer


def succeeded(answer, *keys):
    """Asserts `success: true` and the keys; returns the decoded answer."""
    data = body(answer)
    assert isinstance(data, dict), f"expected a JSON object, got {data!r}"
    assert data.get("success") is True, f"expected success: true, got {data}"
    for key in keys:
        assert key in data, f"expected a `{key}` key, got {data}"
    return data


def listing(data, key):
    """Asserts the count/offset/total shape of a Rocket.Chat list answer."""
    items = data[key]
    assert isinstance(items, list), f"`{key}` is not a list: {data}"
    for field in ("count", "offset", "total"):
        assert isinstance(data.get(field), int), f"expected an integer `{field}`, got {data}"
    assert data["count"] == len(items), f"`count` is {data['count']} for {len(items)} {key}"
    return items


class Bot:
    def __init__(self):
        self.state = {}
        self.results = []

    def need(self, *names):
        """The values earlier steps stored, or Skipped."""
        missing = [name for name in names if name not in self.state]
        if missing:
            raise Skipped(f"needs {', '.join(missing)} from an earlier step")
        return [self.state[name] for name in names]

    def step(self, endpoint, check):
        try:
            check()
        except Skipped as why:
            self.results.append((endpoint, "skipped", str(why)))
            print(f"SKIP {endpoint}: {why}", flush=True)
        except Exception as error:  # noqa: BLE001 - report every failure
            detail = f"{type(error).__name__}: {error}"
            if not isinstance(error, (AssertionError, RocketApiException)):
                detail += "\n" + traceback.format_exc()
            self.results.append((endpoint, "failed", detail))
            print(f"FAIL {endpoint}: {detail}", flush=True)
        else:
            self.results.append((endpoint, "ok", ""))
            print(f"ok   {endpoint}", flush=True)

    # --- the steps -------------------------------------------------------

    def server_info(self):
        data = body(RocketChat(server_url=URL).info())
        assert isinstance(data.get("version"), str), f"expected a version, got {data}"

    def register(self):
        anonymous = RocketChat(server_url=URL)
        for username, key in ((BOT, "bot_id"), (FRIEND, "friend_id")):
            data = succeeded(
                anonymous.users_register(
                    email=f"{username}@example.com", name=username.title(), password=PASSWORD, username=username
                ),
                "user",
            )
            user = data["user"]
            assert user["username"] == username, f"registered {user}"
            assert isinstance(user.get("_id"), str) and user["_id"], f"no _id in {user}"
            self.state[key] = user["_id"]

    def log_in(self):
        self.state["bot"] = RocketChat(BOT, PASSWORD, server_url=URL)
        self.state["friend"] = RocketChat(FRIEND, PASSWORD, server_url=URL)
        self.state["admin"] = RocketChat(ADMIN, ADMIN_PASSWORD, server_url=URL)

    def me(self):
        bot, bot_id = self.need("bot", "bot_id")
        data = succeeded(bot.me(), "_id", "username")
        assert data["_id"] == bot_id, f"me is {data['_id']}, registered {bot_id}"
        assert data["username"] == BOT
        assert "user" in data.get("roles", []), f"a registered user has the `user` role: {data}"

    def create_channel(self):
        (bot,) = self.need("bot")
        channel = succeeded(bot.channels_create(CHANNEL), "channel")["channel"]
        assert channel["name"] == CHANNEL and channel["t"] == "c", f"created {channel}"
        self.state["channel_id"] = channel["_id"]

    def create_group(self):
        (bot,) = self.need("bot")
        group = succeeded(bot.groups_create(GROUP), "group")["group"]
        assert group["name"] == GROUP and group["t"] == "p", f"created {group}"
        self.state["group_id"] = group["_id"]

    def post(self):
        bot, channel_id = self.need("bot", "channel_id")
        data = succeeded(bot.chat_post_message("hello from the bot", room_id=channel_id), "ts", "message")
        message = data["message"]
        assert message["msg"] == "hello from the bot", message
        assert message["rid"] == channel_id, message
        assert message["u"]["username"] == BOT, message
        self.state["message_id"] = message["_id"]
        # By name, as bots configured with a channel name do.
        named = succeeded(bot.chat_post_message("hello by name", channel=f"#{CHANNEL}"), "message")
        assert named["message"]["rid"] == channel_id, named

    def edit(self):
        bot, channel_id, message_id = self.need("bot", "channel_id", "message_id")
        data = succeeded(bot.chat_update(channel_id, message_id, "hello, edited"), "message")
        message = data["message"]
        assert message["_id"] == message_id and message["msg"] == "hello, edited", message
        assert "editedAt" in message and message["editedBy"]["username"] == BOT, message

    def react(self):
        bot, message_id = self.need("bot", "message_id")
        succeeded(bot.chat_react(message_id, emoji="smile"))

    def channel_history(self):
        bot, message_id = self.need("bot", "message_id")
        (channel_id,) = self.need("channel_id")
        messages = list(bot.channels_history(channel_id, count=1))
        by_id = {m["_id"]: m for m in messages}
        assert message_id in by_id, f"the posted message is not in the history: {messages}"
        texts = [m["msg"] for m in messages if "t" not in m]
        assert texts[:2] == ["hello by name", "hello, edited"], f"newest first: {texts}"
        message = by_id[message_id]
        assert message["msg"] == "hello, edited", message
        reactions = message.get("reactions", {})
        assert BOT in reactions.get(":smile:", {}).get("usernames", []), f"reactions: {reactions}"

    def group_post_and_history(self):
        bot, group_id = self.need("bot", "group_id")
        posted = succeeded(bot.chat_post_message("a secret", room_id=group_id), "message")["message"]
        messages = list(bot.groups_history(group_id))
        assert posted["_id"] in {m["_id"] for m in messages}, f"not in groups.history: {messages}"

    def channels_list(self):
        (bot,) = self.need("bot")
        first = succeeded(bot.call_api_get("channels.list", offset=0, count=1), "channels")
        assert len(listing(first, "channels")) == 1 and first["offset"] == 0, first
        assert first["total"] >= 2, f"general and the bot's channel: {first}"
        second = succeeded(bot.call_api_get("channels.list", offset=1, count=1), "channels")
        assert second["offset"] == 1 and len(listing(second, "channels")) == 1, second
        assert second["channels"][0]["_id"] != first["channels"][0]["_id"], "offset 1 is another channel"
        # The library's own paging (offset/count until a short page).
        names = [c["name"] for c in bot.channels_list(count=1)]
        assert len(names) == first["total"], f"paged {names}, total {first['total']}"
        assert CHANNEL in names and "general" in names, names
        assert GROUP not in names, f"a private group is no channel: {names}"

    def users_list(self):
        (admin,) = self.need("admin")
        page = succeeded(admin.call_api_get("users.list", offset=0, count=2), "users")
        assert len(listing(page, "users")) <= 2, page
        usernames = [u["username"] for u in admin.users_list(count=2)]
        assert len(usernames) == page["total"], f"paged {usernames}, total {page['total']}"
        assert {ADMIN, BOT, FRIEND} <= set(usernames), usernames

    def channel_info(self):
        bot, channel_id = self.need("bot", "channel_id")
        by_id = succeeded(bot.channels_info(room_id=channel_id), "channel")["channel"]
        assert by_id["_id"] == channel_id and by_id["name"] == CHANNEL, by_id
        by_name = succeeded(bot.channels_info(channel=CHANNEL), "channel")["channel"]
        assert by_name["_id"] == channel_id, by_name
        try:
            bot.channels_info(room_id="no-such-room")
        except RocketApiException as error:
            assert error.status_code == 400, f"a missing channel is 400, got {error.status_code}"
            assert error.error_type == "error-room-not-found", error.response_json
        else:
            raise AssertionError("channels.info of a missing room succeeded")

    def invite_to_group(self):
        bot, friend, group_id, friend_id = self.need("bot", "friend", "group_id", "friend_id")
        try:
            friend.groups_history(group_id)
        except (RocketApiException, RocketBadStatusCodeException) as error:
            assert 400 <= error.status_code < 500, f"a refusal, not {error.status_code}"
        else:
            raise AssertionError("a non-member read the private group's history")
        group = succeeded(bot.groups_invite(group_id, friend_id), "group")["group"]
        assert group["_id"] == group_id, group
        texts = [m["msg"] for m in friend.groups_history(group_id)]
        assert "a secret" in texts, f"the invited member reads the group: {texts}"

    def log_out(self):
        (bot,) = self.need("bot")
        data = body(bot.logout())
        assert data.get("status") == "success", data
        # Rocket.Chat answers 401 with `status: error` and no `success`
        # key, which the library raises as a bad status; either will do.
        try:
            bot.me()
        except (RocketApiException, RocketBadStatusCodeException) as error:
            assert error.status_code == 401, error.status_code
        else:
            raise AssertionError("me answered after logout")


def main():
    bot = Bot()
    bot.step("GET /api/info", bot.server_info)
    bot.step("POST users.register", bot.register)
    bot.step("POST login", bot.log_in)
    bot.step("GET me", bot.me)
    bot.step("POST channels.create", bot.create_channel)
    bot.step("POST groups.create", bot.create_group)
    bot.step("POST chat.postMessage", bot.post)
    bot.step("POST chat.update", bot.edit)
    bot.step("POST chat.react", bot.react)
    bot.step("GET channels.history", bot.channel_history)
    bot.step("GET groups.history", bot.group_post_and_history)
    bot.step("GET channels.list", bot.channels_list)
    bot.step("GET users.list", bot.users_list)
    bot.step("GET channels.info", bot.channel_info)
    bot.step("POST groups.invite", bot.invite_to_group)
    bot.step("POST logout", bot.log_out)

    bad = [(endpoint, outcome) for endpoint, outcome, _ in bot.results if outcome != "ok"]
    print()
    print(f"{len(bot.results) - len(bad)} of {len(bot.results)} steps passed")
    for endpoint, outcome in bad:
        print(f"  {outcome}: {endpoint}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
