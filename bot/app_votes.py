"""Plugs the votes area into the app: the reaction sink, `/vad suggest` and `/vad candidates`,
and the two jobs the scheduler runs (post new candidates; push what a failed push left).

    app = build_app(settings)
    votes = install_votes(app, ArxivClient(settings.arxiv), repo=shared_git_repo)
    # scheduler: votes.post_new_candidates() after each arXiv watch run,
    #            votes.push_pending() before each catalog pull;
    # announcer: run_announcer(..., origin=votes.origin)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.app import App
from bot.clock import UtcClock
from bot.core.models import Catalog, Entry
from bot.core.ports import Clock, PaperLookup
from bot.core.suggest import CandidateCommands, register_candidate_commands
from bot.core.votes import build_vote_rules
from bot.core.voting import Sleep, VoteFlow, build_vote_card, candidate_origin, post_candidates
from bot.infra.candidate_store import CandidateStore
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.vote_store import VoteStore
from bot.infra.yaml_files import parse_catalog, read_catalog_files


@dataclass
class Votes:
    """The votes area as the app runs it."""

    flow: VoteFlow
    commands: CandidateCommands
    writer: CatalogWriter
    store: CandidateStore

    async def post_new_candidates(self) -> int:
        """Post every pending candidate not posted yet (the outbox posts each key once)."""
        pending = self.store.list("pending")
        return await post_candidates(pending, self.flow.poster, self.flow.build_card)

    async def push_pending(self) -> str | None:
        """Push commits a failed push left behind (and show their commits on the candidates'
        posts); None, or why it failed again."""
        return await self.flow.push_pending()

    async def aclose(self) -> None:
        """Send the tally edits still waiting (call before the adapters close)."""
        await self.flow.aclose()

    @property
    def origin(self) -> Callable[[Entry], str | None]:
        """For the announcer: "from candidate #12" on entries that came from a candidate."""
        return candidate_origin(self.store)


def install_votes(
    app: App,
    papers: PaperLookup,
    *,
    clock: Clock | None = None,
    repo: GitRepo | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Votes:
    """Build the votes area over the app's state, outbox and router, and plug it in.

    Pass the announcer's GitRepo as `repo` so approvals and fast-forwards share its lock.
    """
    settings = app.settings
    clock = clock or UtcClock()
    rules = build_vote_rules(settings)
    store = CandidateStore(app.db)
    writer = CatalogWriter.from_settings(settings, repo)
    build_card = build_vote_card(rules)
    flow = VoteFlow(
        rules,
        VoteStore(app.db),
        store,
        writer,
        app.outbox,
        app.outbox.find_key,
        clock,
        build_card,
        throttle_seconds=settings.votes.edit_throttle_seconds,
        sleep=sleep,
    )
    root = settings.resolve(settings.catalog.repo) / settings.catalog.path

    async def catalog() -> Catalog:
        return await asyncio.to_thread(_read_catalog, root)

    commands = CandidateCommands(store, papers, catalog, app.outbox, build_card, flow.tally, clock)
    register_candidate_commands(app.router, commands)
    app.reactions.target = flow
    return Votes(flow, commands, writer, store)


def _read_catalog(root: Path) -> Catalog:
    # what can be read: one broken file must not stop a suggestion
    catalog, _ = parse_catalog(read_catalog_files(root))
    return catalog
