"""A fake Slack: Web API (HTTP), Socket Mode (websocket) and response_url, on 127.0.0.1.

The real slack-sdk/slack-bolt clients talk to it unpatched: give the bot
`AsyncWebClient(base_url=fake.api_url)`; `apps.connections.open` hands out the fake's websocket.
Envelopes and answers follow the real payloads in tests/data. It records what the bot sent:
`fake.messages_in(channel)`, `fake.responses`, `fake.reactions`, `fake.calls`. Tests drive it
with `await fake.send_command(text)` and `await fake.send_reaction(...)`.
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import FakeClock
from tests.fakes.local import serve_locally

DATA = Path(__file__).resolve().parents[1] / "data"
BOT_USER = "UBOTVADBOT"
BOT_ID = "BBOTVADBOT"


def load(name: str) -> Any:
    text = (DATA / name).read_text(encoding="utf-8")
    if name.endswith(".pydict.txt"):  # `name = {…}` as written in a Python test
        return ast.literal_eval(text.split("=", 1)[1].strip())
    return json.loads(text)


@dataclass
class Posted:
    channel: str
    ts: str
    args: dict[str, Any]
    edits: list[dict[str, Any]] = field(default_factory=list)
    by_bot: bool = True

    @property
    def latest(self) -> dict[str, Any]:
        return self.edits[-1] if self.edits else self.args

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.latest.get("blocks") or [])

    @property
    def text(self) -> str:
        return str(self.latest.get("text", ""))


class FakeSlack:
    """A fake Slack Web API + Socket Mode server; `await start()`, then connect the bot."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        """Message ts follow this clock."""
        self.messages: list[Posted] = []
        self.responses: list[dict[str, Any]] = []
        self.reactions: list[tuple[str, str, str]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.rate_limits: list[int] = []
        """Retry-After values: the next chat.postMessage calls are answered 429 with these."""
        self.user_groups: dict[str, list[str]] = {}
        """Members of each user group, for usergroups.users.list."""
        self.user_names: dict[str, str] = {}
        """Display names of users, for users.info; others are `user_not_found`."""
        self.user_reactions: dict[tuple[str, str], list[tuple[str, str]]] = {}
        """(channel, ts) → (reaction name, user) of the people's reactions on each message."""
        self.errors: list[str] = []
        """Slack error codes: the next chat.postMessage calls fail with these (ok: false)."""
        self.hold_posts: asyncio.Event | None = None
        """When set to an unset Event, a post is recorded, then its answer waits for it."""
        self.views: list[dict[str, Any]] = []
        """Modals the bot opened (views.open), with the trigger_id it used."""
        self.hold_reactions: asyncio.Event | None = None
        """When set to an unset Event, reactions.add waits for it before doing anything."""
        self.view_updates: list[dict[str, Any]] = []
        """Modals the bot replaced (views.update), with the view_id and hash it named."""
        self.connected = asyncio.Event()
        self._ts = itertools.count(1)
        self.sockets: list[web.WebSocketResponse] = []
        """Open Socket Mode connections; as Slack, each event goes to ONE of them (the newest)."""
        self.socket_opens = 0
        self.refuse = False
        """When True, every Web API call and socket connection is refused (503): Slack is down."""
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---------------------------------------------------------------- life

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/link", self._socket)
        app.router.add_post("/respond/{n}", self._respond)
        self._runner, self.port = await serve_locally(app)

    async def close(self) -> None:
        for waiter in self._ack_waiters.values():
            waiter.cancel()
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def messages_in(self, channel: str) -> list[Posted]:
        return [m for m in self.messages if m.channel == channel and m.by_bot]

    def post_as_someone(self, channel: str, text: str) -> Posted:
        """A person's message in `channel` (history shows it; it is not the bot's)."""
        message = Posted(channel, self.new_ts(), {"text": text}, by_bot=False)
        self.messages.append(message)
        return message

    def new_ts(self) -> str:
        """A message ts from the fake's clock (unique per channel, as Slack's)."""
        return f"{int(self.clock.now().timestamp())}.{next(self._ts):06d}"

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

    # ---------------------------------------------------------------- driving the bot

    async def send_envelope(self, envelope: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Send a Socket Mode envelope; returns the bot's ack (it must come within `timeout`)."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        assert self.sockets, "the bot is not connected"
        waiter = asyncio.get_running_loop().create_future()
        self._ack_waiters[envelope["envelope_id"]] = waiter
        await self.sockets[-1].send_json(envelope)
        return await asyncio.wait_for(waiter, timeout)

    async def send_command(
        self, text: str, user: str = "U111", channel: str = "C111"
    ) -> dict[str, Any]:
        """`/vad <text>` as a Socket Mode slash_commands envelope (the bolt-python capture)."""
        envelope = load("socket_mode_slash_commands.bolt-python.json")
        envelope["envelope_id"] = str(uuid.uuid4())
        payload = envelope["payload"]
        n = next(self._ts)
        payload.update(command="/vad", text=text, user_id=user, channel_id=channel)
        payload["response_url"] = f"http://127.0.0.1:{self.port}/respond/{n}"
        return await self.send_envelope(envelope)

    async def send_reaction(
        self,
        channel: str,
        ts: str,
        reaction: str,
        user: str = "W111",
        added: bool = True,
        event_id: str | None = None,
        retry_attempt: int = 0,
        team: str = "T111",
    ) -> dict[str, Any]:
        """A reaction_added/removed Events API envelope, as Socket Mode delivers it (`team`: the
        workspace it happened in)."""
        self.react_offline(channel, ts, reaction, user, added)
        if added:
            body = load("events_api_reaction_added.bolt-python.pydict.txt")
        else:
            body = load("events_api_reaction_removed.java-sdk-sample.json")
            body.update(team_id="T111", api_app_id="A111", event_time=1599616881)
            body["authorizations"][0].update(team_id="T111", user_id=BOT_USER, is_bot=True)
        body["event_id"] = event_id or f"Ev{uuid.uuid4().hex[:10]}"
        body["team_id"] = team
        body["event"].update(user=user, reaction=reaction, item_user=BOT_USER)
        body["event"]["item"].update(channel=channel, ts=ts)
        envelope = {
            "envelope_id": str(uuid.uuid4()),
            "payload": body,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        return await self.send_envelope(envelope)

    def react_offline(
        self, channel: str, ts: str, reaction: str, user: str = "W111", added: bool = True
    ) -> None:
        """A person adds or removes a reaction, and no event reaches the bot (it is down)."""
        here = self.user_reactions.setdefault((channel, ts), [])
        if added and (reaction, user) not in here:
            here.append((reaction, user))
        elif not added and (reaction, user) in here:
            here.remove((reaction, user))

    async def click_button(
        self, action_id: str, value: str, user: str = "W111", channel: str = "C111"
    ) -> dict[str, Any]:
        """A button click (block_actions, the bolt-python capture) as an interactive envelope."""
        body = load("block_actions_payload.bolt-python.pydict.txt")
        body["user"]["id"] = user
        body["channel"]["id"] = body["container"]["channel_id"] = channel
        body["actions"][0].update(action_id=action_id, value=value)
        body["trigger_id"] = f"{next(self._ts)}.111.abcdef"
        body["response_url"] = f"http://127.0.0.1:{self.port}/respond/{next(self._ts)}"
        envelope = {
            "envelope_id": str(uuid.uuid4()),
            "payload": body,
            "type": "interactive",
            "accepts_response_payload": False,
        }
        return await self.send_envelope(envelope)

    async def submit_view(
        self, view: dict[str, Any], values: dict[str, str], user: str = "W111"
    ) -> dict[str, Any]:
        """A person submits a modal the bot opened, with `values` typed in (block id → text),
        as a view_submission interactive envelope; returns the bot's ack (its `payload` holds
        `response_action: errors` when the bot refuses a field)."""
        state = {
            block["block_id"]: {
                block["element"]["action_id"]: {
                    "type": "plain_text_input",
                    "value": values.get(block["block_id"]) or None,
                }
            }
            for block in view["blocks"]
            if block.get("type") == "input"
        }
        payload = {
            "type": "view_submission",
            "team": {"id": "T111", "domain": "lab"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T111"},
            "api_app_id": "A111",
            "token": "verification-token",
            "trigger_id": f"{next(self._ts)}.111.abcdef",
            "view": {
                **view,
                "id": "V111",
                "team_id": "T111",
                "state": {"values": state},
                "hash": "1.abc",
                "app_id": "A111",
                "bot_id": BOT_ID,
            },
            "response_urls": [],
            "is_enterprise_install": False,
        }
        envelope = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": "interactive",
            "accepts_response_payload": True,
        }
        return await self.send_envelope(envelope)

    # ---------------------------------------------------------------- socket mode

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if self.refuse:
            return web.Response(status=503, text="fake: refusing connections")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        self.socket_opens += 1
        await ws.send_json(load("socket_mode_hello.python-slack-sdk.json"))
        self.connected.set()
        try:
            await self._read_acks(ws)
        finally:
            self.sockets.remove(ws)
            if not self.sockets:
                self.connected.clear()
        return ws

    async def _read_acks(self, ws: web.WebSocketResponse) -> None:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                self.acks[ack["envelope_id"]] = ack
                waiter = self._ack_waiters.pop(ack["envelope_id"], None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(ack)

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.Response(text="ok")

    # ---------------------------------------------------------------- web API

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        self.calls.append((method, args))
        if self.refuse:
            return web.Response(status=503, text="fake: refusing connections")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return _json({"ok": False, "error": "unknown_method"})
        response: web.Response = await handler(args)
        return response

    async def _auth_test(self, args: dict[str, Any]) -> web.Response:
        return _json(
            {
                "ok": True,
                "url": "https://lab.slack.com/",
                "team": "Lab",
                "user": "vadbot",
                "team_id": "T111",
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        )

    async def _apps_connections_open(self, args: dict[str, Any]) -> web.Response:
        return _json({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})

    async def _chat_postMessage(self, args: dict[str, Any]) -> web.Response:
        if self.rate_limits:
            body = load("ratelimited_429_body.python-slack-sdk.json")
            headers = {"Retry-After": str(self.rate_limits.pop(0))}
            return _json(body, status=429, headers=headers)
        if self.errors:
            return _json({"ok": False, "error": self.errors.pop(0)})
        ts = self.new_ts()
        self.messages.append(Posted(str(args["channel"]), ts, args))
        if self.hold_posts is not None:
            await self.hold_posts.wait()
        answer = load("chat_postMessage_response_ok.slack-api-specs.json")
        answer.update(channel=args["channel"], ts=ts)
        answer["message"].update(ts=ts, text=args.get("text", ""), blocks=args.get("blocks"))
        return _json(answer)

    async def _chat_update(self, args: dict[str, Any]) -> web.Response:
        for message in self.messages:
            if message.ts == args["ts"] and message.channel == args["channel"]:
                message.edits.append(args)
                return _json({"ok": True, "channel": message.channel, "ts": message.ts})
        return _json({"ok": False, "error": "message_not_found"})

    async def _views_open(self, args: dict[str, Any]) -> web.Response:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        if not args.get("trigger_id"):
            return _json({"ok": False, "error": "invalid_trigger_id"})
        self.views.append({**view, "trigger_id": args["trigger_id"]})
        view_id = f"V{len(self.views)}"
        return _json({"ok": True, "view": {**view, "id": view_id, "hash": f"hash-{view_id}"}})

    async def _views_update(self, args: dict[str, Any]) -> web.Response:
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        known = {f"V{n}" for n in range(1, len(self.views) + 1)}
        if args.get("view_id") not in known:
            return _json({"ok": False, "error": "not_found"})
        if args.get("hash") not in (None, f"hash-{args['view_id']}"):
            return _json({"ok": False, "error": "hash_conflict"})
        self.view_updates.append({**view, "view_id": args["view_id"], "hash": args.get("hash")})
        return _json({"ok": True, "view": {**view, "id": args["view_id"]}})

    async def _reactions_add(self, args: dict[str, Any]) -> web.Response:
        if self.hold_reactions is not None:
            await self.hold_reactions.wait()
        entry = (str(args["channel"]), str(args["timestamp"]), str(args["name"]))
        if entry in self.reactions:
            return _json({"ok": False, "error": "already_reacted"})
        self.reactions.append(entry)
        return _json({"ok": True})

    async def _reactions_get(self, args: dict[str, Any]) -> web.Response:
        """reactions.get: the message with its reactions (the bot's own included)."""
        channel, ts = str(args["channel"]), str(args["timestamp"])
        found = [m for m in self.messages if (m.channel, m.ts) == (channel, ts)]
        if not found:
            return _json({"ok": False, "error": "message_not_found"})
        users: dict[str, list[str]] = {}
        for ch, t, name in self.reactions:
            if (ch, t) == (channel, ts):
                users.setdefault(name, []).append(BOT_USER)
        for name, user in self.user_reactions.get((channel, ts), []):
            users.setdefault(name, []).append(user)
        message: dict[str, Any] = {
            "type": "message",
            "text": found[0].text,
            "user": BOT_USER,
            "bot_id": BOT_ID,
            "ts": ts,
            "team": "T111",
        }
        if users:
            message["reactions"] = [
                {"name": name, "users": who, "count": len(who)} for name, who in users.items()
            ]
        return _json({"ok": True, "type": "message", "channel": channel, "message": message})

    async def _usergroups_users_list(self, args: dict[str, Any]) -> web.Response:
        group = str(args.get("usergroup", ""))
        if group not in self.user_groups:
            return _json({"ok": False, "error": "no_such_subteam"})
        return _json({"ok": True, "users": self.user_groups[group]})

    async def _users_info(self, args: dict[str, Any]) -> web.Response:
        user = str(args.get("user", ""))
        if user not in self.user_names:
            return _json({"ok": False, "error": "user_not_found"})
        profile = {"display_name": self.user_names[user], "real_name": self.user_names[user]}
        return _json({"ok": True, "user": {"id": user, "name": user.lower(), "profile": profile}})

    async def _conversations_history(self, args: dict[str, Any]) -> web.Response:
        """Newest first from `oldest`, `limit` a page (default 100, at most 999), the next page
        through `response_metadata.next_cursor`, as the real method."""
        limit = min(int(args.get("limit") or 100), 999)
        oldest = float(args.get("oldest", 0))
        found = sorted(
            (m for m in self.messages if m.channel == args["channel"] and float(m.ts) >= oldest),
            key=lambda m: float(m.ts),
            reverse=True,
        )
        start = int(args.get("cursor") or 0)
        page = found[start : start + limit]
        history = [
            {
                "type": "message",
                "ts": m.ts,
                **({"bot_id": BOT_ID, "user": BOT_USER} if m.by_bot else {"user": "W222"}),
                "text": m.text,
                **({"metadata": _metadata(m.args)} if args.get("include_all_metadata") else {}),
            }
            for m in page
        ]
        more = start + limit < len(found)
        answer: dict[str, Any] = {"ok": True, "messages": history, "has_more": more}
        if more:
            answer["response_metadata"] = {"next_cursor": str(start + limit)}
        return _json(answer)


def _metadata(args: dict[str, Any]) -> dict[str, Any]:
    metadata = args.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return dict(metadata)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers)
