"""`vadbot run` as a user starts it, and the app's wiring."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import signal
import sys
from pathlib import Path
from typing import Literal

import pytest

from bot.app import Seams, build_bot
from bot.cli import main
from bot.core.models import Card, Match
from bot.errors import ConfigError
from bot.infra.outbox import Pacer
from bot.settings import ChannelSettings, DiscordSettings, Secrets, SlackSettings, load_settings
from tests.fakes.slack import FakeSlack
from tests.support_votes import make_candidate

ROOT = Path(__file__).resolve().parents[1]


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "vadbot.yaml"
    state = tmp_path / "state.sqlite3"
    config.write_text(f"catalog:\n  repo: {ROOT}\nstate:\n  path: {state}\n", encoding="utf-8")
    return config


async def test_run_without_tokens_uses_the_console_and_says_how_to_add_platforms(
    tmp_path: Path,
) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "VADBOT_"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(write_config(tmp_path)),
        "run",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(b"/vad search vera\n")
    await process.stdin.drain()
    seen = b""
    async with asyncio.timeout(20):
        while b"VERA: Explainable" not in seen:
            line = await process.stdout.readline()
            assert line, f"vadbot run ended early:\n{seen.decode()}"
            seen += line
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 10) == 0
    text = seen.decode()
    assert "running in the console" in text
    assert "To add Slack" in text
    assert "SLACK_BOT_TOKEN" in text
    assert "To add Discord" in text
    assert "DISCORD_TOKEN" in text
    assert "github.com/vera-framework/VERA" in text


async def test_a_platform_that_cannot_connect_does_not_stop_the_other(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    settings = dataclasses.replace(
        load_settings(write_config(tmp_path), {}),
        slack=SlackSettings(
            api_base_url=fake.api_url, channels=ChannelSettings(candidates="C0CANDIDATES")
        ),
        discord=DiscordSettings(api_base_url="http://127.0.0.1:9/api/v10"),  # nothing listens
        secrets=Secrets(discord_token="x", slack_bot_token="xoxb-fake", slack_app_token="xapp-f"),
    )
    app = build_bot(settings, seams=Seams(out=io.StringIO(), pacer=Pacer(intervals={})))
    app.retry_seconds = (60.0,)
    task = asyncio.create_task(app.run())
    await fake.wait_for(lambda: "slack" in app.connected)
    await fake.send_command("search vera")
    await fake.wait_for(lambda: fake.responses)
    assert "VERA" in str(fake.responses[0]["blocks"])
    assert "discord" not in app.connected
    paper = make_candidate().paper
    app.candidates.add_candidate(paper, Match(1.0, ("vad",)), app.clock.now())
    await app.flow.post_new()
    [post] = fake.messages_in("C0CANDIDATES")
    await fake.send_reaction(post.channel, post.ts, "-1")
    await fake.wait_for(lambda: app.flow.tally(1).down == 1)  # Slack's votes still count
    app.stop()
    await task
    await fake.close()


@pytest.mark.parametrize(
    ("mode", "secrets", "missing"),
    [
        ("socket", Secrets(slack_bot_token="xoxb-fake"), "SLACK_APP_TOKEN"),
        (
            "http",
            Secrets(slack_bot_token="xoxb-fake", slack_app_token="xapp-f"),
            "SLACK_SIGNING_SECRET",
        ),
        ("socket", Secrets(slack_app_token="xapp-fake"), "SLACK_BOT_TOKEN"),
        ("http", Secrets(slack_signing_secret="shh-fake"), "SLACK_BOT_TOKEN"),
    ],
)
def test_half_set_slack_tokens_stop_the_start_naming_the_missing_variable(
    tmp_path: Path, mode: Literal["socket", "http"], secrets: Secrets, missing: str
) -> None:
    settings = dataclasses.replace(
        load_settings(write_config(tmp_path), {}),
        slack=SlackSettings(mode=mode),
        secrets=secrets,
    )
    with pytest.raises(ConfigError, match=f"{missing} is not set"):
        build_bot(
            settings, seams=Seams(out=io.StringIO())
        )  # not a bot that runs "healthy" without Slack
    assert not (tmp_path / "state.sqlite3").exists()


def test_run_with_half_set_slack_tokens_exits_with_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-fake")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    assert main(["--config", str(write_config(tmp_path)), "run", "--once"]) == 2
    assert "SLACK_APP_TOKEN is not set" in capsys.readouterr().err


async def test_a_post_that_failed_is_sent_again_while_running(tmp_path: Path) -> None:
    fake = FakeSlack()
    await fake.start()
    settings = dataclasses.replace(
        load_settings(write_config(tmp_path), {}),
        slack=SlackSettings(api_base_url=fake.api_url, channels=ChannelSettings(admin="C0ADMIN")),
        secrets=Secrets(slack_bot_token="xoxb-fake", slack_app_token="xapp-fake"),
    )
    app = build_bot(settings, seams=Seams(out=io.StringIO(), pacer=Pacer(intervals={})))
    app.flush_seconds = 0.01
    task = asyncio.create_task(app.run())
    await fake.wait_for(lambda: "slack" in app.connected)
    fake.errors.append("internal_error")
    assert await app.outbox.publish("admin", "alert:1", Card(title="arXiv is down")) == []
    await fake.wait_for(lambda: fake.messages_in("C0ADMIN"))
    await fake.wait_for(lambda: app.outbox.unsent() == 0)
    assert len(fake.messages_in("C0ADMIN")) == 1
    app.stop()
    await task
    await fake.close()
