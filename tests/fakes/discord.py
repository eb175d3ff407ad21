"""A fake Discord: REST API and gateway on 127.0.0.1, for the real discord.py client.

It speaks the gateway (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME) and the REST
routes the bot uses, built from the real payloads in tests/data. It records what the bot sent:
`fake.messages_in(channel)`, `fake.reactions`, `fake.interaction_replies`, `fake.commands`,
`fake.modals`. Tests drive it with `await fake.send_command(...)`, `await fake.send_reaction(...)`,
`await fake.click_button(...)` (a message-component interaction, type 3) and
`await fake.submit_modal(...)` (a modal-submit interaction, type 5).

Point discord.py at it with `discord.http.Route.BASE = fake.api_url` and
`DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)` (the adapter does that from
`settings.discord.api_base_url` / `gateway_url`).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from tests.fakes import FakeClock
from tests.fakes.local import serve_locally

DATA = Path(__file__).resolve().parents[1] / "data"
BOT_ID = "1030118727418646629"  # the bot user (and application) of the READY capture
GUILD_ID = "967500967257968680"  # the guild of the GUILD_CREATE capture
MEMBER_ID = "232163710506893312"  # the member of the INTERACTION_CREATE capture
DISCORD_EPOCH_MS = 1_420_070_400_000
NONCE_WINDOW = timedelta(minutes=2)
"""Discord checks an enforced nonce "in the past few minutes" only."""
HISTORY_MAX = 100


def snowflake(at: datetime, increment: int) -> int:
    """A Discord id made at `at` (milliseconds since 2015 in the top bits)."""
    ms = int(at.timestamp() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (increment & 0xFFF)


def snowflake_time(message_id: str) -> datetime:
    return datetime.fromtimestamp(((int(message_id) >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@dataclass
class SentMessage:
    channel: str
    id: str
    payload: dict[str, Any]
    edits: list[dict[str, Any]] = field(default_factory=list)
    author: str = BOT_ID

    @property
    def embeds(self) -> list[dict[str, Any]]:
        latest = self.edits[-1] if self.edits else self.payload
        return list(latest.get("embeds", []))


class FakeDiscord:
    """A fake Discord REST API and gateway; `await start()`, then point discord.py at it."""

    def __init__(
        self,
        heartbeat_ms: int = 41_250,
        roles: tuple[str, ...] = (),
        clock: FakeClock | None = None,
    ) -> None:
        self.heartbeat_ms = heartbeat_ms
        """Discord's own interval (the HELLO capture): discord.py heartbeats once at HELLO, and its
        heartbeat thread does not wake during a test to find the test's event loop closed."""
        self.clock = clock or FakeClock()
        """Message ids (snowflakes), timestamps and the nonce window follow this clock."""
        self.refuse = False
        """When True, every REST call and gateway connection is refused (503): Discord is down."""
        self.fail_posts = 0
        """The next message posts lose their connection before reaching the channel."""
        self.bad_token = False
        """When True, logging in is answered 401 (a rejected token)."""
        self.identifies = 0
        self.roles = roles
        """Role ids added to the guild, so members can hold them (maintainer roles)."""
        self.messages: list[SentMessage] = []
        self.reactions: list[tuple[str, str, str]] = []
        self.interaction_replies: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.heartbeats = 0
        self.resumes = 0
        self.identified = asyncio.Event()
        self.user_reactions: dict[str, list[tuple[str, str]]] = {}
        """message id → (emoji, user id) of the people's reactions on it."""
        self.members: dict[str, list[str]] = {}
        """user id → role ids of the members who reacted (GET guild member answers with them)."""
        self.query: dict[str, str] = {}
        self.rate_limits: list[float] = []
        """Retry-After values: the next message posts are answered 429 with these, in order."""
        self.hold_posts: asyncio.Event | None = None
        """When set to an unset Event, a message post is recorded, then its answer waits for it."""
        self._ids = itertools.count(1)
        self._last_id = 0
        self._seq = itertools.count(2)
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---------------------------------------------------------------- life

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        self._runner, self.port = await serve_locally(app)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---------------------------------------------------------------- what the bot sent

    def messages_in(self, channel: str) -> list[SentMessage]:
        return [m for m in self.messages if m.channel == channel and m.author == BOT_ID]

    def new_id(self) -> str:
        """A real snowflake made now by the fake's clock (ids grow with time)."""
        self._last_id = max(snowflake(self.clock.now(), next(self._ids)), self._last_id + 1)
        return str(self._last_id)

    def post_as_someone(self, channel: str, text: str) -> SentMessage:
        """A person's message in `channel` (history shows it; it is not the bot's)."""
        message = SentMessage(channel, self.new_id(), {"content": text}, author=MEMBER_ID)
        self.messages.append(message)
        return message

    # ---------------------------------------------------------------- driving the bot

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "the bot is not connected"
        await self._ws.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def send_command(
        self,
        subcommand: str,
        options: dict[str, Any],
        channel: str = "637477278476927006",
        kind: int = 2,
    ) -> str:
        """An INTERACTION_CREATE for `/vad <subcommand>` (shape of the kulibot capture)."""
        event = load("gateway_INTERACTION_CREATE_chat_input_subcommand_with_options.kulibot.json")
        data = event["d"]
        token = f"token-{self.new_id()}"
        data.update(id=self.new_id(), token=token, application_id=BOT_ID, guild_id=GUILD_ID)
        data["channel_id"] = channel
        data["type"] = kind
        # fields of the current API that the 2021 capture predates
        data.update(attachment_size_limit=10_485_760, app_permissions="85056", locale="en-US")
        data.update(context=0, authorizing_integration_owners={"0": GUILD_ID})
        data["member"]["flags"] = 0
        data["data"] = {
            "id": self.commands[0]["id"] if self.commands else self.new_id(),
            "name": "vad",
            "type": 1,
            "options": [
                {
                    "type": 1,
                    "name": subcommand,
                    "options": [
                        {
                            "name": k,
                            "type": 5 if isinstance(v, bool) else 3,
                            "value": v,
                            **({"focused": True} if kind == 4 else {}),
                        }
                        for k, v in options.items()
                    ],
                }
            ],
        }
        if self.commands and "guild_id" in self.commands[0]:
            data["data"]["guild_id"] = self.commands[0]["guild_id"]  # a guild command says so
        await self.dispatch("INTERACTION_CREATE", data)
        return token

    def _interaction(self, kind: int, channel: str, user_id: str, roles: tuple[str, ...]) -> Any:
        """An INTERACTION_CREATE body of `kind` by a member holding `roles`."""
        data = load("gateway_INTERACTION_CREATE_chat_input_subcommand_with_options.kulibot.json")
        data = data["d"]
        data.update(id=self.new_id(), token=f"token-{self.new_id()}", application_id=BOT_ID)
        data.update(guild_id=GUILD_ID, channel_id=channel, type=kind, locale="en-US")
        data.update(attachment_size_limit=10_485_760, app_permissions="85056", context=0)
        data["authorizing_integration_owners"] = {"0": GUILD_ID}
        data["member"].update(flags=0, roles=list(roles))
        data["member"]["user"]["id"] = user_id
        return data

    async def click_button(
        self,
        message: SentMessage,
        custom_id: str,
        user_id: str = MEMBER_ID,
        roles: tuple[str, ...] = (),
    ) -> str:
        """A member clicks a button of a posted message (a message-component interaction)."""
        data = self._interaction(3, message.channel, user_id, roles)
        latest = message.edits[-1] if message.edits else message.payload
        data["message"] = self._message(message.channel, message.id, latest)
        data["message"]["components"] = latest.get("components") or []
        data["data"] = {"custom_id": custom_id, "component_type": 2}
        await self.dispatch("INTERACTION_CREATE", data)
        return str(data["token"])

    @property
    def modals(self) -> list[dict[str, Any]]:
        """The modals the bot opened (interaction callbacks of type 9), oldest first."""
        return [r["data"] for r in self.interaction_replies if r.get("type") == 9]

    async def submit_modal(
        self,
        modal: dict[str, Any],
        values: dict[str, str],
        user_id: str = MEMBER_ID,
        roles: tuple[str, ...] = (),
        channel: str = "637477278476927006",
    ) -> str:
        """A member submits a modal the bot opened, its text inputs holding `values`."""
        data = self._interaction(5, channel, user_id, roles)
        rows = []
        for row in modal["components"]:
            inputs = row["components"] if row["type"] == 1 else [row.get("component", row)]
            for item in inputs:
                value = values.get(item["custom_id"], "")
                text = {"type": 4, "custom_id": item["custom_id"], "value": value}
                rows.append({"type": 1, "components": [text]})
        data["data"] = {"custom_id": modal["custom_id"], "components": rows}
        await self.dispatch("INTERACTION_CREATE", data)
        return str(data["token"])

    async def send_autocomplete(self, subcommand: str, option: str, typed: str) -> str:
        """An autocomplete INTERACTION_CREATE (type 4) while `option` holds `typed`."""
        token = await self.send_command(subcommand, {option: typed}, kind=4)
        return token

    async def send_reaction(
        self,
        channel: str,
        message_id: str,
        emoji: str,
        user_id: str = MEMBER_ID,
        added: bool = True,
        roles: tuple[str, ...] = (),
        guild: str = GUILD_ID,
    ) -> None:
        """A MESSAGE_REACTION_ADD/REMOVE (shape of the serenity captures, plus `member`)."""
        self.react_offline(message_id, emoji, user_id, added, roles)
        name = "ADD" if added else "REMOVE"
        data = load(f"gateway_MESSAGE_REACTION_{name}_3_d_only.serenity.json")
        data.update(user_id=user_id, message_id=message_id, channel_id=channel, guild_id=guild)
        data["emoji"] = {"name": emoji, "id": None}
        data.update(type=0, burst=False)  # gateway v10 fields the v6-era capture lacks
        if added:
            guild = load("gateway_GUILD_CREATE_v10.DiscordBM.json")["d"]
            member = copy.deepcopy(guild["members"][0])
            member["user"]["id"] = user_id
            member["roles"] = list(roles)
            data["member"] = member
        await self.dispatch(f"MESSAGE_REACTION_{name}", data)

    def react_offline(
        self,
        message_id: str,
        emoji: str,
        user_id: str = MEMBER_ID,
        added: bool = True,
        roles: tuple[str, ...] = (),
    ) -> None:
        """A member adds or removes a reaction, and no event reaches the bot (it is down)."""
        here = self.user_reactions.setdefault(message_id, [])
        if added:
            self.members[user_id] = list(roles)
            if (emoji, user_id) not in here:
                here.append((emoji, user_id))
        elif (emoji, user_id) in here:
            here.remove((emoji, user_id))

    async def drop_connection(self) -> None:
        """Close the gateway websocket as a Discord restart does (code 4000: resumable)."""
        assert self._ws is not None
        await self._ws.close(code=4000, message=b"unknown error")

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        """Wait until `predicate()` is true (the bot answers asynchronously)."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

    # ---------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.refuse:
            return web.Response(status=503, text="fake: refusing connections")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        hello = load("gateway_HELLO_op10.DiscordBM.json")
        hello["d"]["heartbeat_interval"] = self.heartbeat_ms
        await ws.send_json(hello)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self._on_gateway(ws, json.loads(message.data))
        return ws

    async def _on_gateway(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame["op"]
        if op == 1:
            self.heartbeats += 1
            await ws.send_json({"op": 11, "d": None})
        elif op == 2:
            self.identifies += 1
            ready = load("gateway_READY_v10.DiscordBM.json")
            ready["d"]["resume_gateway_url"] = self.gateway_url
            ready["d"]["guilds"] = [{"unavailable": True, "id": GUILD_ID}]
            await ws.send_json(ready)
            await ws.send_json(self._guild_create())
            self.identified.set()
        elif op == 6:
            self.resumes += 1
            await ws.send_json({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})

    def _guild_create(self) -> dict[str, Any]:
        guild = load("gateway_GUILD_CREATE_v10.DiscordBM.json")
        everyone = guild["d"]["roles"][0]
        for n, role_id in enumerate(self.roles, start=1):
            role = {**everyone, "id": role_id, "name": f"role {role_id}", "position": n}
            guild["d"]["roles"].append(role)
        return dict(guild)

    # ---------------------------------------------------------------- REST

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        self.requests.append((request.method, path))
        self.query = dict(request.query)
        if self.refuse:
            return web.Response(status=503, text="fake: refusing connections")
        if self.bad_token and path == "/users/@me":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        body = await request.json() if request.can_read_body else {}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        handler = ROUTES.get((request.method, _shape(parts)))
        if self.fail_posts and handler is FakeDiscord._post and request.transport is not None:
            self.fail_posts -= 1  # the connection drops: did the post get through? (it did not)
            request.transport.close()
            return web.Response(status=502)
        if handler is None:
            return _json({"message": f"fake: no route {request.method} {path}", "code": 0}, 404)
        response = await handler(self, parts, body)
        if response.status != 429:
            response.headers.update(_BUCKET_HEADERS)
        return response

    async def _me(self, parts: list[str], body: Any) -> web.Response:
        return _json(load("gateway_READY_v10.DiscordBM.json")["d"]["user"])

    async def _application(self, parts: list[str], body: Any) -> web.Response:
        user = load("gateway_READY_v10.DiscordBM.json")["d"]["user"]
        return _json(
            {
                "id": BOT_ID,
                "name": "vadbot",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _sync(self, parts: list[str], body: Any) -> web.Response:
        self.commands = [{**c, "id": self.new_id(), "application_id": BOT_ID} for c in body]
        if len(parts) == 5:
            for command in self.commands:
                command["guild_id"] = parts[3]
        return _json(self.commands)

    async def _post(self, parts: list[str], body: Any) -> web.Response:
        if self.rate_limits:
            return _rate_limited(self.rate_limits.pop(0))
        nonce = body.get("nonce")
        recent = self.clock.now() - NONCE_WINDOW
        for earlier in self.messages:  # enforce_nonce: the same nonce, within a few minutes
            fresh = snowflake_time(earlier.id) >= recent
            same = nonce and earlier.payload.get("nonce") == nonce
            if body.get("enforce_nonce") and same and fresh:
                return _json(self._message(earlier.channel, earlier.id, earlier.payload))
        message = SentMessage(parts[1], self.new_id(), body)
        self.messages.append(message)
        if self.hold_posts is not None:
            await self.hold_posts.wait()
        return _json(self._message(message.channel, message.id, body))

    async def _edit(self, parts: list[str], body: Any) -> web.Response:
        for message in self.messages:
            if message.id == parts[3]:
                message.edits.append(body)
                return _json(self._message(message.channel, message.id, body))
        return _json({"message": "Unknown Message", "code": 10008}, 404)

    async def _react(self, parts: list[str], body: Any) -> web.Response:
        self.reactions.append((parts[1], parts[3], parts[5]))
        return web.Response(status=204)

    def _reactors(self, message_id: str) -> dict[str, list[str]]:
        """emoji → user ids on a message, the bot's own reactions first."""
        users: dict[str, list[str]] = {}
        for _, m, emoji in self.reactions:
            if m == message_id:
                users.setdefault(emoji, []).append(BOT_ID)
        for emoji, user in self.user_reactions.get(message_id, []):
            users.setdefault(emoji, []).append(user)
        return users

    async def _get_message(self, parts: list[str], body: Any) -> web.Response:
        for message in self.messages:
            if message.id == parts[3]:
                data = self._message(message.channel, message.id, message.payload)
                data["reactions"] = [
                    {
                        "count": len(who),
                        "count_details": {"burst": 0, "normal": len(who)},
                        "me": BOT_ID in who,
                        "me_burst": False,
                        "burst_colors": [],
                        "emoji": {"id": None, "name": emoji},
                    }
                    for emoji, who in self._reactors(message.id).items()
                ]
                return _json(data)
        return _json({"message": "Unknown Message", "code": 10008}, 404)

    async def _reaction_users(self, parts: list[str], body: Any) -> web.Response:
        """Who reacted with one emoji, by ascending id after `after`, at most `limit`."""
        who = self._reactors(parts[3]).get(parts[5], [])
        after, limit = int(self.query.get("after", 0)), int(self.query.get("limit", 25))
        ids = sorted(int(u) for u in set(who) if int(u) > after)[:limit]
        return _json([self._user(str(u)) for u in ids])

    async def _member(self, parts: list[str], body: Any) -> web.Response:
        if parts[3] not in self.members:
            return _json({"message": "Unknown Member", "code": 10007}, 404)
        guild = load("gateway_GUILD_CREATE_v10.DiscordBM.json")["d"]
        member = dict(guild["members"][0])
        member.update(user=self._user(parts[3]), roles=self.members[parts[3]])
        return _json(member)

    def _user(self, user_id: str) -> dict[str, Any]:
        if user_id == BOT_ID:
            return dict(load("gateway_READY_v10.DiscordBM.json")["d"]["user"])
        guild = load("gateway_GUILD_CREATE_v10.DiscordBM.json")["d"]
        return {**guild["members"][0]["user"], "id": user_id}

    async def _history(self, parts: list[str], body: Any) -> web.Response:
        """Newest first, before `before`, at most `limit` (1-100, default 50); as the real API,
        a message in history carries no nonce."""
        limit = int(self.query.get("limit", 50))
        if not 1 <= limit <= HISTORY_MAX:
            return _json({"message": "Invalid Form Body", "code": 50035}, 400)
        before = int(self.query.get("before", 1 << 63))
        found = sorted(
            (m for m in self.messages if m.channel == parts[1] and int(m.id) < before),
            key=lambda m: int(m.id),
            reverse=True,
        )
        page = [
            self._message(m.channel, m.id, m.edits[-1] if m.edits else m.payload, m.author)
            for m in found[:limit]
        ]
        for message in page:
            message.pop("nonce", None)
        return _json(page)

    async def _callback(self, parts: list[str], body: Any) -> web.Response:
        self.interaction_replies.append({"kind": "callback", **body})
        flags = (body.get("data") or {}).get("flags", 0)
        interaction = {
            "id": parts[1],
            "type": 2,
            "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": bool(flags & 64),
        }
        return _json({"interaction": interaction})

    async def _followup(self, parts: list[str], body: Any) -> web.Response:
        self.interaction_replies.append({"kind": "followup", **body})
        return _json(self._message("637477278476927006", self.new_id(), body))

    def _message(
        self, channel: str, message_id: str, body: dict[str, Any], author_id: str = BOT_ID
    ) -> dict[str, Any]:
        author = self._user(author_id)
        stamp = snowflake_time(message_id).isoformat(timespec="microseconds")
        return {
            "id": message_id,
            "channel_id": channel,
            "author": author,
            "content": body.get("content") or "",
            "timestamp": stamp,
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0),
            "nonce": body.get("nonce"),
        }


def _shape(parts: list[str]) -> tuple[str, ...]:
    """Path parts with ids replaced by `*`, so routes match whatever ids a test uses."""
    keep = {"users", "@me", "oauth2", "applications", "guilds", "commands", "channels"}
    keep |= {"messages", "reactions", "interactions", "callback", "webhooks", "@original"}
    keep |= {"members"}
    return tuple(p if p in keep else "*" for p in parts)


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses bodies whose Content-Type is exactly application/json
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


_BUCKET_HEADERS = {
    "X-RateLimit-Limit": "5",
    "X-RateLimit-Remaining": "4",
    "X-RateLimit-Reset-After": "0.05",
    "X-RateLimit-Reset": "1470173023.123",
}
"""What Discord says about a route's bucket on every answer (here: a quiet bucket, far from its
limit). discord.py bounds its waits by them; without them, a request cancelled at a bad moment
(the bot killed mid-reaction) leaves its bucket looking exhausted with no reset time, and the next
request on that route waits discord.py's 30 s fallback."""


def _rate_limited(retry_after: float) -> web.Response:
    """Discord's documented 429 (headers and body), with our own Retry-After."""
    text = (DATA / "rest_429_user_rate_limit.discord-api-docs.http.txt").read_text()
    header_lines = [line[2:] for line in text.splitlines() if line.startswith("< ")][1:]
    headers = dict(line.split(": ", 1) for line in header_lines)
    body = json.loads(text[text.index("{") :])
    headers.update({"Retry-After": str(retry_after), "X-RateLimit-Reset-After": str(retry_after)})
    headers["Via"] = "1.1 google"  # real answers carry it; discord.py reads its absence as a ban
    body["retry_after"] = retry_after
    return web.Response(body=json.dumps(body).encode(), status=429, headers=headers)


ROUTES = {
    ("GET", ("users", "@me")): FakeDiscord._me,
    ("GET", ("oauth2", "applications", "@me")): FakeDiscord._application,
    ("PUT", ("applications", "*", "commands")): FakeDiscord._sync,
    ("PUT", ("applications", "*", "guilds", "*", "commands")): FakeDiscord._sync,
    ("POST", ("channels", "*", "messages")): FakeDiscord._post,
    ("GET", ("channels", "*", "messages")): FakeDiscord._history,
    ("PATCH", ("channels", "*", "messages", "*")): FakeDiscord._edit,
    ("GET", ("channels", "*", "messages", "*")): FakeDiscord._get_message,
    ("GET", ("channels", "*", "messages", "*", "reactions", "*")): FakeDiscord._reaction_users,
    ("GET", ("guilds", "*", "members", "*")): FakeDiscord._member,
    ("PUT", ("channels", "*", "messages", "*", "reactions", "*", "@me")): FakeDiscord._react,
    ("POST", ("interactions", "*", "*", "callback")): FakeDiscord._callback,
    ("POST", ("webhooks", "*", "*")): FakeDiscord._followup,
    ("PATCH", ("webhooks", "*", "*", "messages", "@original")): FakeDiscord._followup,
}
