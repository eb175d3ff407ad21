"""Plugs the votes area into the app: the reaction sink, `/vad suggest` and `/vad candidates`,
and the two jobs the scheduler runs (post new candidates; push what a failed push left).

    app = build_app(settings)
    votes = install_votes(app, ArxivClient(settings.arxiv), repo=shared_git_repo)
    votes.catch_up_on_connect(app)  # reactions made while the bot was down, per platform
    # scheduler (bot/jobs.py): the arXiv watch posts pending candidates through its shutdown
    #            gate; votes.push_pending() before each catalog pull;
    # cron or a one-off: votes.post_new_candidates();
    # announcer: run_announcer(..., origin=votes.origin)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import App
from bot.clock import UtcClock
from bot.core.candidates.catchup import catch_up_reactions
from bot.core.candidates.flow import (
    Sleep,
    VoteFlow,
    build_vote_card,
    candidate_origin,
    post_candidates,
)
from bot.core.candidates.reactions import build_vote_rules
from bot.core.candidates.suggest import CandidateCommands, register_candidate_commands
from bot.core.models import Catalog, Entry, MessageRef
from bot.core.ports import Clock, PaperLookup, ReactionReader
from bot.infra.candidate_store import CandidateStore
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.vote_store import VoteStore
from bot.infra.yaml_files import parse_catalog, read_catalog_files

log = logging.getLogger(__name__)

CONNECT_POLL_SECONDS = 0.2


@dataclass
class Votes:
    """The votes area as the app runs it."""

    flow: VoteFlow
    commands: CandidateCommands
    writer: CatalogWriter
    store: CandidateStore
    refs: Callable[[str], Sequence[MessageRef]]
    """Where a key's posts are (the outbox's `refs`)."""
    sleep: Sleep = asyncio.sleep
    connect_poll_seconds: float = CONNECT_POLL_SECONDS
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def catch_up_reactions(self, readers: Iterable[ReactionReader]) -> int:
        """Feed the votes and decisions made on these platforms while the bot was down; how
        many reactions changed."""
        by_platform = {reader.platform: reader.read_reactions for reader in readers}
        pending = self.store.list("pending")
        return await catch_up_reactions(self.flow, pending, self.refs, by_platform, self.sleep)

    def catch_up_on_connect(self, app: App) -> None:
        """Catch up on each platform's reactions as soon as it connects (in the background)."""
        for adapter in app.adapters:
            if isinstance(adapter, ReactionReader):
                catch_up = self._catch_up_when_connected(app, adapter)
                self._tasks[adapter.platform] = asyncio.create_task(catch_up)

    async def caught_up(self, platforms: Collection[str]) -> None:
        """Wait until the catch-up of these (connected) platforms is done."""
        await asyncio.gather(*(t for p, t in self._tasks.items() if p in platforms))

    async def _catch_up_when_connected(self, app: App, reader: ReactionReader) -> None:
        while reader.platform not in app.connected:
            await asyncio.sleep(self.connect_poll_seconds)
        try:
            fed = await self.catch_up_reactions([reader])
        except Exception:  # the live events still work: never let this stop the bot
            log.exception("%s: catching up on reactions failed", reader.platform)
            return
        log.info("%s: %d reaction(s) made while the bot was down caught up", reader.platform, fed)

    async def post_new_candidates(self) -> int:
        """Post every pending candidate not posted yet (the outbox posts each key once)."""
        pending = self.store.list("pending")
        return await post_candidates(pending, self.flow.poster, self.flow.build_card)

    async def push_pending(self) -> str | None:
        """Push commits a failed push left behind (and show their commits on the candidates'
        posts); None, or why it failed again."""
        return await self.flow.push_pending()

    async def aclose(self) -> None:
        """Stop catching up; send the tally edits still waiting (call before the adapters
        close)."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
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
    return Votes(flow, commands, writer, store, app.outbox.refs, sleep)


def _read_catalog(root: Path) -> Catalog:
    # what can be read: one broken file must not stop a suggestion
    catalog, _ = parse_catalog(read_catalog_files(root))
    return catalog
