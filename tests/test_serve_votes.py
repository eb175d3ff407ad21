"""`vadbot run` and the votes area: what must happen around the service's life."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

import bot.jobs
from bot.app import App
from bot.app_votes import Votes
from bot.core.models import Match, ReactionEvent
from bot.infra.outbox import parse_card
from bot.infra.state import Database
from bot.jobs import serve
from bot.settings import load_settings
from tests.fakes import FakeClock
from tests.support_votes import make_candidate, make_catalog_repo


class OneVote:
    """Stands in for the scheduler: a candidate is posted, gets a 👍, and the bot stops."""

    def __init__(self, app: App, votes: Votes) -> None:
        self.app, self.votes = app, votes

    def handle_signals(self) -> Callable[[], None]:
        return lambda: None

    async def run_forever(self) -> None:
        paper = make_candidate().paper
        self.votes.store.add_candidate(paper, Match(1.0, ("vad",)), "watch", FakeClock().now())
        await self.votes.post_new_candidates()
        [ref] = self.app.outbox.refs("candidate:1")
        vote = ReactionEvent("console", ref.channel, ref.message_id, "me", "👍", True)
        await self.app.reactions.on_reaction(vote)


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
    monkeypatch.setattr(
        bot.jobs, "build_service", lambda app, clock, votes, seams: OneVote(app, votes)
    )
    monkeypatch.setattr("sys.stdout", io.StringIO())
    monkeypatch.setattr("sys.stdin", io.StringIO())  # the console reads nothing
    await serve(load_settings(None, env))

    db = Database(state)
    [row] = db.query("SELECT card FROM posts WHERE key = 'candidate:1'")
    db.close()
    assert "👍 1" in parse_card(row["card"]).footer
