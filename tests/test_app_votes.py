"""build_bot wires the votes into the bot the way `vadbot run` builds it."""

from __future__ import annotations

import io
from pathlib import Path

import httpx

from bot.app import Seams, build_bot
from bot.core.models import ReactionEvent, Request
from bot.infra.outbox import parse_card
from bot.settings import load_settings
from tests.fakes.arxiv import Item, api_feed
from tests.support_votes import make_catalog_repo


def arxiv_api(request: httpx.Request) -> httpx.Response:
    """arXiv's API, knowing one paper."""
    paper = Item("2501.07777", "A Member's Suggestion", "Anomalies in video explained by an LLM.")
    return httpx.Response(200, content=api_feed([paper]).encode())


async def test_the_app_answers_suggest_and_candidates_and_routes_reactions(
    tmp_path: Path,
) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    env = {
        "VADBOT_CATALOG__REPO": str(repo),
        "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3"),
        "VADBOT_VOTES__AUTO_APPROVE_AT": "1",
    }
    seams = Seams(arxiv_transport=httpx.MockTransport(arxiv_api), out=io.StringIO())
    app = build_bot(load_settings(None, env), seams=seams)
    assert {"suggest", "candidates"} <= {c.name for c in app.router.commands()}

    ask = Request("console", "me", "candidates", "suggest", "2501.07777", user_name="me")
    reply = await app.router.dispatch(ask)
    assert reply.text == "Thanks! “A Member's Suggestion” is now candidate #1: vote on its post."
    [row] = app.db.query("SELECT card FROM posts WHERE key = 'candidate:1'")
    body = parse_card(row["card"]).body
    assert "suggested by a member" in body
    assert "relevance 0.00" not in body  # rated by the watch's own rules, as backfill does
    listing = await app.router.dispatch(Request("console", "me", "c", "candidates"))
    item = listing.cards[0].items[0]
    assert (item.title, item.body) == ("A Member's Suggestion", "candidate #1 · no votes yet")

    [ref] = app.outbox.refs("candidate:1")
    await app.flow.on_reaction(
        ReactionEvent("console", ref.channel, ref.message_id, "me", "👍", True)
    )  # the auto-approve threshold of 1 is reached: the entry is written
    approved = app.candidates.get(1)
    assert approved is not None
    assert approved.status == "approved"
    assert list((repo / "catalog" / "papers").glob(f"*/{approved.entry_id}.yaml"))
    app.db.close()
