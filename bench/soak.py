"""Soak: the service (`build_bot`) against the fake Slack and Discord for 10 minutes of
compressed time, with restarts and kills, counting what a lab would notice.

    python bench/soak.py [--minutes 10] [--candidates 500] [--people 50] [--speed 20]

The fakes and the bot share one FakeClock, moved by `--speed` seconds of bot time per real
second. Meanwhile: candidates are added and posted (500 by default), 50 people per platform
vote 👍 or 👎 on the posts they see (live when the bot is connected, else left on the post for
the start-up catch-up), one platform drops its connection every minute (alternating), and the
bot is killed every 2 minutes: its tasks are cancelled mid-post and its connections cut, with
no clean close, then a new bot is built on the same state file. At the end one last restart
catches up, and it prints: posts per candidate per platform (all should be exactly 1), votes
counted vs cast (equal), peak memory (VmHWM), and the longest event-loop stall.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import io
import logging
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapters.discord.adapter import is_tagged  # noqa: E402
from bot.app import Bot, Seams, build_bot  # noqa: E402
from bot.core.models import Match, Paper  # noqa: E402
from bot.infra.outbox import Pacer  # noqa: E402
from bot.settings import (  # noqa: E402
    ChannelSettings,
    DiscordSettings,
    Secrets,
    Settings,
    SlackSettings,
    load_settings,
)
from tests.fakes import FakeClock  # noqa: E402
from tests.fakes.discord import GUILD_ID, FakeDiscord  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

SLACK_CHANNEL = "C0CANDIDATES"
DISCORD_CHANNEL = "244567637332328450"
VOTES = {"slack": ("+1", "-1"), "discord": ("👍", "👎")}


@dataclasses.dataclass
class Cast:
    """What the people did: one vote per (platform, person, candidate)."""

    votes: dict[tuple[str, str, int], str] = dataclasses.field(default_factory=dict)


class Stalls:
    """The longest time the event loop was late to wake a 10 ms sleeper."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.builds = 0
        """A sleep that spans a `build_bot` (start-up, synchronous by design) is left out."""

    async def watch(self) -> None:
        while True:
            start, builds = time.perf_counter(), self.builds
            await asyncio.sleep(0.01)
            if builds == self.builds:
                self.longest = max(self.longest, time.perf_counter() - start - 0.01)


def build_settings(tmp: Path, slack: FakeSlack, discord: FakeDiscord) -> Settings:
    config = tmp / "vadbot.yaml"
    config.write_text(
        f"catalog:\n  repo: {ROOT}\nstate:\n  path: {tmp / 'state.sqlite3'}\n", encoding="utf-8"
    )
    return dataclasses.replace(
        load_settings(config, {}),
        slack=SlackSettings(
            api_base_url=slack.api_url, channels=ChannelSettings(candidates=SLACK_CHANNEL)
        ),
        discord=DiscordSettings(
            api_base_url=discord.api_url,
            gateway_url=discord.gateway_url,
            guild_id=GUILD_ID,
            channels=ChannelSettings(candidates=DISCORD_CHANNEL),
        ),
        secrets=Secrets(discord_token="d", slack_bot_token="xoxb-soak", slack_app_token="x-s"),
    )


def paper(n: int) -> Paper:
    # every tenth title repeats an earlier one: title twins must not confuse recovery
    title = f"Video anomaly detection with LLMs, part {n - n % 10 if n % 10 == 3 else n}"
    return Paper(f"2611.{n:05d}", title, "Abstract.", abs_url=f"https://arxiv.org/abs/2611.{n:05d}")


class Soak:
    def __init__(self, args: argparse.Namespace, tmp: Path, stalls: Stalls) -> None:
        self.args = args
        self.stalls = stalls
        self.longest_build = 0.0
        self.tmp = tmp
        self.clock = FakeClock()
        self.slack = FakeSlack(clock=self.clock)
        self.discord = FakeDiscord(clock=self.clock)
        self.cast = Cast()
        self.rng = random.Random(14)
        self.kills = 0
        self.restarts = 0
        self.posting: set[asyncio.Task[Any]] = set()

    def build(self, settings: Settings) -> Bot:
        speed = self.args.speed

        async def sleep(seconds: float) -> None:
            await asyncio.sleep(seconds / speed)

        seams = Seams(
            out=io.StringIO(), pacer=Pacer(intervals={}), discord_ready_timeout=0.05, sleep=sleep
        )
        started = time.perf_counter()
        bot = build_bot(settings, clock=self.clock, seams=seams)
        self.longest_build = max(self.longest_build, time.perf_counter() - started)
        self.stalls.builds += 1
        bot.flush_seconds = 60 / speed
        bot.retry_seconds = (5 / speed,)
        return bot

    async def kill(self, bot: Bot) -> None:
        """kill -9: every task stops where it is; connections drop; nothing is closed cleanly."""
        for task in [*self.posting, *bot._tasks, *bot._catch_ups.values()]:
            task.cancel()
        await asyncio.gather(*self.posting, *bot._tasks, return_exceptions=True)
        for task in bot.flow.throttle._tasks:  # waiting tally edits die with the process
            task.cancel()
        for platform in bot.platforms:  # the sockets close with the process
            await platform.close()
        self.kills += 1

    async def run(self) -> dict[str, Any]:
        await self.slack.start()
        await self.discord.start()
        settings = build_settings(self.tmp, self.slack, self.discord)
        bot = self.build(settings)
        await bot.start(interactive=False)
        minutes, n = self.args.minutes, 0
        per_second = self.args.candidates / (minutes * 60)
        for second in range(int(minutes * 60)):
            self.clock.advance(seconds=1)
            while n < per_second * (second + 1):
                n += 1
                candidate = bot.candidates.add_candidate(
                    paper(n), Match(1.0, ("vad",)), self.clock.now()
                )
                task = asyncio.create_task(bot.flow.post_new([candidate]))
                self.posting.add(task)
                task.add_done_callback(self.posting.discard)
            await self.vote(bot, 2)
            if second % 60 == 59:
                await self.restart_platform(second // 60)
            if second % 120 == 119:
                await self.kill(bot)
                bot = self.build(settings)
                await bot.start(interactive=False)
            await asyncio.sleep(1 / self.args.speed)
        await asyncio.gather(*self.posting, return_exceptions=True)
        await self.kill(bot)  # the last restart: its catch-up reads every vote left on the posts
        bot = self.build(settings)
        await bot.start(interactive=False)
        await bot.wait_connected(30)
        await bot.caught_up()
        await bot.outbox.flush()
        result = self.measure(bot, n)
        await bot.close()
        await self.discord.close()
        await self.slack.close()
        return result

    async def vote(self, bot: Bot, count: int) -> None:
        for _ in range(count):
            for platform in ("slack", "discord"):
                posts = self.visible(platform)
                if not posts:
                    continue
                message, number = self.rng.choice(posts)
                person = self.rng.randrange(self.args.people)
                key = (platform, str(person), number)
                if key in self.cast.votes:
                    continue
                emoji = self.rng.choice(VOTES[platform])
                self.cast.votes[key] = emoji
                live = platform in bot.connected
                await self.react(platform, message, emoji, person, live)

    async def react(self, platform: str, message: str, emoji: str, person: int, live: bool) -> None:
        try:
            if platform == "slack":
                user = f"U{person:04d}"
                if live and self.slack.sockets:
                    await self.slack.send_reaction(SLACK_CHANNEL, message, emoji, user)
                else:
                    self.slack.react_offline(SLACK_CHANNEL, message, emoji, user)
            else:
                user = str(900_000_000_000_000_000 + person)
                if live and self.discord._ws is not None and not self.discord._ws.closed:
                    await self.discord.send_reaction(DISCORD_CHANNEL, message, emoji, user)
                else:
                    self.discord.react_offline(message, emoji, user)
        except (AssertionError, TimeoutError, ConnectionError):  # the connection just dropped
            if platform == "slack":
                self.slack.react_offline(SLACK_CHANNEL, message, emoji, f"U{person:04d}")
            else:
                self.discord.react_offline(message, emoji, str(900_000_000_000_000_000 + person))

    def visible(self, platform: str) -> list[tuple[str, int]]:
        """The candidate posts people can see on a platform: (message id, candidate number)."""
        if platform == "slack":
            found = []
            for m in self.slack.messages_in(SLACK_CHANNEL):
                key = ((m.args.get("metadata") or {}).get("event_payload") or {}).get("key", "")
                found.append((m.ts, int(key.split(":")[1])))
            return found
        return [
            (m.id, self._discord_number(m.payload))
            for m in self.discord.messages_in(DISCORD_CHANNEL)
        ]

    def _discord_number(self, payload: dict[str, Any]) -> int:
        url = payload["embeds"][0].get("url", "")
        return int(url.split("/abs/2611.")[1].split("#")[0])

    async def restart_platform(self, minute: int) -> None:
        """A platform restarts: its connection drops and the client reconnects (alternating)."""
        self.restarts += 1
        if minute % 2 == 0:
            for ws in list(self.slack.sockets):
                await ws.close()
        elif self.discord._ws is not None:
            await self.discord.drop_connection()

    def measure(self, bot: Bot, candidates: int) -> dict[str, Any]:
        posts: dict[str, collections.Counter[int]] = {
            "slack": collections.Counter(n for _, n in self.visible("slack")),
            "discord": collections.Counter(),
        }
        for m in self.discord.messages_in(DISCORD_CHANNEL):
            number = self._discord_number(m.payload)  # the arXiv id, checked against the key
            if is_tagged({"embeds": m.payload["embeds"]}, f"candidate:{number}"):
                posts["discord"][number] += 1
        counted = sum(
            tally.up + tally.down
            for tally in (bot.flow.tally(number) for number in range(1, candidates + 1))
        )
        return {"posts": posts, "candidates": candidates, "counted": counted}


def peak_memory_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.CRITICAL)
    stalls = Stalls()
    watcher = asyncio.create_task(stalls.watch())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        soak = Soak(args, Path(tmp), stalls)
        result = await soak.run()
    watcher.cancel()
    wall = time.perf_counter() - started
    print(
        f"soak: {args.minutes:g} min of bot time in {wall:.0f} s of wall time; "
        f"{soak.kills} kills, {soak.restarts} platform restarts"
    )
    for platform, counts in result["posts"].items():
        spread = collections.Counter(counts.get(n, 0) for n in range(1, result["candidates"] + 1))
        shown = ", ".join(f"{k} post(s): {v}" for k, v in sorted(spread.items()))
        print(f"  {platform}: posts per candidate — {shown}")
    print(f"  votes counted {result['counted']} vs cast {len(soak.cast.votes)}")
    print(f"  peak memory (VmHWM) {peak_memory_mb():.1f} MB")
    print(
        f"  longest event-loop stall {stalls.longest * 1000:.0f} ms (serving); "
        f"build_bot at a restart {soak.longest_build * 1000:.0f} ms at most"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--speed", type=float, default=20.0, help="bot seconds per real second")
    asyncio.run(main(parser.parse_args()))
