"""Issue 14's smaller points, through build_bot and the fake platforms: secrets kept out of the
state file, a long Retry-After capped, a rejected Discord token said once, Slack HTTP mode on
loopback by default, a corrupt state file refused at start."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
from pathlib import Path

import pytest

from bot.app import Seams, build_bot
from bot.core.models import Card
from bot.errors import ConfigError
from bot.infra.outbox import Pacer
from bot.infra.state import Database
from bot.settings import ChannelSettings, DiscordSettings, Secrets, SlackSettings, load_settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.test_app import write_config

TOKEN = "fake-bot-token-SECRET-echoed"


async def test_a_platform_error_echoing_the_token_is_stored_redacted(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    settings = dataclasses.replace(
        load_settings(write_config(tmp_path), {}),
        slack=SlackSettings(api_base_url=fake.api_url, channels=ChannelSettings(admin="C0ADMIN")),
        secrets=Secrets(slack_bot_token=TOKEN, slack_app_token="xapp-fake"),
    )
    bot = build_bot(settings, seams=Seams(out=io.StringIO(), pacer=Pacer(intervals={})))
    fake.errors.append(f"invalid_auth for {TOKEN}")  # a proxy that echoes what it was sent
    assert await bot.outbox.publish("admin", "alert:x", Card(title="x")) == []
    (row,) = bot.db.query("SELECT last_error FROM posts")
    assert "invalid_auth" in row["last_error"]
    assert TOKEN not in row["last_error"]
    await bot.close()
    await fake.close()


async def test_a_rejected_discord_token_is_said_once_and_slack_keeps_working(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    discord.bad_token = True
    settings = dataclasses.replace(
        load_settings(write_config(tmp_path), {}),
        slack=SlackSettings(api_base_url=slack.api_url),
        discord=DiscordSettings(api_base_url=discord.api_url, gateway_url=discord.gateway_url),
        secrets=Secrets(discord_token="bad", slack_bot_token="xoxb-fake", slack_app_token="x-f"),
    )
    bot = build_bot(settings, seams=Seams(out=io.StringIO(), discord_ready_timeout=0.05))
    bot.retry_seconds = (0.001,)
    await bot.start(interactive=False)
    await slack.wait_for(lambda: "slack" in bot.connected)
    await asyncio.sleep(0.05)  # time for many retries, were there any
    logins = [r for r in discord.requests if r == ("GET", "/users/@me")]
    assert len(logins) == 1
    said = [r.getMessage() for r in caplog.records if "discord" in r.getMessage()]
    assert sum("token" in line for line in said) == 1
    await slack.send_command("help")
    await slack.wait_for(lambda: slack.responses)
    await bot.close()
    await slack.close()
    await discord.close()


def test_slack_http_mode_listens_on_loopback_unless_told() -> None:
    assert SlackSettings().http_host == "127.0.0.1"
    settings = load_settings(None, {"VADBOT_SLACK__HTTP_HOST": "0.0.0.0"})
    assert settings.slack.http_host == "0.0.0.0"


def test_a_corrupt_state_file_is_refused_at_start_with_one_clear_line(tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path), {})
    path = tmp_path / "state.sqlite3"
    db = Database(path)  # vadbot's own state file, with enough rows to have pages to damage
    for n in range(400):
        db.put(f"filler:{n}", "x" * 500)
    db.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200  # a page in the middle is garbage
    path.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"state.sqlite3.*(corrupt|damaged)"):
        build_bot(settings, seams=Seams(out=io.StringIO()))


logging.getLogger("discord").setLevel(logging.WARNING)
