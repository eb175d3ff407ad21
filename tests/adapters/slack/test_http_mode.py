"""HTTP mode: slash commands over signed HTTP requests; the manifest matches what is used."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
import yaml

from bot.adapters.slack.adapter import BOT_EVENTS, SlackAdapter
from bot.core.commands import CommandRouter
from bot.infra.state import Database
from bot.settings import Secrets, SlackSettings
from tests.fakes.platforms import FakeReactionSink
from tests.fakes.slack import FakeSlack, load

DATA = Path(__file__).resolve().parents[2] / "data"
MANIFEST = Path(__file__).resolve().parents[3] / "config" / "slack-manifest.yaml"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the signing secret of Slack's docs example


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(
    body: str, secret: str = SECRET, kind: str = "application/x-www-form-urlencoded"
) -> dict[str, str]:
    timestamp = str(int(time.time()))
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": kind,
    }


@pytest.fixture
async def http_bot(
    fake_slack: FakeSlack, router: CommandRouter, sink: FakeReactionSink
) -> AsyncIterator[str]:
    port = free_port()
    settings = SlackSettings(mode="http", api_base_url=fake_slack.api_url, http_port=port)
    secrets = Secrets(slack_bot_token="xoxb-fake", slack_signing_secret=SECRET)
    db = Database(":memory:")
    bot = SlackAdapter(settings, secrets, router, sink, lambda key: db.first_time(key, "now"))
    await bot.start()
    yield f"http://127.0.0.1:{port}/slack/events"
    await bot.close()


def slash_body(fake: FakeSlack, text: str) -> str:
    """Slack's documented slash-command body, as our /vad with a reachable response_url."""
    fields = dict(parse_qsl((DATA / "slash_command_request_body.form-urlencoded.txt").read_text()))
    fields.update(command="/vad", text=text, response_url=f"http://127.0.0.1:{fake.port}/respond/1")
    return urlencode(fields)


async def test_signed_command_is_answered(http_bot: str, fake_slack: FakeSlack) -> None:
    body = slash_body(fake_slack, "search vera")
    async with (
        aiohttp.ClientSession() as session,
        session.post(http_bot, data=body, headers=signed(body)) as response,
    ):
        assert response.status == 200
    await fake_slack.wait_for(lambda: fake_slack.responses)
    assert "VERA" in str(fake_slack.responses[0]["blocks"])


async def test_forged_command_is_refused(http_bot: str, fake_slack: FakeSlack) -> None:
    body = slash_body(fake_slack, "search vera")
    headers = signed(body, secret="not-the-secret")
    async with (
        aiohttp.ClientSession() as session,
        session.post(http_bot, data=body, headers=headers) as response,
    ):
        assert response.status == 401
    assert fake_slack.responses == []


async def test_a_retried_event_changes_nothing(
    http_bot: str, sink: FakeReactionSink, fake_slack: FakeSlack
) -> None:
    body = load("events_api_reaction_added.bolt-python.pydict.txt")
    body["event"]["reaction"] = "+1"
    text = json.dumps(body)
    async with aiohttp.ClientSession() as session:
        for retry in (None, "1", "2"):
            headers = signed(text, kind="application/json")
            if retry:
                headers.update({"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"})
            async with session.post(http_bot, data=text, headers=headers) as response:
                assert response.status == 200
    await fake_slack.wait_for(lambda: sink.events)  # listeners run after the 200
    await asyncio.sleep(0.02)  # and give a wrongly accepted retry the time to arrive too
    assert [(e.emoji, e.event_id) for e in sink.events] == [("👍", "Ev111")]


# The scope each Slack Web API method the adapter calls needs (api.slack.com/methods).
METHOD_SCOPES = {
    "auth_test": set(),
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_history": {"channels:history", "groups:history"},
    "reactions_add": {"reactions:write"},
    "reactions_get": {"reactions:read"},
    "usergroups_users_list": {"usergroups:read"},
    "users_info": {"users:read"},
    "views_open": set(),  # a modal opened from a button's trigger_id needs no scope
    "views_update": set(),  # the same modal, its summary filled in: no scope either
}
ADAPTER = MANIFEST.parents[1] / "bot" / "adapters" / "slack" / "adapter.py"


def test_manifest_asks_for_exactly_what_is_used() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    called = set(re.findall(r"client\.(\w+)", ADAPTER.read_text(encoding="utf-8")))
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add the scope of {unknown} to METHOD_SCOPES and the manifest"
    needed = set().union(*(METHOD_SCOPES[m] for m in called))
    # the slash command, and reaction events (reaction_added/removed need reactions:read)
    assert scopes == needed | {"commands", "reactions:read"}
    assert tuple(manifest["settings"]["event_subscriptions"]["bot_events"]) == BOT_EVENTS
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/vad"]
    assert manifest["settings"]["socket_mode_enabled"] is True
