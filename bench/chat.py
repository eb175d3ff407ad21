"""Chat round trips through the real discord.py and slack-bolt clients against the local fakes.

    python bench/chat.py [--rounds 50]

Prints the median and 95th percentile of: `/vad search vera` from the platform's event to the
bot's answer on each platform, and a candidate card published through the outbox to both
platforms with its four reactions (pacing off, to see the bot's own cost).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapters.discord.adapter import DiscordAdapter  # noqa: E402
from bot.adapters.slack.adapter import SlackAdapter  # noqa: E402
from bot.core.commands import build_router  # noqa: E402
from bot.core.models import Card  # noqa: E402
from bot.core.search.engine import SearchIndex  # noqa: E402
from bot.infra.outbox import Outbox, Pacer  # noqa: E402
from bot.infra.state import Database  # noqa: E402
from bot.infra.yaml_files import load_catalog  # noqa: E402
from bot.settings import ChannelSettings, DiscordSettings, Secrets, SlackSettings  # noqa: E402
from tests.fakes import FakeClock  # noqa: E402
from tests.fakes.discord import FakeDiscord  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402


async def timed(rounds: int, step: Callable[[int], Awaitable[None]]) -> str:
    times = []
    for n in range(rounds):
        start = time.perf_counter()
        await step(n)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return f"median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   ({rounds} rounds)"


async def main(rounds: int) -> None:
    router = build_router(SearchIndex(load_catalog(ROOT / "catalog").entries))
    fake_slack, fake_discord = FakeSlack(), FakeDiscord()
    await fake_slack.start()
    await fake_discord.start()
    secrets = Secrets(slack_bot_token="xoxb-bench", slack_app_token="xapp-bench")
    slack = SlackAdapter(SlackSettings(api_base_url=fake_slack.api_url), secrets, router)
    discord_settings = DiscordSettings(
        api_base_url=fake_discord.api_url, gateway_url=fake_discord.gateway_url
    )
    discord = DiscordAdapter(discord_settings, "bench", router, guild_ready_timeout=0.05)
    await slack.start()
    await discord.start()

    async def slack_search(n: int) -> None:
        await fake_slack.send_command("search vera")
        await fake_slack.wait_for(lambda: len(fake_slack.responses) > n, timeout=10)

    async def discord_search(n: int) -> None:
        await fake_discord.send_command("search", {"query": "vera"})
        await fake_discord.wait_for(lambda: len(fake_discord.interaction_replies) > n, 10)

    channels = {
        "slack": ChannelSettings(candidates="C1"),
        "discord": ChannelSettings(candidates="1"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bench.sqlite3")
        outbox = Outbox(db, [slack, discord], channels, FakeClock(), Pacer(intervals={}))
        card = Card(title="Rare events", body="abstract " * 40, reactions=("👍", "👎", "✅", "❌"))

        async def publish(n: int) -> None:
            await outbox.publish("candidates", f"candidate:{n}", card)

        print(f"slack   /vad search vera       {await timed(rounds, slack_search)}")
        print(f"discord /vad search vera       {await timed(rounds, discord_search)}")
        print(f"outbox  candidate → both + 4×2 reactions {await timed(rounds, publish)}")
        db.close()
    await discord.close()
    await slack.close()
    await fake_discord.close()
    await fake_slack.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(main(parser.parse_args().rounds))
