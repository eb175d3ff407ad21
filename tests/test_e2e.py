"""The whole product, end to end: fake Slack, fake Discord and fake arXiv, a throwaway git
catalog, the real adapters, state file and jobs, and an injected clock.

A feed with a matching paper → one candidate post on both platforms → votes on both → the bot
restarts → a maintainer approves → the catalog commit → one new-entry announcement on both →
the weekly digest lists it with its tally → another restart posts nothing twice.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Bot, Seams, build_bot
from bot.core.arxiv.watch import expected_feed_date
from bot.scheduling import ANNOUNCE, ARXIV
from bot.service import Service
from bot.settings import (
    ArxivSettings,
    Settings,
    load_settings,
)
from tests.fakes import FakeClock
from tests.fakes.arxiv import VAD_PAPERS, api_feed, rss_feed
from tests.fakes.discord import FakeDiscord
from tests.fakes.platforms import DISCORD_CHANNELS, SLACK_CHANNELS, on_the_fakes
from tests.fakes.slack import FakeSlack
from tests.git_repo import CatalogRepo, git, make_entry

MAINT_ROLE = "555555555555555555"
DISCORD_VOTER, DISCORD_MAINT = "232163710506893312", "232163710506893313"
PAPER = VAD_PAPERS[0]
MONDAY_EVENING = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # Mon 23 Nov 19:30 in New York
APPROVED_AT = "2026-11-24T02:00:00+00:00"


@dataclass
class FakeArxiv:
    """arXiv's RSS and API as an httpx transport handler: the feed of the expected day."""

    rss: bytes = b""
    status: int = 200
    requests: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if self.status != 200:
            return httpx.Response(self.status, text="Service Unavailable")
        if request.url.path.startswith("/api/"):
            return httpx.Response(200, content=api_feed([]).encode())
        return httpx.Response(200, content=self.rss)


@dataclass
class Lab:
    settings: Settings
    repo: CatalogRepo
    slack: FakeSlack
    discord: FakeDiscord
    arxiv: FakeArxiv
    clock: FakeClock


@dataclass
class Running:
    bot: Bot
    task: asyncio.Task[None]

    @property
    def service(self) -> Service:
        return self.bot.service


async def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
async def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Lab]:
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-01T12:00:00+00:00")
    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("holmes-vau"), make_entry("ucf-crime", kind="dataset", venue="", year=None))
    monkeypatch.setenv("GIT_COMMITTER_DATE", APPROVED_AT)  # the bot's approval commit
    slack, discord = FakeSlack(), FakeDiscord(roles=(MAINT_ROLE,))
    await slack.start()
    await discord.start()
    base = load_settings(
        None,
        {
            "VADBOT_CATALOG__REPO": str(repo.root),
            "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3"),
        },
    )
    arxiv = ArxivSettings(
        rss_url="https://rss.test/rss/",
        api_url="https://export.test/api/query",
        delay_seconds=0.0,
        contact="lab@example.org",
    )
    settings = on_the_fakes(base, slack, discord, MAINT_ROLE, arxiv=arxiv)
    yield Lab(settings, repo, slack, discord, FakeArxiv(), FakeClock(MONDAY_EVENING))
    await discord.close()
    await slack.close()


async def start_bot(lab: Lab) -> Running:
    """One life of `vadbot run`: the real build_bot and Bot.run, until caught up."""
    seams = Seams(
        arxiv_transport=httpx.MockTransport(lab.arxiv),
        arxiv_sleep=no_sleep,
        sleep=no_sleep,
        out=io.StringIO(),
        discord_ready_timeout=0.05,
    )
    bot = build_bot(lab.settings, clock=lab.clock, seams=seams)
    task = asyncio.create_task(bot.run())
    await asyncio.wait_for(bot.service.caught_up.wait(), 10)
    await bot.wait_connected(10)
    await asyncio.wait_for(bot.caught_up(), 10)
    return Running(bot, task)


async def stop_bot(running: Running) -> None:
    running.bot.stop()
    await asyncio.wait_for(running.task, 10)


def slack_texts(lab: Lab, channel: str) -> list[str]:
    return [str(m.latest) for m in lab.slack.messages_in(channel)]


def discord_texts(lab: Lab, channel: str) -> list[str]:
    return [str(m.embeds) for m in lab.discord.messages_in(channel)]


async def until(predicate: Any) -> None:
    async with asyncio.timeout(10):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_a_paper_goes_from_arxiv_to_the_list_and_the_digest_once_across_restarts(
    lab: Lab,
) -> None:
    bot = await start_bot(lab)

    # 20:15 New York: arXiv announced; the watch finds the paper; one post on each platform.
    lab.clock.current = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    lab.arxiv.rss = rss_feed(expected_feed_date(lab.clock.now()), [PAPER]).encode()
    assert ARXIV in await bot.service.scheduler.run_due()
    [slack_post] = lab.slack.messages_in(SLACK_CHANNELS.candidates)
    [discord_post] = lab.discord.messages_in(DISCORD_CHANNELS.candidates)
    assert PAPER.title in str(slack_post.latest)
    assert PAPER.title in str(discord_post.embeds)
    assert len([r for r in lab.slack.reactions if r[1] == slack_post.ts]) == 4

    # Members vote on both platforms; the tally counts both.
    await lab.slack.send_reaction(SLACK_CHANNELS.candidates, slack_post.ts, "+1", user="W1")
    await lab.discord.send_reaction(
        DISCORD_CHANNELS.candidates, discord_post.id, "👍", user_id=DISCORD_VOTER
    )
    await until(lambda: "👍 2" in str(slack_post.latest) and "👍 2" in str(discord_post.embeds))

    # The bot restarts: nothing is posted again.
    await stop_bot(bot)
    bot = await start_bot(lab)
    assert len(lab.slack.messages_in(SLACK_CHANNELS.candidates)) == 1
    assert len(lab.discord.messages_in(DISCORD_CHANNELS.candidates)) == 1

    # A maintainer approves on Discord: one commit, both posts say so.
    await lab.discord.send_reaction(
        DISCORD_CHANNELS.candidates,
        discord_post.id,
        "✅",
        user_id=DISCORD_MAINT,
        roles=(MAINT_ROLE,),
    )
    await until(lambda: "Added to the list" in str(slack_post.latest))
    assert "Added to the list" in str(discord_post.embeds)
    assert git(lab.repo.root, "rev-list", "--count", "HEAD") == "2"
    assert "Approved-by:" in git(lab.repo.root, "log", "-1", "--format=%B")

    # The next announce run posts the new entry once on each platform.
    lab.clock.advance(minutes=15)
    assert ANNOUNCE in await bot.service.scheduler.run_due()
    await bot.service.scheduler.run_due()
    for texts in (
        slack_texts(lab, SLACK_CHANNELS.papers),
        discord_texts(lab, DISCORD_CHANNELS.papers),
    ):
        assert len(texts) == 1
        assert PAPER.title in texts[0]
        assert "candidate #1" in texts[0]

    # The bot is down over Monday 09:00 (and Sunday's arXiv announcement). Back on Wednesday,
    # it catches up: the missed watch fills the gap from the API, the missed digest goes out
    # once, on each platform, listing the new entry with its tally.
    await stop_bot(bot)
    lab.clock.current = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    lab.arxiv.rss = rss_feed(expected_feed_date(lab.clock.now()), [PAPER]).encode()
    bot = await start_bot(lab)
    assert any("/api/query" in url for url in lab.arxiv.requests)
    [slack_digest] = slack_texts(lab, SLACK_CHANNELS.digest)
    [discord_digest] = discord_texts(lab, DISCORD_CHANNELS.digest)
    for digest in (slack_digest, discord_digest):
        assert "weekly · 23–29 Nov 2026" in digest
        assert PAPER.title in digest
        assert "👍 2 👎 0" in digest
        assert "2 papers, 1 dataset" in digest

    # `/vad digest` answers the asker with the last seven days.
    await lab.slack.send_command("digest", user="W1")
    await until(lambda: lab.slack.responses)
    assert "weekly" in str(lab.slack.responses[-1])

    # Restarted once more: nothing is posted twice, and nothing failed along the way.
    await stop_bot(bot)
    bot = await start_bot(lab)
    await stop_bot(bot)
    assert len(slack_texts(lab, SLACK_CHANNELS.digest)) == 1
    assert len(discord_texts(lab, DISCORD_CHANNELS.digest)) == 1
    assert len(slack_texts(lab, SLACK_CHANNELS.papers)) == 1
    assert len(discord_texts(lab, DISCORD_CHANNELS.papers)) == 1
    assert len(lab.slack.messages_in(SLACK_CHANNELS.candidates)) == 1
    assert len(lab.discord.messages_in(DISCORD_CHANNELS.candidates)) == 1
    assert not lab.slack.messages_in(SLACK_CHANNELS.admin)
    assert not lab.discord.messages_in(DISCORD_CHANNELS.admin)


async def test_arxiv_down_all_evening_is_reported_once_on_both_platforms_and_once_recovered(
    lab: Lab,
) -> None:
    bot = await start_bot(lab)
    lab.clock.current = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    day = expected_feed_date(lab.clock.now())
    lab.arxiv.status = 503
    for _ in range(3):  # the evening run, then two runs by hand: one streak
        await bot.service.scheduler.run_job(ARXIV)
    alerts = [*slack_texts(lab, SLACK_CHANNELS.admin), *discord_texts(lab, DISCORD_CHANNELS.admin)]
    assert len(alerts) == 2
    assert all("arxiv-watch is failing" in text for text in alerts)
    lab.arxiv.status = 200
    lab.arxiv.rss = rss_feed(day, [PAPER]).encode()
    await bot.service.scheduler.run_job(ARXIV)
    await bot.service.scheduler.run_job(ARXIV)
    await stop_bot(bot)
    recovered = [t for t in slack_texts(lab, SLACK_CHANNELS.admin) if "watch works again" in t]
    assert len(recovered) == 1
    assert len(discord_texts(lab, DISCORD_CHANNELS.admin)) == 2
    assert len(lab.slack.messages_in(SLACK_CHANNELS.candidates)) == 1


async def test_a_stop_during_a_post_finishes_it_starts_no_other_and_the_restart_loses_nothing(
    lab: Lab,
) -> None:
    bot = await start_bot(lab)
    lab.clock.current = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    day = expected_feed_date(lab.clock.now())
    lab.arxiv.rss = rss_feed(day, VAD_PAPERS[:2]).encode()
    lab.slack.hold_posts = asyncio.Event()  # Slack takes its time to answer the first post
    watch = asyncio.create_task(bot.service.scheduler.run_job(ARXIV))
    await until(lambda: lab.slack.messages_in(SLACK_CHANNELS.candidates))
    bot.service.stop()  # what SIGTERM does
    await asyncio.sleep(0.05)
    assert not bot.task.done()  # waiting for the post in flight
    lab.slack.hold_posts.set()
    await stop_bot(bot)
    await watch
    assert len(lab.slack.messages_in(SLACK_CHANNELS.candidates)) == 1
    assert len(lab.discord.messages_in(DISCORD_CHANNELS.candidates)) == 1

    lab.slack.hold_posts = None
    bot = await start_bot(lab)  # the catch-up runs the interrupted watch again
    await stop_bot(bot)
    for posts in (
        slack_texts(lab, SLACK_CHANNELS.candidates),
        discord_texts(lab, DISCORD_CHANNELS.candidates),
    ):
        assert len(posts) == 2
        assert VAD_PAPERS[0].title in posts[0]
        assert VAD_PAPERS[1].title in posts[1]
