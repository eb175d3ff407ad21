"""`/vad suggest <arXiv id or URL>` and `/vad candidates`.

A suggestion becomes a candidate like any the watch found (source `suggest`), after the checks
a member would want to hear about: not an arXiv id, unknown to arXiv, already in the list,
already a candidate, or rejected before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.core.candidates.flow import VoteFlow
from bot.core.candidates.lifecycle import find_in_catalog, format_tally, has_votes, maybe_reason
from bot.core.candidates.reactions import platform_name
from bot.core.commands import CommandRouter
from bot.core.models import (
    Candidate,
    Card,
    Catalog,
    Link,
    Match,
    Paper,
    Placement,
    Reply,
    Request,
    Tally,
    parse_arxiv_id,
)
from bot.core.ports import Clock, PaperLookup
from bot.errors import FeedError, QueryError, UserError

log = logging.getLogger(__name__)

SUGGEST_EXAMPLE = "/vad suggest 2501.01234"
PROMOTE_EXAMPLE = "/vad promote 2501.01234"
LIST_LIMIT = 15
SUGGESTED = Match(score=0.0, terms=("suggested by a member",))


class CandidateCommands:
    """The handlers of `/vad suggest` and `/vad candidates`."""

    def __init__(
        self,
        flow: VoteFlow,
        papers: PaperLookup,
        catalog: Callable[[], Awaitable[Catalog]],
        clock: Clock,
        *,
        relevance: Callable[[Paper], Match] | None = None,
        post_links: Callable[[Candidate], Sequence[Link]] = lambda candidate: (),
    ) -> None:
        self.clock = clock
        self.flow = flow
        self.book = flow.store
        self.papers = papers
        self.catalog = catalog
        self.relevance = relevance
        """How the watch's rules rate a paper, so a suggestion shows its real relevance."""
        self.post_links = post_links
        """Links to a candidate's posts, for `/vad candidates`."""

    async def suggest(self, request: Request) -> Reply:
        """Propose a paper by arXiv id or URL; it is posted for votes like any candidate."""
        arxiv_id = _arxiv_id(request.text)
        known = self.book.get_by_arxiv(arxiv_id)
        if known is not None and known.status == "maybe":
            return await self.promote(request)
        if known is not None:
            raise UserError(_known_message(known))
        catalog = await self.catalog()
        listed = next((e for e in catalog.entries if e.arxiv_id == arxiv_id), None)
        if listed is not None:  # answered at once, even with arXiv down
            raise UserError(f"“{listed.title}” is already in the list (entry `{listed.id}`).")
        paper = await self._fetch(arxiv_id)
        entry = find_in_catalog(catalog, _as_candidate(paper))
        if entry is not None:
            raise UserError(f"“{entry.title}” is already in the list (entry `{entry.id}`).")
        who = request.user_name or request.user_id
        candidate = self.book.add_candidate(
            paper,
            self._suggested_match(paper),
            self.clock.now(),
            Placement(source="suggest", suggested_by=f"{who} ({platform_name(request.platform)})"),
        )
        await self.flow.post_new([candidate])
        text = f"Thanks! “{paper.title}” is now candidate #{candidate.id}: vote on its post."
        return Reply(text=text, ephemeral=False)

    async def _fetch(self, arxiv_id: str) -> Paper:
        try:
            found = await self.papers.fetch_by_ids([arxiv_id])
        except FeedError as exc:
            log.warning("arXiv lookup of %s failed: %s", arxiv_id, exc)
            raise UserError("arXiv did not answer just now; try again in a few minutes.") from exc
        for paper in found:
            if paper.arxiv_id == arxiv_id:
                return paper
        raise UserError(f"arXiv has no paper {arxiv_id}; check the id.")

    def _suggested_match(self, paper: Paper) -> Match:
        if self.relevance is None:
            return SUGGESTED
        rated = self.relevance(paper)
        return Match(rated.score, (*SUGGESTED.terms, *rated.terms))

    async def list_pending(self, request: Request) -> Reply:
        """The pending candidates with their tallies, most voted first."""
        pending = [(c, self.flow.tally(c.id)) for c in self.book.list("pending")]
        if not pending:
            return Reply(text="No candidates are waiting for a decision.")
        pending.sort(key=lambda pair: (-pair[1].net, -pair[0].id))
        items = tuple(_list_item(c, t, self.post_links(c)) for c, t in pending[:LIST_LIMIT])
        more = len(pending) - len(items)
        footer = f"and {more} more" if more > 0 else "Vote with 👍/👎 on a candidate's post."
        title = f"{len(pending)} candidate(s) waiting for a decision"
        return Reply(cards=(Card(title=title, items=items, footer=footer, kind="candidates"),))

    async def list_maybe(self, request: Request) -> Reply:
        """The maybe lane, best ranked first, each with one line of why."""
        kept = self.book.maybe()
        if not kept:
            return Reply(text="The maybe lane is empty: no near miss is waiting for a look.")
        items = tuple(_maybe_item(c) for c in kept[:LIST_LIMIT])
        more = len(kept) - len(items)
        hint = "Promote one for votes with /vad promote <arXiv id> (or 👍 on its digest card)."
        footer = f"and {more} more · {hint}" if more > 0 else hint
        title = f"{len(kept)} paper(s) maybe for the list"
        return Reply(cards=(Card(title=title, items=items, footer=footer, kind="candidates"),))

    async def promote(self, request: Request) -> Reply:
        """Promote a maybe paper to a candidate: it is posted for votes."""
        arxiv_id = _arxiv_id(request.text, PROMOTE_EXAMPLE)
        known = self.book.get_by_arxiv(arxiv_id)
        if known is None:
            raise UserError(f"{arxiv_id} is not in the maybe lane; see /vad maybe.")
        if known.status != "maybe":
            raise UserError(_known_message(known))
        who = request.user_name or request.user_id
        promoted = await self.flow.promote(arxiv_id, who, request.platform)
        if promoted is None:
            raise UserError(f"{arxiv_id} is no longer in the maybe lane.")
        text = f"“{promoted.paper.title}” is now candidate #{promoted.id}: vote on its post."
        return Reply(text=text, ephemeral=False)


def register_candidate_commands(router: CommandRouter, commands: CandidateCommands) -> None:
    """Add `/vad suggest` and `/vad candidates` to the router."""
    router.register(
        "suggest",
        commands.suggest,
        "propose an arXiv paper the watch did not find; members vote on it",
        SUGGEST_EXAMPLE,
    )
    router.register(
        "candidates",
        commands.list_pending,
        "the candidates waiting for a decision, with their votes",
        "/vad candidates",
    )
    router.register(
        "maybe",
        commands.list_maybe,
        "near misses kept in the maybe lane, best ranked first, with why",
        "/vad maybe",
    )
    router.register(
        "promote",
        commands.promote,
        "post a maybe paper for votes as a candidate",
        PROMOTE_EXAMPLE,
    )


def _arxiv_id(text: str, example: str = SUGGEST_EXAMPLE) -> str:
    text = text.strip()
    if not text:
        raise QueryError(f"Give an arXiv id or link, for example `{example}`.")
    parsed = parse_arxiv_id(text)
    if parsed is None or (" " in text):
        raise QueryError(
            f"“{text[:80]}” is not an arXiv id or link (like 2501.01234 or "
            "https://arxiv.org/abs/2501.01234)."
        )
    return parsed[0]


def _known_message(known: Candidate) -> str:
    title = known.paper.title
    if known.status == "pending":
        return f"“{title}” is already candidate #{known.id}: vote on its post."
    who = f"{known.decided_by} ({platform_name(known.decided_platform or '')})"
    if known.status == "rejected":
        return f"“{title}” (candidate #{known.id}) was rejected by {who}; it is not proposed again."
    return f"“{title}” (candidate #{known.id}) was already approved by {who}."


def _as_candidate(paper: Paper) -> Candidate:
    return Candidate(id=0, paper=paper, match=Match(0.0, ()))


def _maybe_item(candidate: Candidate) -> Card:
    paper = candidate.paper
    rank = f"rank {candidate.rank:.2f} · " if candidate.rank is not None else ""
    return Card(
        title=f"{paper.arxiv_id} {paper.title}",
        url=paper.abs_url or f"https://arxiv.org/abs/{paper.arxiv_id}",
        body=f"{rank}{maybe_reason(candidate)}",
        kind="maybe",
    )


def _list_item(candidate: Candidate, tally: Tally, posts: Sequence[Link]) -> Card:
    """One line of `/vad candidates`: the title (the list numbers it), its votes, its posts."""
    paper = candidate.paper
    votes = format_tally(tally) if has_votes(tally) else "no votes yet"
    return Card(
        title=paper.title,
        url=paper.abs_url or f"https://arxiv.org/abs/{paper.arxiv_id}",
        body=f"candidate #{candidate.id} · {votes}",
        links=tuple(posts),
        kind="candidate",
    )
