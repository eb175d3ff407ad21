"""The list keeps itself current: what arXiv now says about entries that are incomplete.

Every paper entry that is arXiv-only, lacks a code link or lacks an arXiv id is looked up (the
API's `id_list` in batches, an exact-title search for a missing id); each finding becomes one
proposal post for the maintainers, keyed `proposal:<entry id>:<field>:<value>`:

    "VERA: arXiv → CVPR 2025, from arXiv v3 comment 'Accepted to CVPR 2025'"

A maintainer's ✅ commits the change to the entry file (one commit, `Approved-by:` trailer);
❌ dismisses it for good: the key is kept, so the same finding is never proposed again. A venue
and year that cannot both be right (ICCV 2024) is flagged the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core.announce import entry_name
from bot.core.candidates.lifecycle import is_code_host
from bot.core.models import Card, Entry, Link, Paper, normalise_title, parse_arxiv_id
from bot.core.ports import Poster
from bot.core.venues import Venue, is_possible, parse_venue

log = logging.getLogger(__name__)

PROPOSAL_PREFIX = "proposal:"
Field = Literal["venue", "code", "arxiv_id", "check"]
"""`check`: a venue/year pair that cannot be right and no fix is known: fixed by hand."""
ARXIV_VENUES = frozenset({"", "arxiv", "preprint", "arxiv preprint"})
_URL = re.compile(r"https?://[^\s<>()\"'\]\[{}]+")
_TITLE_QUOTES = re.compile(r"[\"“”]")


@dataclass(frozen=True, slots=True)
class Finding:
    """One change arXiv suggests for one entry, and where it was read."""

    entry_id: str
    name: str
    """How the list calls the paper ("VERA")."""
    field: Field
    value: str
    """"CVPR 2025", a code URL, an arXiv id, or the impossible "ICCV 2024" for `check`."""
    before: str = ""
    source: str = ""
    """"arXiv v3 comment 'Accepted to CVPR 2025'"."""

    @property
    def key(self) -> str:
        """The post's key, and what a dismissal remembers."""
        return f"{PROPOSAL_PREFIX}{self.entry_id}:{self.field}:{self.value}"

    def describe(self, in_chat: bool = False) -> str:
        """ "VERA: arXiv → CVPR 2025, from arXiv v3 comment '…'" (one line); `in_chat` leaves
        the code link out (chat shows it as the post's link: titles never carry links)."""
        what = {
            "venue": f"{self.before or 'no venue'} → {self.value}",
            "code": "code link found" if in_chat else f"code link {self.value}",
            "arxiv_id": f"arXiv id {self.value}",
            "check": f"{self.value} cannot be right ({self.source})",
        }[self.field]
        where = f", from {self.source}" if self.source and self.field != "check" else ""
        return f"{self.name}: {what}{where}"


class PaperLookup(Protocol):
    """The arXiv API as the refresh needs it (`ArxivClient`)."""

    async def fetch_by_ids(self, ids: Sequence[str]) -> list[Paper]:
        """The papers with these ids (batched, spaced as arXiv asks)."""
        ...

    async def search_title(self, title: str) -> list[Paper]:
        """The papers whose title matches this one as a phrase."""
        ...


def parse_proposal_key(key: str | None) -> tuple[str, Field, str] | None:
    """(entry id, field, value) from a proposal post's key; None for any other key."""
    if not key or not key.startswith(PROPOSAL_PREFIX):
        return None
    parts = key.removeprefix(PROPOSAL_PREFIX).split(":", 2)
    if len(parts) != 3 or parts[1] not in ("venue", "code", "arxiv_id", "check"):
        return None
    return parts[0], parts[1], parts[2]  # type: ignore[return-value]


def is_arxiv_only(entry: Entry) -> bool:
    """True when the entry names no venue but arXiv."""
    return entry.venue.strip().casefold() in ARXIV_VENUES


def needs_refresh(entry: Entry) -> bool:
    """A paper that is arXiv-only, lacks a code link or lacks an arXiv id."""
    if entry.kind != "paper":
        return False
    return is_arxiv_only(entry) or "code" not in entry.links or not entry.arxiv_id


def impossible_reason(entry: Entry, this_year: int) -> str | None:
    """Why the entry's venue and year cannot both be right ("ICCV is held in odd years only")."""
    if entry.kind != "paper" or is_arxiv_only(entry) or entry.year is None:
        return None
    words = entry.venue.split()
    for name in dict.fromkeys((entry.venue, " ".join(words[:2]), words[0])):
        reason = is_possible(name, entry.year, this_year=this_year)
        if reason:
            return reason
    return None


async def find_updates(
    entries: Iterable[Entry],
    lookup: PaperLookup,
    this_year: int,
    closed: Collection[str] = (),
) -> list[Finding]:
    """What arXiv says now about the entries that need it, minus the `closed` (dismissed or
    applied) keys; each entry's findings in the order venue, code link, arXiv id."""
    papers = [e for e in entries if e.kind == "paper"]
    wanted = [e for e in papers if needs_refresh(e) or impossible_reason(e, this_year)]
    ids = {e.id: found[0] for e in wanted if e.arxiv_id and (found := parse_arxiv_id(e.arxiv_id))}
    by_id = {p.arxiv_id: p for p in await lookup.fetch_by_ids(sorted(set(ids.values())))}
    findings: list[Finding] = []
    for entry in wanted:
        paper = by_id.get(ids.get(entry.id, ""))
        if paper is None and not entry.arxiv_id:
            paper = await _by_title(lookup, entry)
            if paper is not None:
                findings.append(
                    Finding(
                        entry.id,
                        display(entry),
                        "arxiv_id",
                        paper.arxiv_id,
                        source="an exact-title arXiv search",
                    )
                )
        findings += paper_findings(entry, paper, this_year)
    return [f for f in findings if f.key not in closed]


async def _by_title(lookup: PaperLookup, entry: Entry) -> Paper | None:
    """The one arXiv paper with exactly this title (normalised), if the search finds it."""
    wanted = normalise_title(entry.title)
    try:
        found = await lookup.search_title(entry.title)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # one failed search must not lose the other findings
        log.warning("refresh: title search for %s failed: %s", entry.id, exc)
        return None
    same = [p for p in found if normalise_title(p.title) == wanted]
    return same[0] if len(same) == 1 else None


def paper_findings(entry: Entry, paper: Paper | None, this_year: int) -> list[Finding]:
    """The venue, code link and impossible-pair findings for one entry."""
    name, found = display(entry), []
    reason = impossible_reason(entry, this_year)
    venue = parse_venue(paper.comment, paper.journal_ref) if paper else None
    usable = venue is not None and _usable(venue, entry, this_year)
    if paper is not None and venue is not None and usable and (is_arxiv_only(entry) or reason):
        value = f"{venue_text(venue)} {venue.year or entry.year}"
        before = "arXiv" if is_arxiv_only(entry) else f"{entry.venue} {entry.year}"
        if value != before:
            found.append(Finding(entry.id, name, "venue", value, before, _source(paper)))
    elif reason:
        found.append(Finding(entry.id, name, "check", f"{entry.venue} {entry.year}", source=reason))
    code = find_code_link(paper) if paper is not None and "code" not in entry.links else None
    if code:
        found.append(Finding(entry.id, name, "code", code, source=f"arXiv v{paper.version}"))  # type: ignore[union-attr]
    return found


def _usable(venue: Venue, entry: Entry, this_year: int) -> bool:
    year = venue.year or entry.year
    return venue.venue is not None and is_possible(venue.venue, year, this_year=this_year) is None


def venue_text(found: Venue) -> str:
    """The catalog's venue text: "CVPR", "ICCV Workshop", "EMNLP Findings"."""
    name = found.venue or "arXiv"
    return name if found.track in (None, "main") else f"{name} {found.track.capitalize()}"


def _source(paper: Paper) -> str:
    by_ref = parse_venue(None, paper.journal_ref).venue is not None
    field, text = ("journal_ref", paper.journal_ref) if by_ref else ("comment", paper.comment)
    quoted = " ".join((text or "").split())
    quoted = quoted if len(quoted) <= 80 else quoted[:79].rstrip() + "…"
    return f"arXiv v{paper.version} {field} '{quoted}'"


def find_code_link(paper: Paper) -> str | None:
    """The first link on a code host in the paper's comment or abstract."""
    for text in (paper.comment or "", paper.abstract):
        for match in _URL.finditer(text[:5000]):
            url = match.group(0).rstrip(".,;:")
            if is_code_host(url):
                return url
    return None


def display(entry: Entry) -> str:
    """How the list calls an entry: its short name, else its title (cut)."""
    return entry_name(entry)


def apply_finding(entry: Entry, finding: Finding) -> Entry:
    """The entry with the finding applied (`check` findings change nothing)."""
    if finding.field == "venue":
        venue, _, year = finding.value.rpartition(" ")
        return dataclasses.replace(entry, venue=venue, year=int(year))
    if finding.field == "code":
        return dataclasses.replace(entry, links={**entry.links, "code": finding.value})
    if finding.field == "arxiv_id":
        arxiv = finding.value
        links = {"arxiv": f"https://arxiv.org/abs/{arxiv}", "pdf": f"https://arxiv.org/pdf/{arxiv}"}
        return dataclasses.replace(entry, arxiv_id=arxiv, links={**links, **entry.links})
    return entry


def build_fix_message(finding: Finding, approver: str, platform: str) -> str:
    """Subject, where the change was read, and the `Approved-by:` trailer."""
    subject = f"Update {finding.entry_id}: {finding.field} {finding.value}"
    subject = subject if len(subject) <= 72 else subject[:71] + "…"
    return (
        f"{subject}\n\n{finding.describe()}.\nProposed by the weekly catalog refresh.\n\n"
        f"Approved-by: {approver} ({platform})\n"
    )


# ---------------------------------------------------------------- posts


def build_proposal_card(finding: Finding, reactions: Sequence[str]) -> Card:
    """The maintainers' proposal post, with ✅ and ❌ to decide."""
    fixed_by_hand = finding.field == "check"
    footer = (
        "Fix the entry by hand; ❌ hides this for good."
        if fixed_by_hand
        else "A maintainer's ✅ commits the change; ❌ dismisses it for good."
    )
    return Card(
        title=f"🔧 {finding.describe(in_chat=True)}"[:250],
        body=f"Entry {finding.entry_id}",
        links=_links(finding),
        footer=footer,
        reactions=tuple(reactions),
        kind="alert",
    )


def _links(finding: Finding) -> tuple[Link, ...]:
    if finding.field == "code":
        return (Link("code", finding.value),)
    if finding.field == "arxiv_id":
        return (Link("arXiv", f"https://arxiv.org/abs/{finding.value}"),)
    return ()


def build_fixed_card(finding: Finding, line: str) -> Card:
    """The proposal post once decided: what was done, by whom."""
    return Card(
        title=f"🔧 {finding.describe(in_chat=True)}"[:250],
        body=f"Entry {finding.entry_id}",
        links=_links(finding),
        footer=line,
        kind="alert",
    )


class FixBook(Protocol):
    """The proposals made and how they were decided (`infra/fix_book.py`)."""

    def record(self, finding: Finding) -> None:
        """Remember a proposal posted (kept open until decided)."""
        ...

    def get(self, key: str) -> tuple[Finding, str] | None:
        """The proposal under this key and its status: open, applied or dismissed."""
        ...

    def close(self, key: str, status: str, by: str) -> bool:
        """Mark an open proposal applied or dismissed; False if it was decided already."""
        ...

    def closed(self) -> set[str]:
        """Every key decided (applied or dismissed): never proposed again."""
        ...


class FixWriter(Protocol):
    """Commits one finding to its entry file (`CatalogWriter.fix_entry`); blocking."""

    def fix_entry(self, finding: Finding, approver: str, platform: str) -> str | None:
        """The commit that applied it, or None when the entry is gone or already says so."""
        ...


class CatalogFixes:
    """Posts the refresh's findings and applies or dismisses them on a maintainer's reaction."""

    def __init__(
        self, book: FixBook, writer: FixWriter, poster: Poster, reactions: Sequence[str]
    ) -> None:
        self.book, self.writer, self.poster = book, writer, poster
        self.reactions = tuple(reactions)
        self._lock = asyncio.Lock()

    async def propose(self, findings: Iterable[Finding]) -> int:
        """One post per finding in the maintainers' channel (once per key); how many are new."""
        count = 0
        for finding in findings:
            if self.book.get(finding.key) is None:
                self.book.record(finding)
                count += 1
            card = build_proposal_card(finding, self.reactions)
            await self.poster.publish("admin", finding.key, card)  # posted once per key
        return count

    async def decide(self, key: str, approve: bool, by: str, platform: str) -> str | None:
        """A maintainer's ✅ (commit it) or ❌ (dismiss for good); what the post now says."""
        async with self._lock:
            known = self.book.get(key)
            if known is None or known[1] != "open":
                return None
            finding = known[0]
            if not approve or finding.field == "check":
                self.book.close(key, "dismissed", by)
                line = f"❌ dismissed by {by}; never proposed again"
            else:
                try:
                    commit = await asyncio.to_thread(self.writer.fix_entry, finding, by, platform)
                except Exception:
                    log.exception("refresh: applying %s failed", key)
                    line = "⚠️ could not be committed (see the bot's log); ✅ again to retry"
                    await self.poster.update(key, build_fixed_card(finding, line))
                    return line
                self.book.close(key, "applied", by)
                done = f"committed in {commit[:7]}" if commit else "the entry already says so"
                line = f"✅ approved by {by}: {done}"
        await self.poster.update(key, build_fixed_card(finding, line))
        return line
