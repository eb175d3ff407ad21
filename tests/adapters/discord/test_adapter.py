"""The real discord.py client against the fake Discord: commands, posts, reactions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.discord.adapter import DiscordAdapter, build_invite_url
from bot.core.commands import CommandRouter, search_completions
from bot.core.models import Card, Entry, MessageRef, Reply, Request
from bot.core.search.engine import SearchIndex
from bot.settings import DiscordSettings
from tests.fakes.discord import GUILD_ID, FakeDiscord
from tests.fakes.platforms import FakeReactionSink

CHANNEL = "244567637332328449"


@pytest.fixture
async def adapter(
    fake_discord: FakeDiscord,
    router: CommandRouter,
    sink: FakeReactionSink,
    catalog_entries: tuple[Entry, ...],
) -> AsyncIterator[DiscordAdapter]:
    settings = DiscordSettings(
        api_base_url=fake_discord.api_url, gateway_url=fake_discord.gateway_url, guild_id=GUILD_ID
    )
    index = SearchIndex(catalog_entries)
    bot = DiscordAdapter(
        settings,
        "fake-token",
        router,
        sink,
        guild_ready_timeout=0.05,
        complete=lambda text: search_completions(index, text),
    )
    await bot.start(timeout=5)
    yield bot
    await bot.close()


async def test_connects_and_registers_vad_commands(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    (vad,) = fake_discord.commands
    assert vad["name"] == "vad"
    assert vad["guild_id"] == GUILD_ID
    names = {o["name"] for o in vad["options"]}
    assert names == {"search", "candidates", "suggest", "digest", "help"}
    await fake_discord.wait_for(lambda: fake_discord.heartbeats >= 1)


async def test_vad_search_vera_answers_with_the_vera_entry(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    await fake_discord.send_command("search", {"query": "vera"})
    await fake_discord.wait_for(lambda: fake_discord.interaction_replies)
    (reply,) = fake_discord.interaction_replies
    data = reply["data"]
    assert data["flags"] & 64  # ephemeral: only the asker sees it
    assert "VERA" in data["embeds"][0]["description"]
    assert "github.com/vera-framework/VERA" in data["embeds"][0]["description"]
    assert data["allowed_mentions"]["parse"] == []


async def test_search_autocompletes_from_the_catalog(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    await fake_discord.send_autocomplete("search", "query", "holmes")
    await fake_discord.wait_for(lambda: fake_discord.interaction_replies)
    (reply,) = fake_discord.interaction_replies
    assert reply["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    names = [c["name"] for c in reply["data"]["choices"]]
    assert any("Holmes" in name for name in names)


async def test_shared_search_is_visible_to_the_channel(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    await fake_discord.send_command("search", {"query": "holmes", "share": True})
    await fake_discord.wait_for(lambda: fake_discord.interaction_replies)
    data = fake_discord.interaction_replies[0]["data"]
    assert not data.get("flags", 0) & 64
    assert "Holmes" in data["embeds"][0]["description"]


async def test_a_slow_answer_is_deferred_then_followed_up(
    adapter: DiscordAdapter, fake_discord: FakeDiscord, router: CommandRouter
) -> None:
    async def slow_digest(request: Request) -> Reply:
        await asyncio.sleep(0.05)
        return Reply(text="digest of the week", ephemeral=True)

    router.register("digest", slow_digest, "the digest", "/vad digest")
    adapter.reply_budget = 0.001
    await fake_discord.send_command("digest", {})
    await fake_discord.wait_for(lambda: len(fake_discord.interaction_replies) == 2)
    deferred, followup = fake_discord.interaction_replies
    assert deferred["type"] == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, within Discord's 3 s
    assert deferred["data"]["flags"] & 64
    assert followup["kind"] == "followup"
    assert followup["content"] == "digest of the week"


async def test_a_dropped_gateway_resumes_and_keeps_answering(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    await fake_discord.drop_connection()
    await fake_discord.wait_for(lambda: fake_discord.resumes == 1)
    await fake_discord.send_command("search", {"query": "vera"})
    await fake_discord.wait_for(lambda: fake_discord.interaction_replies)
    assert "VERA" in fake_discord.interaction_replies[0]["data"]["embeds"][0]["description"]


async def test_card_posted_with_its_reactions(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    ref = await adapter.post(CHANNEL, Card(title="Rare events", reactions=("👍", "👎")))
    for emoji in ("👍", "👎"):
        await adapter.react(ref, emoji)
    (message,) = fake_discord.messages_in(CHANNEL)
    assert message.embeds[0]["title"] == "Rare events"
    assert ref == MessageRef("discord", CHANNEL, message.id)
    assert [r[2] for r in fake_discord.reactions] == ["👍", "👎"]
    await adapter.edit(ref, Card(title="Rare events", footer="👍 1 · 👎 0"))
    assert message.embeds[0]["footer"]["text"] == "👍 1 · 👎 0"


async def test_reactions_reach_the_core_but_not_the_bots_own(
    adapter: DiscordAdapter, fake_discord: FakeDiscord, sink: FakeReactionSink
) -> None:
    await fake_discord.send_reaction(CHANNEL, "42", "👍", user_id="1030118727418646629")
    await fake_discord.send_reaction(CHANNEL, "42", "✅", roles=("555",))
    await fake_discord.send_reaction(CHANNEL, "42", "✅", added=False)
    await fake_discord.wait_for(lambda: len(sink.events) >= 2)
    added, removed = sink.events
    assert (added.platform, added.message_id, added.emoji, added.added) == (
        "discord",
        "42",
        "✅",
        True,
    )
    assert added.roles == ("555",)
    assert (removed.emoji, removed.added) == ("✅", False)
    assert removed.roles == ("555",)  # a removal carries no member: the roles seen last time
    # the member's name, so a decision reads "by Mahdi BM" rather than a numeric id
    assert added.user_name == removed.user_name == "Mahdi BM"


async def test_a_keyed_resend_returns_the_first_message(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    first = await adapter.post_keyed(CHANNEL, Card(title="digest"), "digest:2026-W48")
    again = await adapter.post_keyed(CHANNEL, Card(title="digest"), "digest:2026-W48")
    other = await adapter.post_keyed(CHANNEL, Card(title="digest"), "digest:2026-W49")
    assert first == again != other
    assert len(fake_discord.messages_in(CHANNEL)) == 2
    assert fake_discord.messages[0].payload["enforce_nonce"] is True


async def test_429_is_waited_out(adapter: DiscordAdapter, fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limits.append(0.01)
    await adapter.post(CHANNEL, Card(title="after the limit"))
    posts = [r for r in fake_discord.requests if r[0] == "POST" and "messages" in r[1]]
    assert len(posts) == 2
    assert len(fake_discord.messages_in(CHANNEL)) == 1


def test_invite_url_asks_for_exactly_what_is_used() -> None:
    url = build_invite_url("1030118727418646629")
    assert "client_id=1030118727418646629" in url
    assert "permissions=85056" in url
    assert "scope=bot+applications.commands" in url


async def test_a_keyed_resend_after_the_nonce_window_posts_again(
    adapter: DiscordAdapter, fake_discord: FakeDiscord
) -> None:
    # Discord checks an enforced nonce over the past few minutes only: after a longer outage,
    # only find_post (the key carried in the message) stands between a resend and a double
    first = await adapter.post_keyed(CHANNEL, Card(title="t", url="https://arxiv.org/abs/1"), "k")
    fake_discord.clock.advance(minutes=10)
    again = await adapter.post_keyed(CHANNEL, Card(title="t", url="https://arxiv.org/abs/1"), "k")
    assert again.message_id != first.message_id
    found = await adapter.find_post(CHANNEL, "k", Card(title="t"), fake_discord.clock.now())
    assert found == again
