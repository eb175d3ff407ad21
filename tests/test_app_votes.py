"""install_votes plugs the votes area into the app the way `vadbot run` builds it."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import build_app
from bot.app_votes import install_votes
from bot.core.models import Paper, ReactionEvent, Request
from bot.settings import load_settings
from tests.support_votes import make_candidate, make_catalog_repo


class Arxiv:
    async def fetch_by_ids(self, ids: object) -> list[Paper]:
        return [make_candidate(0, "2501.07777", "A Member's Suggestion").paper]


async def test_the_app_answers_suggest_and_candidates_and_routes_reactions(
    tmp_path: Path,
) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    env = {
        "VADBOT_CATALOG__REPO": str(repo),
        "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3"),
        "VADBOT_VOTES__AUTO_APPROVE_AT": "1",
    }
    app = build_app(load_settings(None, env), out=io.StringIO())
    votes = install_votes(app, Arxiv())
    assert {"suggest", "candidates"} <= {c.name for c in app.router.commands()}

    ask = Request("console", "me", "candidates", "suggest", "2501.07777", user_name="me")
    reply = await app.router.dispatch(ask)
    assert reply.text == "Thanks! “A Member's Suggestion” is now candidate #1: vote on its post."
    listing = await app.router.dispatch(Request("console", "me", "c", "candidates"))
    assert listing.cards[0].items[0].title == "#1 A Member's Suggestion"

    [ref] = app.outbox.refs("candidate:1")
    await app.reactions.on_reaction(
        ReactionEvent("console", ref.channel, ref.message_id, "me", "👍", True)
    )  # the auto-approve threshold of 1 is reached: the entry is written
    approved = votes.store.get(1)
    assert approved is not None
    assert approved.status == "approved"
    assert (repo / "catalog" / "papers" / "2025" / f"{approved.entry_id}.yaml").is_file()
    app.db.close()
