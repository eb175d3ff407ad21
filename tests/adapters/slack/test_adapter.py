"""The real slack-bolt/slack-sdk clients against the fake Slack: commands, posts, reactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.slack.adapter import SlackAdapter
from bot.core.commands import CommandRouter
from bot.core.models import Card, MessageRef, Reply, Request
from bot.errors import RateLimited
from bot.infra.state import Database
from bot.settings import Secrets, SlackSettings
from tests.fakes.platforms import FakeReactionSink
from tests.fakes.slack import BOT_USER, FakeSlack

SECRETS = Secrets(slack_bot_token="xoxb-fake", slack_app_token="xapp-fake")


@pytest.fixture
async def adapter(
    fake_slack: FakeSlack, router: CommandRouter, sink: FakeReactionSink
) -> AsyncIterator[SlackAdapter]:
    db = Database(":memory:")
    settings = SlackSettings(api_base_url=fake_slack.api_url)
    bot = SlackAdapter(settings, SECRETS, router, sink, seen=lambda k: db.first_time(k, "now"))
    await bot.start()
    yield bot
    await bot.close()


async def test_vad_search_vera_answers_privately_with_the_vera_entry(
    adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    ack = await fake_slack.send_command("search vera")
    assert ack["envelope_id"]
    await fake_slack.wait_for(lambda: fake_slack.responses)
    (response,) = fake_slack.responses
    assert response["response_type"] == "ephemeral"
    blocks = " ".join(b["text"]["text"] for b in response["blocks"] if "text" in b)
    assert "VERA: Explainable Video Anomaly Detection" in blocks
    assert "<https://github.com/vera-framework/VERA|code>" in blocks


async def test_share_button_posts_the_search_to_the_channel(
    adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    await fake_slack.send_command("search vera")
    await fake_slack.wait_for(lambda: fake_slack.responses)
    button = fake_slack.responses[0]["blocks"][-1]["elements"][0]
    assert button["text"]["text"] == "Share in channel"
    await fake_slack.click_button(button["action_id"], button["value"])
    await fake_slack.wait_for(lambda: len(fake_slack.responses) == 3)
    deleted, shared = fake_slack.responses[1:]
    assert deleted["delete_original"] is True
    assert shared["response_type"] == "in_channel"
    assert "VERA" in str(shared["blocks"])
    assert "Share in channel" not in str(shared["blocks"])


async def test_slow_command_is_acknowledged_before_it_is_answered(
    adapter: SlackAdapter, fake_slack: FakeSlack, router: CommandRouter
) -> None:
    release = asyncio.Event()

    async def slow_digest(request: Request) -> Reply:
        await release.wait()
        return Reply(text="digest of the week")

    router.register("digest", slow_digest, "the digest", "/vad digest")
    ack = await fake_slack.send_command("digest")  # returns once Slack has the ack
    assert ack["envelope_id"]
    assert fake_slack.responses == []
    release.set()
    await fake_slack.wait_for(lambda: fake_slack.responses)
    assert fake_slack.responses[0]["text"] == "digest of the week"


async def test_search_share_answers_in_channel(
    adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    await fake_slack.send_command("search share holmes")
    await fake_slack.wait_for(lambda: fake_slack.responses)
    assert fake_slack.responses[0]["response_type"] == "in_channel"


async def test_unknown_subcommand_gets_help(adapter: SlackAdapter, fake_slack: FakeSlack) -> None:
    await fake_slack.send_command("frobnicate")
    await fake_slack.wait_for(lambda: fake_slack.responses)
    assert "Unknown subcommand 'frobnicate'" in fake_slack.responses[0]["text"]


async def test_card_posted_with_its_reactions_and_edited(
    adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    ref = await adapter.post("C0PAPERS", Card(title="Rare events", reactions=("👍", "✅")))
    for emoji in ("👍", "✅", "👍"):
        await adapter.react(ref, emoji)
    (message,) = fake_slack.messages_in("C0PAPERS")
    assert ref == MessageRef("slack", "C0PAPERS", message.ts)
    assert message.text == "Rare events"
    assert fake_slack.reactions == [
        ("C0PAPERS", message.ts, "+1"),
        ("C0PAPERS", message.ts, "white_check_mark"),
    ]
    await adapter.edit(ref, Card(title="Rare events", footer="👍 2 · 👎 0"))
    assert message.blocks[-1]["elements"][0]["text"] == "👍 2 · 👎 0"


async def test_reactions_reach_the_core_once_per_delivery(
    adapter: SlackAdapter, fake_slack: FakeSlack, sink: FakeReactionSink
) -> None:
    await fake_slack.send_reaction("C0PAPERS", "1.000100", "+1", event_id="Ev1")
    await fake_slack.send_reaction("C0PAPERS", "1.000100", "+1", event_id="Ev1", retry_attempt=1)
    await fake_slack.send_reaction("C0PAPERS", "1.000100", "+1", user=BOT_USER, event_id="Ev2")
    await fake_slack.send_reaction("C0PAPERS", "1.000100", "white_check_mark", added=False)
    await fake_slack.wait_for(lambda: len(sink.events) >= 2)
    added, removed = sink.events
    assert (added.platform, added.message_id, added.emoji, added.added) == (
        "slack",
        "1.000100",
        "👍",
        True,
    )
    assert added.event_id == "Ev1"
    assert (removed.emoji, removed.added) == ("✅", False)
    assert len(sink.events) == 2


async def test_maintainer_groups_reach_the_core_as_roles(
    fake_slack: FakeSlack, router: CommandRouter, sink: FakeReactionSink
) -> None:
    fake_slack.user_groups = {"S0MAINT": ["U0ADA"], "S0OTHER": ["U0BOB"]}
    fake_slack.user_names = {"U0ADA": "Ada"}
    settings = SlackSettings(api_base_url=fake_slack.api_url, maintainer_groups=("S0MAINT",))
    bot = SlackAdapter(settings, SECRETS, router, sink)
    await bot.start()
    await fake_slack.send_reaction("C0PAPERS", "1.000100", "white_check_mark", user="U0ADA")
    await fake_slack.send_reaction("C0PAPERS", "1.000100", "white_check_mark", user="U0BOB")
    await fake_slack.wait_for(lambda: len(sink.events) == 2)
    await bot.close()
    assert [e.roles for e in sink.events] == [("S0MAINT",), ()]
    assert [e.user_name for e in sink.events] == ["Ada", ""]  # an unknown name falls back to the id
    lookups = [c for c in fake_slack.calls if c[0] == "usergroups.users.list"]
    assert len(lookups) == 1  # members are cached, not fetched per reaction


async def test_429_becomes_rate_limited_with_retry_after(
    adapter: SlackAdapter, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limits.append(7)
    with pytest.raises(RateLimited) as caught:
        await adapter.post("C0PAPERS", Card(title="x"))
    assert caught.value.retry_after == 7
    assert fake_slack.messages == []


async def test_a_slack_retry_after_of_an_hour_is_capped(fake_slack: FakeSlack) -> None:
    settings = SlackSettings(api_base_url=fake_slack.api_url)
    secrets = Secrets(slack_bot_token="xoxb-fake", slack_app_token="xapp-fake")
    adapter = SlackAdapter(settings, secrets, CommandRouter())
    fake_slack.rate_limits.append(3600)
    with pytest.raises(RateLimited) as caught:
        await adapter.post("C0PAPERS", Card(title="x"))
    assert caught.value.retry_after == 300
