"""One sender at a time (issue 14.7): one-shot commands never open Socket Mode or the gateway,
and while the service runs they hand their posts to it through the outbox."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from pathlib import Path

import pytest

from bot.app import Seams, build_bot
from bot.core.models import Card, Match
from bot.errors import ConfigError
from bot.infra.outbox import Pacer
from bot.settings import ChannelSettings, DiscordSettings, Secrets, SlackSettings, load_settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.support_votes import make_candidate
from tests.test_app import write_config

SLACK = ChannelSettings(candidates="C0CANDIDATES", digest="C0DIGEST")
DISCORD = ChannelSettings(candidates="244567637332328450", digest="244567637332328451")


def settings_for(tmp_path: Path, slack: FakeSlack, discord: FakeDiscord) -> object:
    return dataclasses.replace(
        load_settings(write_config(tmp_path), {}),
        slack=SlackSettings(api_base_url=slack.api_url, channels=SLACK),
        discord=DiscordSettings(
            api_base_url=discord.api_url, gateway_url=discord.gateway_url, channels=DISCORD
        ),
        secrets=Secrets(discord_token="d", slack_bot_token="xoxb-fake", slack_app_token="xapp-f"),
    )


def seams() -> Seams:
    return Seams(out=io.StringIO(), pacer=Pacer(intervals={}), discord_ready_timeout=0.05)


@pytest.fixture
async def fakes() -> object:
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    yield slack, discord
    await discord.close()
    await slack.close()


async def test_a_one_shot_alone_posts_over_the_web_api_only(tmp_path: Path, fakes: object) -> None:
    slack, discord = fakes  # type: ignore[misc]
    bot = build_bot(settings_for(tmp_path, slack, discord), seams=seams())  # type: ignore[arg-type]
    assert await bot.start_posting()
    refs = await bot.outbox.publish("digest", "digest:w1", Card(title="This week"))
    await bot.close()
    assert sorted(r.platform for r in refs) == ["discord", "slack"]
    assert slack.socket_opens == 0  # no Socket Mode connection to steal events
    assert discord.identifies == 0  # no gateway session


async def test_a_vote_during_a_one_shot_is_counted_and_its_post_sent_once(
    tmp_path: Path, fakes: object
) -> None:
    slack, discord = fakes  # type: ignore[misc]
    settings = settings_for(tmp_path, slack, discord)
    service = build_bot(settings, seams=seams())  # type: ignore[arg-type]
    service.flush_seconds = 0.01
    task = asyncio.create_task(service.run())
    await slack.wait_for(lambda: {"slack", "discord"} <= service.connected)
    paper = make_candidate().paper
    service.candidates.add_candidate(paper, Match(1.0, ("vad",)), service.clock.now())
    await service.flow.post_new()
    [post] = slack.messages_in("C0CANDIDATES")

    one_shot = build_bot(settings, seams=seams())  # type: ignore[arg-type]
    assert not await one_shot.start_posting()  # the service runs: hand the post to it
    await one_shot.outbox.publish("digest", "digest:w1", Card(title="This week"))
    await slack.send_reaction(post.channel, post.ts, "+1", user="U9")  # while it runs
    await one_shot.close()

    await slack.wait_for(lambda: service.flow.tally(1).up == 1)
    await slack.wait_for(lambda: len(slack.messages_in("C0DIGEST")) == 1)
    await discord.wait_for(lambda: len(discord.messages_in("244567637332328451")) == 1)
    assert slack.socket_opens == 1
    service.stop()
    await task
    assert len(slack.messages_in("C0DIGEST")) == 1


async def test_a_second_service_on_the_same_state_file_is_refused(
    tmp_path: Path, fakes: object
) -> None:
    slack, discord = fakes  # type: ignore[misc]
    settings = settings_for(tmp_path, slack, discord)
    first = build_bot(settings, seams=seams())  # type: ignore[arg-type]
    task = asyncio.create_task(first.run())
    await slack.wait_for(lambda: "slack" in first.connected)
    second = build_bot(settings, seams=seams())  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="one sender at a time"):
        await second.run()
    assert slack.socket_opens == 1
    first.stop()
    await task
