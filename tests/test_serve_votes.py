"""`vadbot run` and the votes area: what must happen around the service's life."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from pathlib import Path

import pytest

from bot.app import Seams, build_bot, serve
from bot.core.models import Match, ReactionEvent
from bot.infra.outbox import Pacer, parse_card
from bot.infra.state import Database
from bot.settings import Secrets, SlackSettings, load_settings
from tests.fakes import FakeClock
from tests.fakes.platforms import SLACK_CHANNELS
from tests.fakes.slack import FakeSlack
from tests.support_votes import git, make_candidate, make_catalog_repo


async def test_a_tally_waiting_for_its_edit_is_shown_before_the_bot_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    state = tmp_path / "state.sqlite3"
    env = {
        "VADBOT_CATALOG__REPO": str(repo),
        "VADBOT_STATE__PATH": str(state),
        "VADBOT_VOTES__EDIT_THROTTLE_SECONDS": "3600",  # the edit would wait an hour
    }
    monkeypatch.setattr("sys.stdin", io.StringIO())  # the console reads nothing
    bot = build_bot(load_settings(None, env), seams=Seams(out=io.StringIO()))
    running = asyncio.create_task(bot.run())
    await asyncio.wait_for(bot.service.caught_up.wait(), 10)
    paper = make_candidate().paper
    bot.candidates.add_candidate(paper, Match(1.0, ("vad",)), FakeClock().now())
    await bot.flow.post_new()
    [ref] = bot.outbox.refs("candidate:1")
    await bot.flow.on_reaction(
        ReactionEvent("console", ref.channel, ref.message_id, "me", "👍", True)
    )
    bot.stop()  # what SIGTERM does
    await asyncio.wait_for(running, 10)

    db = Database(state)
    [row] = db.query("SELECT card FROM posts WHERE key = 'candidate:1'")
    db.close()
    assert "👍 1" in parse_card(row["card"]).footer


async def test_an_approval_made_while_the_bot_was_down_is_applied_by_the_next_run(
    tmp_path: Path,
) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    state = tmp_path / "state.sqlite3"
    slack = FakeSlack()
    await slack.start()
    slack.user_names = {"UMAINT": "Grace"}
    base = load_settings(
        None, {"VADBOT_CATALOG__REPO": str(repo), "VADBOT_STATE__PATH": str(state)}
    )
    settings = dataclasses.replace(
        base,
        slack=SlackSettings(
            api_base_url=slack.api_url, channels=SLACK_CHANNELS, maintainer_users=("UMAINT",)
        ),
        secrets=Secrets(slack_bot_token="xoxb-f", slack_app_token="xapp-f"),
    )
    clock = FakeClock()
    try:
        seams = Seams(out=io.StringIO(), pacer=Pacer(intervals={}))
        bot = build_bot(settings, clock=clock, seams=seams)
        await bot.start()
        await bot.wait_connected(10)
        bot.candidates.add_candidate(make_candidate().paper, Match(1.0, ("vad",)), clock.now())
        await bot.flow.post_new()
        await bot.close()  # the first life posted the candidate; the bot is down
        [post] = slack.messages_in(SLACK_CHANNELS.candidates)
        slack.react_offline(SLACK_CHANNELS.candidates, post.ts, "white_check_mark", "UMAINT")

        await serve(
            settings, once=True, clock=clock, seams=seams, only=("outbox",)
        )  # cron's next run
    finally:
        await slack.close()

    sha = git(repo, "rev-parse", "HEAD").strip()
    footer = str(post.blocks[-1]["elements"][0]["text"])
    assert footer.startswith(f"✅ Added to the list by @Grace (Slack) · commit {sha[:7]}")
    db = Database(state)
    [row] = db.query("SELECT status, commit_sha FROM candidates")
    db.close()
    assert (row["status"], row["commit_sha"]) == ("approved", sha)
