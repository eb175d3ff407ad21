"""The small interfaces the core needs from the outside world, each named once. Infra and
adapters implement them; tests use the fakes in `tests/fakes/`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: importing the ports costs nothing at start-up
    from bot.core.arxiv.watch import Feed
    from bot.core.candidates.lifecycle import AddedEntry, EntryDraft
    from bot.core.candidates.reactions import Decision, VoteReaction
    from bot.core.catalog.history import Commit, FileVersion, Step
    from bot.core.models import (
        Candidate,
        CandidateStatus,
        Card,
        Entry,
        JobHealth,
        Match,
        MessageRef,
        Paper,
        Placement,
        ReactionEvent,
        SignOff,
    )
    from bot.core.search.postings import IndexSnapshot


# ---------------------------------------------------------------------------- time


class Clock(Protocol):
    """Tells the time; injected so that tests never wait."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class KeyValue(Protocol):
    """Small named facts kept across restarts (the state's kv table)."""

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value, or `default`."""
        ...

    def put(self, key: str, value: Any) -> None:
        """Store a JSON-able value; None forgets the key."""
        ...


# ---------------------------------------------------------------------------- chat


class ChatPlatform(Protocol):
    """One chat platform as the outbox and the vote flow use it (Discord, Slack, console).

    Posts carry their outbox key where the platform allows (Slack message metadata, a Discord
    nonce and the card's URL), so a post whose confirmation was lost can be found again.
    """

    platform: str

    async def start(self) -> None:
        """Connect (and keep reconnecting on its own); raises UserError for a wrong setting."""
        ...

    async def close(self) -> None:
        """Disconnect."""
        ...

    async def start_posting(self) -> None:
        """Log in for posting only (Web API/REST): no Socket Mode, no gateway, so the running
        service keeps receiving every event (one-shot commands)."""
        ...

    async def post_keyed(self, channel: str, card: Card, key: str) -> MessageRef:
        """Post a card marked with `key`; returns where it landed once confirmed."""
        ...

    async def find_post(
        self, channel: str, key: str, card: Card, since: datetime
    ) -> MessageRef | None:
        """The bot's post for `key` in `channel` made after `since`, if the platform has it."""
        ...

    async def edit(self, ref: MessageRef, card: Card) -> None:
        """Replace a posted card."""
        ...

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Add the bot's own reaction."""
        ...

    async def read_reactions(self, ref: MessageRef) -> Sequence[ReactionEvent]:
        """The people's reactions now on a message (the bot's own left out), as added events."""
        ...


class ReactionSink(Protocol):
    """Receives every reaction added or removed on any platform (the votes area implements it)."""

    async def on_reaction(self, event: ReactionEvent) -> None:
        """Handle one reaction event; the same `event_id` twice must change nothing."""
        ...


class Poster(Protocol):
    """Posts a card to every platform's channel for a purpose, exactly once per key.

    `purpose` is one of: papers (new entries), candidates, digest, admin.
    `key` names what the card is about ("entry:<id>", "candidate:<n>", "digest:<week>"): posting
    the same key twice posts once. Returns when every platform has confirmed (or the post is
    safely queued for retry in the outbox).
    """

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        """Post `card` for `purpose` once per platform; the refs of the confirmed posts."""
        ...

    async def update(self, key: str, card: Card) -> None:
        """Edit every post made for `key`, on every platform."""
        ...


# ---------------------------------------------------------------------------- catalog


class CatalogHistory(Protocol):
    """The git history of the catalog, read-only. Blocking: call it through a worker thread."""

    def sync(self) -> str | None:
        """Fetch and fast-forward from the remote, if one is set; the new HEAD. Raises GitError."""
        ...

    def head(self) -> str | None:
        """The commit the catalog is read at (None before the first commit)."""
        ...

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        """True when `ancestor` is in the history of `rev`; False when it is unknown."""
        ...

    def steps(self, since: str | None, until: str) -> Sequence[Step]:
        """Each commit after `since` up to `until` that touched the catalog, oldest first."""
        ...

    def snapshot(self, rev: str) -> FileVersion:
        """Every entry of the catalog at `rev`, and the problems of its unreadable files."""
        ...

    def last_commit(self, rev: str, path: str) -> Commit | None:
        """The newest commit up to `rev` that touched the catalog file `path`."""
        ...


class AnnounceState(KeyValue, Protocol):
    """What the announcer remembers: its cursor, the entries announced, and a few facts (its own
    key-value space: `put(key, None)` forgets one)."""

    def cursor(self) -> str | None:
        """The last commit whose entries were all announced, or None before the baseline."""
        ...

    def set_cursor(self, sha: str) -> None:
        """Move the cursor (only once the posts up to `sha` are confirmed)."""
        ...

    def announced(self, entries: Sequence[Entry]) -> set[str]:
        """The ids among `entries` already announced, by id, arXiv id or normalised title."""
        ...

    def mark_announced(self, entries: Sequence[Entry], commit: str, at: datetime) -> None:
        """Remember `entries` as announced in `commit`."""
        ...


class EntryWriter(Protocol):
    """Adds an approved candidate to the catalog (file, commit, push); blocking."""

    def add_candidate(
        self, candidate: Candidate, sign_off: SignOff, draft: EntryDraft | None = None
    ) -> AddedEntry:
        """The entry written for the candidate (the edited `draft`, else the prefilled one), or
        the one found already in the catalog."""
        ...

    def push_pending(self) -> str | None:
        """Push the commits a failed push left; None, or why it failed again."""
        ...

    def commit_of(self, path: str) -> str | None:
        """The commit that last changed the entry file at `path`."""
        ...


class Proposer(Protocol):
    """Pull-request mode: after an approval is committed on the bot branch, open or update its
    PR (and tell the maintainers once when that fails)."""

    async def propose(self, candidate_id: int) -> str:
        """Publish; what the candidate's posts say of it ("proposed in PR #12 <url>"), or ""."""
        ...


class SearchIndexStore(Protocol):
    """Keeps the search index between runs, so that a restart does not re-read every entry."""

    def load(self) -> IndexSnapshot | None:
        """The saved index, or None when there is none (or it cannot be read)."""
        ...

    def save(self, snapshot: IndexSnapshot) -> None:
        """Replace the saved index, atomically."""
        ...


# ---------------------------------------------------------------------------- arxiv and candidates


class FeedSource(Protocol):
    """arXiv as the watch needs it: the latest announcement and a search over dates."""

    async def fetch_latest(self, validators: Mapping[str, str]) -> Feed:
        """The configured categories' feed; `validators` (ETag…) from the last fetch make it
        conditional, and a 304 comes back as `Feed(not_modified=True)`."""
        ...

    async def search(self, start: datetime, end: datetime) -> Sequence[Paper]:
        """Every paper of the keyword query submitted between `start` and `end` (all pages)."""
        ...


class PaperStore(Protocol):
    """Papers seen and candidates saved, so that nothing is proposed twice."""

    def seen_ids(self, arxiv_ids: Collection[str]) -> set[str]:
        """Those of `arxiv_ids` (version-less) already seen or already candidates."""
        ...

    def mark_seen(self, papers: Sequence[Paper], now: datetime) -> None:
        """Remember papers by version-less id (a later version updates the row)."""
        ...


class KnownPapers(Protocol):
    """The catalog's papers, as the keys that recognise one already listed."""

    def arxiv_ids(self) -> Collection[str]:
        """Version-less arXiv ids of the catalog's entries."""
        ...

    def title_keys(self) -> Collection[str]:
        """Normalised titles (`normalise_title`) of the catalog's entries."""
        ...


class PaperLookup(Protocol):
    """arXiv papers by id, for `/vad suggest` (ArxivClient implements it)."""

    async def fetch_by_ids(self, ids: Sequence[str]) -> Sequence[Paper]:
        """Papers for these ids (bare, versioned, abs or pdf URLs); unknown ids are left out."""
        ...


class CandidateStore(PaperStore, Protocol):
    """Papers seen, candidates and their votes and decisions (the state store implements it)."""

    def get(self, candidate_id: int) -> Candidate | None:
        """The candidate with this number, or None."""
        ...

    def get_by_arxiv(self, arxiv_id: str) -> Candidate | None:
        """The candidate for a version-less arXiv id, whatever its status, or None."""
        ...

    def list(self, status: CandidateStatus | None = None) -> Sequence[Candidate]:
        """Candidates with this status (all when None), oldest first."""
        ...

    def add_candidate(
        self, paper: Paper, match: Match, now: datetime, placement: Placement | None = None
    ) -> Candidate:
        """Save a pending candidate, or with status `maybe` a paper of the maybe lane (or
        return the existing one for that arXiv id)."""
        ...

    def maybe(self) -> Sequence[Candidate]:
        """The papers of the maybe lane, best ranked first."""
        ...

    def promote(self, candidate_id: int, by: str, now: datetime) -> Candidate | None:
        """Make a maybe paper a pending candidate; None if it is not maybe (any more)."""
        ...

    def set_ranks(self, ranks: Mapping[int, float]) -> None:
        """Store new lane ranks by candidate number."""
        ...

    def record_vote(self, event: ReactionEvent, candidate_id: int, now: datetime) -> bool:
        """Add or remove a vote reaction; False when it changed nothing."""
        ...

    def vote_reactions(self, candidate_id: int) -> Sequence[VoteReaction]:
        """The vote reactions still on the candidate's posts, oldest first."""
        ...

    def post_votes(self, platform: str, message_id: str) -> set[tuple[str, str]]:
        """(user id, normalised emoji) of the vote reactions recorded on one post."""
        ...

    def decide(
        self, candidate_id: int, decision: Decision, entry_id: str | None, at: datetime
    ) -> bool:
        """Record the decision on a pending candidate; False if already decided."""
        ...

    def mark_unpushed(self, candidate_id: int, path: str) -> None:
        """Remember an approved entry (its file) committed while the push failed."""
        ...

    def unpushed(self) -> Sequence[tuple[int, str]]:
        """The approved candidates whose entries wait for a push, with their entry files."""
        ...

    def set_pushed(self, candidate_id: int, commit: str | None) -> None:
        """The entry went out as `commit`: store it and forget the push to do."""
        ...


# ---------------------------------------------------------------------------- service


class JobLog(Protocol):
    """Remembers each scheduled job's health across restarts (the `jobs` table)."""

    def get(self, name: str) -> JobHealth:
        """The job's last recorded health (a blank one if it never ran)."""
        ...

    def save(self, health: JobHealth) -> None:
        """Record the job's health after a run, or its next run time."""
        ...
