"""The announcer job: post each entry new in the catalog exactly once, and updates worth telling.

One run: (fetch) → HEAD → entries changed since the cursor, by id → cards → cursor moves to HEAD
only after every post is confirmed. The first run only sets the baseline. When the cursor left
the history (force-push), the catalog at HEAD is compared with the ids already announced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.catalog.history import (
    DEFAULT_ANNOUNCE_UPDATES,
    BrokenCommit,
    Change,
    Commit,
    build_changes,
    is_worth_announcing,
    net_changes,
)
from bot.core.models import LINK_NAMES, Card, Entry, Link, normalise_title
from bot.core.ports import AnnounceState, CatalogHistory, Clock, Poster
from bot.errors import ServiceError

log = logging.getLogger(__name__)

Origin = Callable[[Entry], str | None]
"""Where an entry came from beyond git ("from candidate #12"), or None."""
FETCH_FLAG = "fetch_failing"
MAX_PROBLEMS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class AnnounceReport:
    """What one run did."""

    head: str | None = None
    baseline: bool = False
    rewritten: bool = False
    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    broken: tuple[str, ...] = ()
    fetch_error: str | None = None
    remembered: int = 0
    """Entries recorded as already announced by a baseline."""

    def summary(self) -> str:
        """One line for logs and `vadbot status`."""
        if self.baseline:
            return (
                f"baseline set at {(self.head or '')[:7]} ({self.remembered} entries, none posted)"
            )
        text = f"ok, {len(self.new)} new, {len(self.updated)} updated"
        if self.broken:
            text += f", {len(self.broken)} broken commit(s) skipped"
        return text + (", fetch failed" if self.fetch_error else "")


async def run_announcer(
    history: CatalogHistory,
    state: AnnounceState,
    poster: Poster,
    clock: Clock,
    *,
    announce_updates: Sequence[str] = DEFAULT_ANNOUNCE_UPDATES,
    origin: Origin | None = None,
    credit: Origin | None = None,
) -> AnnounceReport:
    """Announce what the catalog gained since the last run; see the module docstring."""
    fetch_error = await _sync(history, state, poster, clock)
    head = await asyncio.to_thread(history.head)
    cursor = state.cursor()
    if head is None or cursor == head:
        return AnnounceReport(head=head, fetch_error=fetch_error)
    if cursor is None:
        count = await _baseline(history, state, head, clock)
        return AnnounceReport(head=head, baseline=True, fetch_error=fetch_error, remembered=count)
    rewritten = not await asyncio.to_thread(history.is_ancestor, cursor, head)
    if rewritten:
        log.warning("announce: %s is not in the history of %s; comparing ids", cursor[:7], head)
        changes, broken = await _changes_at(history, state, head)
    else:
        changes, broken = await asyncio.to_thread(_changes_since, history, cursor, head)
    for commit in broken:
        await poster.publish("admin", f"broken:{commit.commit.sha}", build_broken_card(commit))
    new = await _announce_new(changes, state, poster, clock, origin, credit)
    updated = await _announce_updates(changes, set(new), poster, announce_updates)
    state.set_cursor(head)  # only now: every post above has been confirmed
    report = AnnounceReport(
        head, False, rewritten, new, updated, tuple(b.commit.sha for b in broken), fetch_error
    )
    log.info("announce: %s at %s", report.summary(), head[:7])
    return report


async def _baseline(history: CatalogHistory, state: AnnounceState, head: str, clock: Clock) -> int:
    """Remember every entry at `head` as announced, without posting anything."""
    snapshot = await asyncio.to_thread(history.snapshot, head)
    # thousands of rows: written off the event loop, like the git work
    await asyncio.to_thread(state.mark_announced, snapshot.entries, head, clock.now())
    state.set_cursor(head)
    log.info("announce: baseline of %d entries at %s", len(snapshot.entries), head[:7])
    return len(snapshot.entries)


def _changes_since(
    history: CatalogHistory, cursor: str, head: str
) -> tuple[list[Change], list[BrokenCommit]]:
    return build_changes(history.steps(cursor, head))


async def _changes_at(
    history: CatalogHistory, state: AnnounceState, head: str
) -> tuple[list[Change], list[BrokenCommit]]:
    """Every entry at `head` not yet announced, each credited to the last commit of its file."""
    snapshot = await asyncio.to_thread(history.snapshot, head)
    known = await asyncio.to_thread(state.announced, snapshot.entries)
    changes: list[Change] = []
    for entry in snapshot.entries:
        if entry.id not in known:
            commit = await asyncio.to_thread(history.last_commit, head, entry.path)
            changes.append(Change("added", entry, commit or _unknown_commit(head)))
    changes.sort(key=lambda c: c.commit.date)
    broken: list[BrokenCommit] = []
    if snapshot.problems:
        last = await asyncio.to_thread(history.last_commit, head, "")
        broken.append(BrokenCommit(last or _unknown_commit(head), snapshot.problems))
    return changes, broken


def _unknown_commit(sha: str) -> Commit:
    return Commit(sha, "someone", datetime.fromtimestamp(0, UTC))


async def _announce_new(
    changes: Sequence[Change],
    state: AnnounceState,
    poster: Poster,
    clock: Clock,
    origin: Origin | None,
    credit: Origin | None = None,
) -> tuple[str, ...]:
    """Post each entry added (and still there) once; entries already announced are recorded."""
    final = net_changes(changes)
    first: dict[str, Change] = {}  # the first addition is credited, the latest text is shown
    for c in changes:
        if c.change == "added" and final[c.entry.id].change != "removed":
            first.setdefault(c.entry.id, Change("added", final[c.entry.id].entry, c.commit))
    added = list(first.values())
    known = state.announced([c.entry for c in added])
    seen: set[str] = set()
    posted: list[str] = []
    for change in added:
        entry = change.entry
        keys = {normalise_title(entry.title), entry.arxiv_id or ""} - {""}
        if entry.id in known or keys & seen:
            state.mark_announced([entry], change.commit.sha, clock.now())
            continue
        card = build_entry_card(entry, change.commit, origin, credit)
        await poster.publish("papers", f"entry:{entry.id}", card)
        state.mark_announced([entry], change.commit.sha, clock.now())
        seen |= keys
        posted.append(entry.id)
    return tuple(posted)


async def _announce_updates(
    changes: Sequence[Change], new: set[str], poster: Poster, wanted: Sequence[str]
) -> tuple[str, ...]:
    """One update card per entry whose changes touch a field the lab wants to hear about."""
    final = net_changes(changes)
    merged: dict[str, Change] = {}
    for change in changes:
        entry_id = change.entry.id
        if entry_id in new or final[entry_id].change == "removed":
            continue
        if not is_worth_announcing(change, wanted):
            continue
        first = merged.get(entry_id, change)
        names = tuple(dict.fromkeys((*first.fields, *change.fields)))
        latest = final[entry_id].entry  # the card shows the entry as it is now
        merged[entry_id] = Change("updated", latest, change.commit, names, first.previous)
    for entry_id, change in merged.items():
        key = f"update:{entry_id}:{change.commit.sha}"
        await poster.publish("papers", key, build_update_card(change, wanted))
    return tuple(merged)


async def _sync(
    history: CatalogHistory, state: AnnounceState, poster: Poster, clock: Clock
) -> str | None:
    """Fetch from the remote; a failure is told to maintainers once per streak, never fatal."""
    since = state.get(FETCH_FLAG)
    try:
        await asyncio.to_thread(history.sync)
    except ServiceError as exc:
        log.warning("announce: fetching the catalog failed: %s", exc)
        if since is None:
            now = clock.now().isoformat()
            if await _tell_admins(poster, f"fetch-failed:{now}", build_fetch_card(failing=True)):
                state.put(FETCH_FLAG, now)
        return str(exc)
    if since is not None and await _tell_admins(
        poster, f"fetch-recovered:{since}", build_fetch_card(failing=False)
    ):
        state.put(FETCH_FLAG, None)
    return None


async def _tell_admins(poster: Poster, key: str, card: Card) -> bool:
    try:
        await poster.publish("admin", key, card)
    except Exception:
        log.exception("announce: cannot tell maintainers (%s); will retry next run", key)
        return False
    return True


# ---------------------------------------------------------------------------- cards


def build_entry_card(
    entry: Entry, commit: Commit, origin: Origin | None = None, credit: Origin | None = None
) -> Card:
    """The "📚 New in the list" card: title, summary as written, links, who added it where.

    The maintainer named in the commit's `Approved-by:` trailer is credited, not the bot's git
    name; `credit` names who added it when neither says (a maintainer approved it in chat and
    someone else merged the pull request)."""
    chosen = credit(entry) if credit is not None else None
    verb = "approved" if commit.approved_by and not chosen else "added"
    footer = f"{verb} by {chosen or commit.credited} in {commit.short}"
    source = origin(entry) if origin is not None else None
    if source:
        footer += f" · {source}"
    links = entry_links(entry)
    return Card(
        title=f"📚 New in the list · {venue_line(entry)}",
        url=links[0].url if links else None,
        body="\n".join(part for part in (entry.title, entry.summary.strip()) if part),
        links=links,
        footer=footer,
        kind="entry",
    )


def build_update_card(change: Change, wanted: Sequence[str] = DEFAULT_ANNOUNCE_UPDATES) -> Card:
    """The "✏️ Updated in the list" card, naming what changed in words."""
    entry = change.entry
    told = [n for n in change.fields if any(n == w or n.startswith(w + ".") for w in wanted)]
    lines = [describe_field(name, change.previous, entry) for name in told if name != "venue"]
    if "venue" in told:  # "VERA is now CVPR 2025": the news, in the words the lab uses
        lines.insert(0, f"{entry_name(entry)} is now {venue_line(entry)}")
    links = entry_links(entry)
    return Card(
        title=f"✏️ Updated in the list · {venue_line(entry)}",
        url=links[0].url if links else None,
        body="\n".join([entry.title, *lines]),
        links=links,
        footer=f"updated by {change.commit.credited} in {change.commit.short}",
        kind="entry",
    )


def build_broken_card(broken: BrokenCommit) -> Card:
    """The maintainers' warning about a commit that left the catalog unreadable."""
    shown = list(broken.problems[:MAX_PROBLEMS_SHOWN])
    if len(broken.problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"… and {len(broken.problems) - MAX_PROBLEMS_SHOWN} more")
    commit = broken.commit
    return Card(
        title=f"⚠️ The catalog is broken in {commit.short}",
        body="\n".join([f"{commit.author}: {commit.subject}", *shown]),
        footer="Its entries will be announced once a commit fixes it (vadbot catalog check).",
        kind="alert",
    )


def build_fetch_card(failing: bool) -> Card:
    """The maintainers' notice that fetching the catalog remote fails, or works again."""
    if failing:
        return Card(
            title="⚠️ Cannot fetch the catalog remote",
            body="vadbot keeps announcing from its local copy and retries every run. "
            "The error is in the bot's log.",
            kind="alert",
        )
    return Card(title="✅ Fetching the catalog remote works again", kind="alert")


def venue_line(entry: Entry) -> str:
    """ "ICCV 2025", "arXiv 2024", or the kind when neither is known."""
    text = " ".join(str(part) for part in (entry.venue, entry.year) if part)
    return text or entry.kind


def entry_name(entry: Entry) -> str:
    """How the lab calls an entry: its short name, else the title before a colon."""
    if entry.short_name:
        return entry.short_name
    head = entry.title.split(":")[0] if ":" in entry.title[:40] else entry.title
    return head if len(head) <= 60 else head[:59].rstrip() + "…"


def entry_links(entry: Entry) -> tuple[Link, ...]:
    """The entry's links in the list's usual order (paper, arxiv, pdf, code, …)."""
    order = {name: i for i, name in enumerate(LINK_NAMES)}
    names = sorted(entry.links, key=lambda n: (order.get(n, len(order)), n))
    return tuple(Link(name, entry.links[name]) for name in names)


def describe_field(name: str, old: Entry | None, new: Entry) -> str:
    """A changed field in words: "code link added", "venue: arXiv → ICCV"."""
    if name.startswith("links."):
        link = name.removeprefix("links.")
        before = old.links.get(link) if old is not None else None
        after = new.links.get(link)
        verb = "added" if before is None else "removed" if after is None else "changed"
        return f"{link} link {verb}"
    before_value = getattr(old, name, None) if old is not None else None
    after_value = getattr(new, name, None)
    if name == "summary" or not before_value:
        return f"{name} {'changed' if before_value else 'added'}"
    return f"{name}: {before_value} → {after_value or '—'}"
