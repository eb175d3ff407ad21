"""Votes to catalog to announcement, on a real throwaway git catalog and a real state file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.announce import run_announcer
from bot.core.approval import parse_trailers
from bot.core.models import ReactionEvent
from bot.core.votes import VoteRules, build_vote_rules
from bot.core.voting import VoteFlow, build_vote_card, candidate_origin
from bot.infra.announce_store import AnnounceStore
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.state import Database
from bot.infra.vote_store import VoteStore
from bot.settings import load_settings
from tests.fakes import FakeClock, FakePoster
from tests.support_votes import FakeBook, MemoryCandidates, git, make_candidate, make_catalog_repo

ENV = {
    "VADBOT_DISCORD__MAINTAINER_ROLES": "['R-MAINT']",
    "VADBOT_SLACK__MAINTAINER_USERS": "['UMAINT']",
}

CARD = build_vote_card(VoteRules())


async def never(_: float) -> None:
    await asyncio.Event().wait()


async def test_an_approval_commits_once_and_is_announced_once(tmp_path: Path) -> None:
    repo_dir, _ = make_catalog_repo(tmp_path)
    repo = GitRepo(repo_dir)
    db = Database(tmp_path / "state.sqlite3")
    candidates = MemoryCandidates(db)
    candidate = candidates.add(make_candidate(12), ("discord", "900"), ("slack", "17.1"))
    poster, clock = FakePoster(), FakeClock()
    history = GitCatalogHistory(repo, "catalog", remote="origin")
    announce = AnnounceStore(db)
    await run_announcer(history, announce, poster, clock)  # baseline before the approval
    writer = CatalogWriter(repo, "catalog", bot_name="vadbot", bot_email="bot@lab", remote="origin")
    flow = VoteFlow(
        build_vote_rules(load_settings(None, ENV)), VoteStore(db), candidates, writer, poster,
        clock, CARD, sleep=never,
    )  # fmt: skip

    await asyncio.gather(  # a maintainer on each platform, at the same moment
        flow.on_reaction(
            ReactionEvent("discord", "C", "900", "42", "✅", True, roles=("R-MAINT",))
        ),
        flow.on_reaction(ReactionEvent("slack", "C", "17.1", "UMAINT", "white_check_mark", True)),
    )

    assert git(repo_dir, "rev-list", "--count", "HEAD").strip() == "2"
    path = "catalog/papers/2025/rare-events-mllm.yaml"
    assert git(repo_dir, "show", "--name-only", "--format=", "HEAD").split() == [path]
    message = git(repo_dir, "log", "-1", "--format=%B")
    first = parse_trailers(message)["Approved-by"]
    assert first in ("42 (Discord)", "UMAINT (Slack)")
    assert parse_trailers(message)["Candidate"] == "#12"
    assert git(repo_dir, "rev-parse", "HEAD") == git(tmp_path / "remote.git", "rev-parse", "main")
    [(key, card)] = poster.updated
    assert key == "candidate:12"
    assert "✅ Added to the list by @" in card.footer
    assert path in card.footer

    book = FakeBook([c for c in [candidates.get(12)] if c is not None])
    for _ in range(2):
        await run_announcer(history, announce, poster, clock, origin=candidate_origin(book))
    papers = [card for purpose, _, card in poster.published if purpose == "papers"]
    assert len(papers) == 1
    assert papers[0].footer.endswith("· from candidate #12")
    assert candidate.paper.title in papers[0].body
