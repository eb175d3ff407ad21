"""The outbox with the real adapters against both fake platforms: once, paced, crash-safe."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from bot.core.candidates.lifecycle import build_candidate_card
from bot.core.models import Candidate, Card, Match, MessageRef, Paper
from bot.errors import RateLimited
from bot.infra.outbox import Outbox, Pacer, dump_card, parse_card
from bot.infra.state import Database
from bot.settings import ChannelSettings
from tests.fakes import FakeClock, with_platforms
from tests.fakes.platforms import (
    DISCORD_CHANNELS,
    SLACK_CHANNELS,
    FakeReactionSink,
    Platforms,
    running_platforms,
)

SLACK_CHANNEL = SLACK_CHANNELS.candidates
DISCORD_CHANNEL = DISCORD_CHANNELS.candidates
PAPER = Paper(
    "2611.01234",
    "Rare events: Multimodal LLMs for Open-Set Video Anomaly Detection",
    "We propose a method.",
    authors=("A. Author",),
    categories=("cs.CV",),
    abs_url="https://arxiv.org/abs/2611.01234",
    pdf_url="https://arxiv.org/pdf/2611.01234",
)
CARD = build_candidate_card(Candidate(1, PAPER, Match(0.91, ("video anomaly",))))


@dataclass
class Sleeps:
    """A sleep that returns at once and remembers how long it was asked to wait."""

    waits: list[float] = field(default_factory=list)
    now: float = 0.0

    async def __call__(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
async def platforms() -> AsyncIterator[Platforms]:
    async with running_platforms() as p:
        yield p


def build_outbox(db: Database, p: Platforms, sleeps: Sleeps | None = None) -> Outbox:
    sleeps = sleeps or Sleeps()
    pacer = Pacer(monotonic=sleeps.monotonic, sleep=sleeps)
    return with_platforms(Outbox(db, p.channels, FakeClock(), pacer), [p.slack, p.discord])


async def test_candidate_reaches_both_platforms_with_its_reactions_once(
    platforms: Platforms, tmp_path: Path
) -> None:
    db = Database(tmp_path / "state.sqlite3")
    outbox = build_outbox(db, platforms)
    refs = await outbox.publish("candidates", "candidate:1", CARD)
    again = await outbox.publish("candidates", "candidate:1", CARD)
    assert sorted(r.platform for r in refs) == ["discord", "slack"]
    assert sorted(refs, key=str) == sorted(again, key=str)
    (slack_post,) = platforms.fake_slack.messages_in(SLACK_CHANNEL)
    (discord_post,) = platforms.fake_discord.messages_in(DISCORD_CHANNEL)
    assert slack_post.text == PAPER.title
    assert discord_post.embeds[0]["title"] == PAPER.title
    assert "🆕 Candidate · arXiv 2611.01234 · cs.CV" in str(slack_post.blocks)
    assert "[pdf](https://arxiv.org/pdf/2611.01234)" in discord_post.embeds[0]["description"]
    assert [r[2] for r in platforms.fake_slack.reactions] == ["+1", "-1", "white_check_mark", "x"]
    assert [r[2] for r in platforms.fake_discord.reactions] == ["👍", "👎", "✅", "❌"]
    assert outbox.find_key("slack", slack_post.ts) == "candidate:1"
    assert outbox.find_key("discord", discord_post.id) == "candidate:1"
    assert outbox.find_key("discord", "0") is None


async def test_update_edits_every_post_of_a_key(platforms: Platforms, tmp_path: Path) -> None:
    outbox = build_outbox(Database(tmp_path / "s.sqlite3"), platforms)
    await outbox.publish("candidates", "candidate:2", CARD)
    await outbox.update("candidate:2", Card(title="Rare events", footer="👍 4 · 👎 1"))
    (slack_post,) = platforms.fake_slack.messages_in(SLACK_CHANNEL)
    (discord_post,) = platforms.fake_discord.messages_in(DISCORD_CHANNEL)
    assert slack_post.blocks[-1]["elements"][0]["text"] == "👍 4 · 👎 1"
    assert discord_post.embeds[0]["footer"]["text"] == "👍 4 · 👎 1"


async def test_everyone_and_channel_in_a_title_ping_nobody(
    platforms: Platforms, tmp_path: Path
) -> None:
    outbox = build_outbox(Database(tmp_path / "s.sqlite3"), platforms)
    card = Card(title="@everyone <!channel> look", body="<@U123> <!here> @here <@&1>")
    await outbox.publish("candidates", "candidate:3", card)
    (slack_post,) = platforms.fake_slack.messages_in(SLACK_CHANNEL)
    (discord_post,) = platforms.fake_discord.messages_in(DISCORD_CHANNEL)
    slack_text = str(slack_post.args)
    for token in ("<!channel>", "<!here>", "<@U123>"):
        assert token not in slack_text
    assert discord_post.payload["allowed_mentions"]["parse"] == []
    embed = discord_post.embeds[0]
    for token in ("@everyone", "@here", "<@&1>"):
        assert token not in embed["title"] + embed["description"]


async def test_slack_429_waits_its_retry_after(platforms: Platforms, tmp_path: Path) -> None:
    sleeps = Sleeps()
    outbox = build_outbox(Database(tmp_path / "s.sqlite3"), platforms, sleeps)
    platforms.fake_slack.rate_limits.append(3)
    refs = await outbox.publish("candidates", "candidate:4", Card(title="t"))
    assert len(refs) == 2
    assert 3.0 in sleeps.waits
    assert len(platforms.fake_slack.messages_in(SLACK_CHANNEL)) == 1


async def die_while_posting(platforms: Platforms, path: Path, key: str, card: Card) -> None:
    """The bot is killed while its post is on the way: both platforms hold the post, the
    outbox never hears its id. Afterwards the platforms answer again."""
    hold = asyncio.Event()
    platforms.fake_slack.hold_posts = hold
    platforms.fake_discord.hold_posts = hold
    first = build_outbox(Database(path), platforms)
    task = asyncio.create_task(first.publish("candidates", key, card))
    await platforms.fake_slack.wait_for(
        lambda: platforms.fake_slack.messages and platforms.fake_discord.messages
    )
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    hold.set()


async def test_killed_between_recorded_and_confirmed_posts_once_after_restart(
    platforms: Platforms, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    await die_while_posting(platforms, path, "candidate:5", CARD)
    restarted = build_outbox(Database(path), platforms)
    assert restarted.unsent() == 2
    assert await restarted.flush() == 2
    await restarted.publish("candidates", "candidate:5", CARD)
    assert len(platforms.fake_slack.messages_in(SLACK_CHANNEL)) == 1
    assert len(platforms.fake_discord.messages_in(DISCORD_CHANNEL)) == 1
    assert restarted.unsent() == 0
    assert {r.platform for r in restarted.refs("candidate:5")} == {"slack", "discord"}


async def test_one_platform_down_does_not_stop_the_other(
    platforms: Platforms, tmp_path: Path
) -> None:
    outbox = build_outbox(Database(tmp_path / "s.sqlite3"), platforms)
    await platforms.fake_discord.close()
    refs = await outbox.publish("candidates", "candidate:6", Card(title="t"))
    assert [r.platform for r in refs] == ["slack"]
    assert outbox.unsent() == 1


@dataclass
class Recorder:
    platform: str = "slack"
    sent: list[tuple[float, str]] = field(default_factory=list)
    clock: Sleeps = field(default_factory=Sleeps)
    limited: int = 0

    async def post_keyed(self, channel: str, card: Card, key: str) -> MessageRef:
        if self.limited:
            self.limited -= 1
            raise RateLimited("429", 2.0)
        self.sent.append((self.clock.now, key))
        return MessageRef(self.platform, channel, key)

    async def find_post(self, channel: str, key: str, card: Card, since: datetime) -> None:
        return None

    async def edit(self, ref: MessageRef, card: Card) -> None:
        return None

    async def react(self, ref: MessageRef, emoji: str) -> None:
        return None


async def test_a_burst_is_paced_at_about_one_message_a_second_per_channel(tmp_path: Path) -> None:
    recorder = Recorder()
    pacer = Pacer(monotonic=recorder.clock.monotonic, sleep=recorder.clock)
    channels = {"slack": ChannelSettings(digest="C0DIGEST")}
    outbox = with_platforms(
        Outbox(Database(tmp_path / "s.sqlite3"), channels, FakeClock(), pacer), [recorder]
    )
    await asyncio.gather(*(outbox.publish("digest", f"d:{i}", Card(title="x")) for i in range(5)))
    times = [t for t, _ in recorder.sent]
    assert len(times) == 5
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))


async def test_the_same_key_published_twice_at_once_posts_once(tmp_path: Path) -> None:
    recorder = Recorder()
    pacer = Pacer(monotonic=recorder.clock.monotonic, sleep=recorder.clock)
    channels = {"slack": ChannelSettings(admin="C0ADMIN")}
    outbox = with_platforms(
        Outbox(Database(tmp_path / "s.sqlite3"), channels, FakeClock(), pacer), [recorder]
    )
    card = Card(title="arXiv is failing")
    first, second, _ = await asyncio.gather(
        outbox.publish("admin", "alert:arxiv", card),
        outbox.publish("admin", "alert:arxiv", card),
        outbox.flush(),
    )
    assert first == second
    assert [key for _, key in recorder.sent] == ["alert:arxiv"]


def test_cards_survive_the_posts_table() -> None:
    card = Card(title="t", items=(Card(title="i", reactions=("👍",)),), reactions=("✅",))
    assert parse_card(dump_card(card)) == card


async def test_reactions_on_both_platforms_map_back_to_the_candidate(tmp_path: Path) -> None:
    sink = FakeReactionSink()
    async with running_platforms(sink=sink, maintainer_roles=("555",)) as p:
        outbox = build_outbox(Database(tmp_path / "s.sqlite3"), p)
        await outbox.publish("candidates", "candidate:7", CARD)
        (slack_post,) = p.fake_slack.messages_in(SLACK_CHANNEL)
        (discord_post,) = p.fake_discord.messages_in(DISCORD_CHANNEL)
        await p.fake_slack.send_reaction(SLACK_CHANNEL, slack_post.ts, "+1", user="U42")
        await p.fake_discord.send_reaction(DISCORD_CHANNEL, discord_post.id, "✅", roles=("555",))
        await p.fake_discord.wait_for(lambda: len(sink.events) == 2)
    by_platform = {e.platform: e for e in sink.events}
    assert by_platform["slack"].emoji == "👍"
    assert by_platform["discord"].roles == ("555",)
    for event in sink.events:
        assert outbox.find_key(event.platform, event.message_id) == "candidate:7"


def twin(number: int) -> Card:
    """A candidate card whose title another candidate also has."""
    paper = Paper(
        f"2611.0{number}000",
        "Rare events: Multimodal LLMs for Open-Set Video Anomaly Detection",
        "We propose a method.",
        abs_url=f"https://arxiv.org/abs/2611.0{number}000",
    )
    return build_candidate_card(Candidate(number, paper, Match(0.9, ("video anomaly",))))


async def test_a_title_twin_left_sending_is_posted_not_taken_for_the_other(
    platforms: Platforms, tmp_path: Path
) -> None:
    outbox = build_outbox(Database(tmp_path / "s.sqlite3"), platforms)
    await outbox.publish("candidates", "candidate:1", twin(1))
    platforms.fake_discord.fail_posts = 1  # a 502: the second post may or may not be there
    await outbox.publish("candidates", "candidate:2", twin(2))
    assert outbox.unsent() == 1
    assert await outbox.flush() == 1
    first, second = platforms.fake_discord.messages_in(DISCORD_CHANNEL)
    assert {r.message_id for r in outbox.refs("candidate:2")} >= {second.id}
    await outbox.update("candidate:2", Card(title="twin two", footer="👍 3"))
    assert first.edits == []
    assert second.embeds[0]["footer"]["text"] == "👍 3"


async def test_a_title_twin_killed_after_reaching_discord_is_found_by_its_key(
    platforms: Platforms, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    await build_outbox(Database(path), platforms).publish("candidates", "candidate:1", twin(1))
    hold = asyncio.Event()
    platforms.fake_discord.hold_posts = hold
    first = build_outbox(Database(path), platforms)
    task = asyncio.create_task(first.publish("candidates", "candidate:2", twin(2)))
    await platforms.fake_discord.wait_for(lambda: len(platforms.fake_discord.messages) == 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    hold.set()
    platforms.fake_discord.clock.advance(minutes=10)  # past the nonce window
    restarted = build_outbox(Database(path), platforms)
    await restarted.flush()
    one, two = platforms.fake_discord.messages_in(DISCORD_CHANNEL)
    assert [r.message_id for r in restarted.refs("candidate:2") if r.platform == "discord"] == [
        two.id
    ]
    assert [r.message_id for r in restarted.refs("candidate:1") if r.platform == "discord"] == [
        one.id
    ]


async def test_a_busy_channel_between_crash_and_restart_does_not_hide_the_post(
    platforms: Platforms, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    await die_while_posting(platforms, path, "candidate:8", CARD)
    for n in range(150):  # the lab keeps talking while the bot is down
        platforms.fake_slack.post_as_someone(SLACK_CHANNEL, f"message {n}")
        platforms.fake_discord.post_as_someone(DISCORD_CHANNEL, f"message {n}")
    platforms.fake_discord.clock.advance(minutes=30)  # Discord's nonce check is long over
    assert await build_outbox(Database(path), platforms).flush() == 2
    assert len(platforms.fake_slack.messages_in(SLACK_CHANNEL)) == 1
    assert len(platforms.fake_discord.messages_in(DISCORD_CHANNEL)) == 1


async def test_killed_between_sent_and_the_reactions_gets_them_after_restart(
    platforms: Platforms, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    hold = asyncio.Event()
    platforms.fake_slack.hold_reactions = hold
    first = build_outbox(Database(path), platforms)
    task = asyncio.create_task(first.publish("candidates", "candidate:9", CARD))
    await platforms.fake_slack.wait_for(
        lambda: any(m == "reactions.add" for m, _ in platforms.fake_slack.calls)
    )
    task.cancel()  # the bot dies: the post is confirmed, its reactions are not there
    with pytest.raises(asyncio.CancelledError):
        await task
    platforms.fake_slack.hold_reactions = None
    hold.set()  # the first reaction may still land: Slack had the request
    await asyncio.sleep(0.01)
    restarted = build_outbox(Database(path), platforms)
    await restarted.flush()
    names = [name for _, _, name in platforms.fake_slack.reactions]
    assert names == ["+1", "-1", "white_check_mark", "x"]
    assert len(platforms.fake_slack.messages_in(SLACK_CHANNEL)) == 1
    await restarted.flush()  # done once: nothing more
    assert len(platforms.fake_slack.reactions) == 4
