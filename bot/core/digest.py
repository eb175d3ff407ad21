"""The weekly digest: what the list gained, what was decided, what waits for votes.

`DigestJob` posts it once per period: the period is named by the date of the schedule's last
due time in the lab's time zone, remembered in kv (`digest:last_period`) and used in the post
key (`digest:<period>`), so a digest missed while vadbot was down is sent once when it is back,
and never twice. (A new install does not open with a digest: the scheduler runs a cron job for
the first time at its first scheduled time, not at start-up.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.candidates.lifecycle import maybe_reason
from bot.core.models import (
    Candidate,
    Card,
    Entry,
    Link,
    Reply,
    Request,
    Tally,
    describe_counts,
)
from bot.core.ports import Clock, KeyValue, Poster

PERIOD = timedelta(days=7)
LAST_PERIOD_KEY = "digest:last_period"
MAX_WAITING = 5
MAX_MAYBE = 5
MAX_NEW = MAX_DECIDED = 10
TEXT_BUDGET = 3500
"""Characters the card's items may take: Discord's embed description holds 4,096 and its markup
and escapes add some. A section that does not fit ends with "… and N more"."""
_ITEM_MARKUP = 20


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An entry added to the list during the period, and the commit that added it."""

    entry: Entry
    commit: str = ""
    author: str = ""


@dataclass(frozen=True, slots=True)
class Voted:
    """A candidate with its votes and, when known, a link to its post."""

    candidate: Candidate
    tally: Tally = field(default_factory=Tally)
    post_url: str | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything the weekly digest shows."""

    start: datetime
    end: datetime
    added: tuple[NewEntry, ...] = ()
    proposed: tuple[Voted, ...] = ()
    """Candidates proposed during the period, whatever their status now."""
    decided: tuple[Voted, ...] = ()
    """Candidates approved or rejected during the period."""
    waiting: tuple[Voted, ...] = ()
    """Every pending candidate; the digest shows the best few."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """Entries in the list by kind, after the period."""
    name: str = "LLM4VAD"
    maybe: tuple[Candidate, ...] = ()
    """The maybe lane, best ranked first; the digest shows the first MAX_MAYBE."""


class DigestSource(Protocol):
    """Gathers a period's digest from git history and the state store."""

    async def collect(self, start: datetime, end: datetime) -> Digest:
        """The digest of [start, end)."""
        ...


# ---------------------------------------------------------------------------- building


def assemble_digest(
    start: datetime,
    end: datetime,
    added: Sequence[NewEntry],
    candidates: Sequence[Candidate],
    tally: Callable[[Candidate], Tally],
    counts: Mapping[str, int],
    name: str = "LLM4VAD",
) -> Digest:
    """The digest of [start, end) from the entries added and every candidate known."""

    def voted(candidate: Candidate) -> Voted:
        return Voted(candidate, tally(candidate))

    def within(when: datetime | None) -> bool:
        return when is not None and start <= when < end

    return Digest(
        start=start,
        end=end,
        added=tuple(added),
        proposed=tuple(
            voted(c) for c in candidates if c.status != "maybe" and within(c.created_at)
        ),
        decided=tuple(
            voted(c) for c in candidates if c.status != "pending" and within(c.decided_at)
        ),
        waiting=tuple(voted(c) for c in candidates if c.status == "pending"),
        counts=dict(counts),
        name=name,
        maybe=rank_maybe(candidates),
    )


def rank_maybe(candidates: Sequence[Candidate]) -> tuple[Candidate, ...]:
    """The maybe lane's papers, best ranked first (then the newest)."""
    kept = (c for c in candidates if c.status == "maybe")
    return tuple(sorted(kept, key=lambda c: (-(c.rank or 0.0), -c.id)))


def format_period(start: date, end: date) -> str:
    """`16–22 Nov 2026`, `28 Nov – 4 Dec 2026`, `29 Dec 2026 – 4 Jan 2027`, `24 Nov 2026`."""
    last = f"{end.day} {end:%b %Y}"
    if start == end:
        return last
    if start.year != end.year:
        return f"{start.day} {start:%b %Y} – {last}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {last}"
    return f"{start.day}–{last}"


def format_counts(counts: Mapping[str, int]) -> str:
    """`The list now holds 33 papers, 7 datasets.`"""
    return f"The list now holds {describe_counts(counts) or 'no entries yet'}."


def format_votes(tally: Tally) -> str:
    """`👍 3 👎 0`."""
    return f"👍 {tally.up} 👎 {tally.down}"


def top_waiting(digest: Digest, limit: int = MAX_WAITING) -> tuple[Voted, ...]:
    """The pending candidates most worth a look: best net votes, then the newest."""
    ranked = sorted(digest.waiting, key=lambda v: (-v.tally.net, -v.candidate.id))
    return tuple(ranked[:limit])


def approvals_by_entry(digest: Digest) -> dict[str, Voted]:
    """The approvals whose paper is among the new entries, by entry id: the entry's line says
    who approved it, so the paper is shown once."""
    new = {n.entry.id for n in digest.added}
    by_arxiv = {n.entry.arxiv_id: n.entry.id for n in digest.added if n.entry.arxiv_id}
    found: dict[str, Voted] = {}
    for voted in digest.decided:
        candidate = voted.candidate
        if candidate.status == "approved":
            entry_id = candidate.entry_id if candidate.entry_id in new else None
            entry_id = entry_id or by_arxiv.get(candidate.paper.arxiv_id)
            if entry_id:
                found[entry_id] = voted
    return found


def listed_decisions(digest: Digest) -> tuple[Voted, ...]:
    """The decisions listed on their own: those not shown on a new entry's line."""
    shown = {v.candidate.id for v in approvals_by_entry(digest).values()}
    return tuple(v for v in digest.decided if v.candidate.id not in shown)


def approval_text(voted: Voted) -> str:
    """`✅ approved by @ada (Slack) · 👍 3 👎 0`."""
    who = voted.candidate.decided_by or "a maintainer"
    return f"✅ approved by {who} · {format_votes(voted.tally)}"


def decision_summary(digest: Digest) -> str:
    """`Decided: 2 added, 1 rejected`."""
    rejected = sum(v.candidate.status == "rejected" for v in digest.decided)
    added = len(digest.decided) - rejected
    return f"Decided: {added} added, {rejected} rejected"


def build_digest_card(digest: Digest, tz: ZoneInfo) -> Card:
    """The digest as one card: a summary, then one item per entry and candidate shown; each
    section is capped (count and text), and says how many it left out."""
    new_ids = {v.candidate.id for v in digest.proposed}
    summary = (
        f"New in the list: {len(digest.added)} · {decision_summary(digest)} · "
        f"New candidates: {len(digest.proposed)} · Waiting for your votes: {len(digest.waiting)}"
    )
    if digest.maybe:
        summary += f" · Maybe for the list: {len(digest.maybe)}"
    waiting = top_waiting(digest, len(digest.waiting))
    approvals = approvals_by_entry(digest)
    sections = (
        (
            [_entry_item(n, approvals.get(n.entry.id)) for n in digest.added],
            MAX_NEW,
            "new in the list",
        ),
        ([_decided_item(v) for v in listed_decisions(digest)], MAX_DECIDED, "decided"),
        ([_waiting_item(v, v.candidate.id in new_ids) for v in waiting], MAX_WAITING, "waiting"),
        ([_maybe_item(c) for c in digest.maybe], MAX_MAYBE, "maybe for the list"),
    )
    budget, items = TEXT_BUDGET - len(summary), []
    for cards, limit, what in sections:
        shown, budget = _fit(cards, limit, budget)
        items += shown
        if len(shown) < len(cards):
            items.append(Card(title=f"… and {len(cards) - len(shown)} more {what}", kind="more"))
    return Card(
        title=f"🗞️ {digest.name} weekly · {period_text(digest, tz)}",
        body=summary,
        items=tuple(items),
        footer=format_counts(digest.counts),
        kind="digest",
    )


def _fit(cards: Sequence[Card], limit: int, budget: int) -> tuple[list[Card], int]:
    """The first cards of a section that fit `limit` and the text budget (keeping room for a
    "… and N more" line); the budget left."""
    shown: list[Card] = []
    for card in cards[:limit]:
        size = _size(card)
        if size > budget - 2 * _ITEM_MARKUP:
            break
        shown.append(card)
        budget -= size
    return shown, budget


def _size(item: Card) -> int:
    """About how many characters a platform needs to show an item."""
    links = sum(len(link.label) + len(link.url) + 5 for link in item.links)
    return len(item.title) + len(item.url or "") + len(item.body) + links + _ITEM_MARKUP


def period_text(digest: Digest, tz: ZoneInfo) -> str:
    """The period's days as the digest's title shows them, in the lab's time zone: a scheduled
    window of whole days that ends Monday 09:00 ends, for a reader, on Sunday (`16–22 Nov` for
    seven days, not eight); a digest asked for now runs up to now, today included."""
    first = digest.start.astimezone(tz).date()
    whole_days = (digest.end - digest.start) % timedelta(days=1) == timedelta(0)
    last = (digest.end - timedelta(days=1) if whole_days else digest.end).astimezone(tz).date()
    return format_period(first, max(first, last))


def window_to_now(now: datetime, tz: ZoneInfo, since: date | None = None) -> datetime:
    """Where a digest asked for now starts: the lab's midnight of `since`, else of six days ago,
    so the seven days it names (today included) are the days it covers."""
    day = since or (now.astimezone(tz).date() - PERIOD + timedelta(days=1))
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def entry_links(entry: Entry) -> tuple[Link, ...]:
    """An entry's paper and code links, the ones a one-line listing shows."""
    wanted = ("paper", "arxiv", "code", "project", "data")
    return tuple(Link(name, entry.links[name]) for name in wanted if entry.links.get(name))


def venue_year(entry: Entry) -> str:
    """`ICCV 2025`, or whichever of the two is known."""
    return " ".join(str(p) for p in (entry.venue, entry.year) if p)


def _entry_item(new: NewEntry, approval: Voted | None) -> Card:
    approved = approval_text(approval) if approval else ""
    body = " · ".join(p for p in ("📚 new in the list", venue_year(new.entry), approved) if p)
    return Card(title=new.entry.title, body=body, links=entry_links(new.entry), kind="entry")


def _decided_item(voted: Voted) -> Card:
    who = voted.candidate.decided_by or "a maintainer"
    verb = "❌ rejected" if voted.candidate.status == "rejected" else "✅ added"
    body = f"{verb} by {who} · {format_votes(voted.tally)}"
    return Card(
        title=voted.candidate.paper.title, url=candidate_url(voted), body=body, kind="decided"
    )


def _waiting_item(voted: Voted, new: bool) -> Card:
    body = f"{'🆕 ' if new else ''}🗳️ waiting · {format_votes(voted.tally)}"
    return Card(
        title=voted.candidate.paper.title, url=candidate_url(voted), body=body, kind="waiting"
    )


def _maybe_item(candidate: Candidate) -> Card:
    promote = f"/vad promote {candidate.paper.arxiv_id}"
    body = f"🤔 maybe for the list · {maybe_reason(candidate)} · {promote}"
    return Card(
        title=candidate.paper.title, url=candidate.paper.abs_url or None, body=body, kind="maybe"
    )


def candidate_url(voted: Voted) -> str | None:
    """Where a candidate is best seen: its chat post, else its arXiv page."""
    return voted.post_url or voted.candidate.paper.abs_url or None


# ---------------------------------------------------------------------------- the job


class DigestJob:
    """The scheduled digest: posts each period's digest once, and a missed one when back."""

    def __init__(
        self,
        source: DigestSource,
        poster: Poster,
        kv: KeyValue,
        clock: Clock,
        last_due: Callable[[datetime], datetime | None],
        tz: ZoneInfo,
        show_maybe: Callable[[Sequence[Candidate]], Awaitable[int]] | None = None,
    ) -> None:
        self.source, self.poster, self.kv, self.clock = source, poster, kv, clock
        self.last_due = last_due
        self.tz = tz
        self.show_maybe = show_maybe
        """Posts the maybe papers the digest lists as cards one can react on (each once)."""

    def period_of(self, due: datetime) -> str:
        """The period a due time names: its date in the lab's time zone."""
        return due.astimezone(self.tz).date().isoformat()

    async def __call__(self) -> str:
        """Post the digest of the last due period unless it was already posted."""
        due = self.last_due(self.clock.now())
        if due is None:
            return "nothing due"
        period = self.period_of(due)
        last = self.kv.get(LAST_PERIOD_KEY)
        if last is not None and last >= period:
            return f"digest {period} already sent"
        digest = await self.source.collect(due - PERIOD, due)
        await self.poster.publish("digest", f"digest:{period}", build_digest_card(digest, self.tz))
        self.kv.put(LAST_PERIOD_KEY, period)
        if self.show_maybe is not None:
            await self.show_maybe(digest.maybe[:MAX_MAYBE])
        return f"sent digest {period}: {len(digest.added)} new, {len(digest.waiting)} waiting"


def build_digest_command(
    source: DigestSource, clock: Clock, tz: ZoneInfo
) -> Callable[[Request], Awaitable[Reply]]:
    """The `/vad digest` handler: the last seven days, to the asker ("share" shows everyone)."""

    async def digest_command(request: Request) -> Reply:
        now = clock.now()
        digest = await source.collect(window_to_now(now, tz), now)
        shared = request.text.strip().casefold() == "share"
        return Reply(cards=(build_digest_card(digest, tz),), ephemeral=not shared)

    return digest_command
