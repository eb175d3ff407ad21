"""Both fake platforms with the real adapters connected to them, for any area's tests.

async with running_platforms(router, sink) as p:
    outbox = with_platforms(Outbox(db, p.channels, FakeClock()), [p.slack, p.discord])
    await outbox.publish("candidates", "candidate:1", card)
    p.fake_slack.messages_in(p.SLACK_CANDIDATES); await p.fake_discord.send_reaction(...)
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.slack.adapter import SlackAdapter
from bot.core.commands import CommandRouter, build_router
from bot.core.models import ReactionEvent
from bot.core.ports import ReactionSink
from bot.core.search.engine import SearchIndex
from bot.infra.state import Database
from bot.settings import (
    ChannelSettings,
    DiscordSettings,
    Secrets,
    Settings,
    SlackSettings,
    VoteSettings,
)
from tests.fakes.discord import GUILD_ID, FakeDiscord
from tests.fakes.slack import FakeSlack

SLACK_CHANNELS = ChannelSettings(
    papers="C0PAPERS", candidates="C0CANDIDATES", digest="C0DIGEST", admin="C0ADMIN"
)
DISCORD_CHANNELS = ChannelSettings(
    papers="244567637332328449",
    candidates="244567637332328450",
    digest="244567637332328451",
    admin="244567637332328452",
)


@dataclass
class FakeReactionSink:
    """A ReactionSink that keeps every event it receives."""

    events: list[ReactionEvent] = field(default_factory=list)

    async def on_reaction(self, event: ReactionEvent) -> None:
        self.events.append(event)


@dataclass
class Platforms:
    """The connected adapters, their fakes, and the channel ids per purpose."""

    slack: SlackAdapter
    discord: DiscordAdapter
    fake_slack: FakeSlack
    fake_discord: FakeDiscord

    @property
    def channels(self) -> dict[str, ChannelSettings]:
        return {"slack": SLACK_CHANNELS, "discord": DISCORD_CHANNELS}


@asynccontextmanager
async def running_platforms(
    router: CommandRouter | None = None,
    sink: ReactionSink | None = None,
    db: Database | None = None,
    maintainer_roles: tuple[str, ...] = (),
) -> AsyncIterator[Platforms]:
    """Start both fakes, connect a SlackAdapter and a DiscordAdapter to them; close all after.

    `db` (optional) deduplicates Slack deliveries as the app does; `maintainer_roles` are
    role ids the fake guild knows, so `send_reaction(..., roles=…)` reaches the sink with them.
    """
    router = router or build_router(SearchIndex([]))
    fake_slack, fake_discord = FakeSlack(), FakeDiscord(roles=maintainer_roles)
    await fake_slack.start()
    await fake_discord.start()
    secrets = Secrets(slack_bot_token="xoxb-fake", slack_app_token="xapp-fake")
    seen = (lambda key: db.first_time(key, "test")) if db is not None else None
    slack = SlackAdapter(
        SlackSettings(api_base_url=fake_slack.api_url, channels=SLACK_CHANNELS),
        secrets,
        router,
        sink,
        seen,
    )
    discord_settings = DiscordSettings(
        api_base_url=fake_discord.api_url,
        gateway_url=fake_discord.gateway_url,
        guild_id=GUILD_ID,
        channels=DISCORD_CHANNELS,
        maintainer_roles=maintainer_roles,
    )
    discord = DiscordAdapter(discord_settings, "fake", router, sink, guild_ready_timeout=0.05)
    try:
        await slack.start()
        await discord.start(timeout=5)
        yield Platforms(slack, discord, fake_slack, fake_discord)
    finally:
        await discord.close()
        await slack.close()
        await fake_discord.close()
        await fake_slack.close()


def on_the_fakes(
    settings: Settings, slack: FakeSlack, discord: FakeDiscord, maintainer_role: str, **more: Any
) -> Settings:
    """`settings` with both platforms on the fakes: their channels, the maintainers (Slack's
    UMAINT, Discord's `maintainer_role`), tokens the fakes take, tallies edited at once; `more`
    replaces any other section."""
    return dataclasses.replace(
        settings,
        slack=SlackSettings(
            api_base_url=slack.api_url, channels=SLACK_CHANNELS, maintainer_users=("UMAINT",)
        ),
        discord=DiscordSettings(
            api_base_url=discord.api_url,
            gateway_url=discord.gateway_url,
            guild_id=GUILD_ID,
            channels=DISCORD_CHANNELS,
            maintainer_roles=(maintainer_role,),
        ),
        votes=VoteSettings(edit_throttle_seconds=0.0),
        secrets=dataclasses.replace(
            settings.secrets,
            discord_token="fake",
            slack_bot_token="xoxb-f",
            slack_app_token="xapp-f",
        ),
        **more,
    )
