"""Neutral data of vadbot: catalog entries, arXiv papers, candidates, chat cards and events.

Every model is a frozen, slotted dataclass. Text in them is plain text as it came (titles,
abstracts, summaries, user queries): renderers escape it for their platform, nothing here does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# ---------------------------------------------------------------------------- catalog

KINDS = ("paper", "dataset", "resource", "background")
"""Entry kinds: a paper of the list, a dataset or benchmark, a tool or page, background reading."""

LINK_NAMES = ("paper", "arxiv", "pdf", "code", "project", "data", "video", "openreview", "other")


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of the list, identified by its stable `id`, never by its place in a file."""

    id: str
    kind: str
    title: str
    venue: str = ""
    year: int | None = None
    links: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    preview: str | None = None
    short_name: str | None = None
    section: str | None = None
    note: str = ""
    order: int = 0
    path: str = ""
    """Where the entry was loaded from, relative to the catalog root ("" when built in memory)."""


@dataclass(frozen=True, slots=True)
class ProseBlock:
    """A piece of the list that is not an entry: overview, notes, related lists."""

    id: str
    title: str
    body: str
    level: int = 2
    order: int = 0


@dataclass(frozen=True, slots=True)
class Catalog:
    """The whole list: its title and intro, prose blocks and entries."""

    title: str
    intro: str
    entries: tuple[Entry, ...]
    prose: tuple[ProseBlock, ...] = ()

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}

    def papers(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.kind == "paper")


_ARXIV_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?", re.IGNORECASE)


_NOT_ALNUM = re.compile(r"[\W_]+")
_SHORT_NAME_SUFFIX = re.compile(r"\s*\(\S{1,30}\)\s*$")
"""A trailing "(LAVAD)": lists add the paper's short name there, arXiv titles never carry it."""


def normalise_title(title: str) -> str:
    """A title reduced to lowercase letters and digits, for "is this the same paper?".

    A trailing one-word "(SHORT_NAME)" is left out, so "Harnessing … Detection (LAVAD)" in the
    list is the paper arXiv titles "Harnessing … Detection". A leading "Short:" is kept: two
    papers may share a subtitle ("X: A Survey", "Y: A Survey"), and no list drops it. A title
    with no letter or digit (emoji only) is compared by its symbols."""
    bare = _SHORT_NAME_SUFFIX.sub("", title) or title
    folded = unicodedata.normalize("NFKC", bare).casefold()
    # A title of emoji or punctuation only keeps its symbols: "" would make them all one paper.
    return _NOT_ALNUM.sub("", folded) or "".join(folded.split())


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """The version-less arXiv id and the version in an id or URL, or None."""
    match = _ARXIV_ID.search(text)
    if match is None:
        return None
    version = int(match.group(2)[1:]) if match.group(2) else None
    return match.group(1), version


MAX_ID = 80
"""Longest id `slugify` makes: an id is a file name, and file systems stop at 255 bytes."""


def slugify(text: str, max_words: int = 6) -> str:
    """A kebab-case id fragment from free text ("Holmes-VAU: Towards…" → "holmes-vau-towards…"),
    at most MAX_ID characters (cut at a word when it can be)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", text)[:max_words])
    if len(slug) > MAX_ID:
        head = slug[: MAX_ID + 1]
        cut = head.rsplit("-", 1)[0] if "-" in head else ""
        slug = cut if len(cut) >= MAX_ID // 2 else slug[:MAX_ID].rstrip("-")
    return slug or "entry"


# ---------------------------------------------------------------------------- arXiv

AnnounceType = Literal["new", "cross", "replace", "replace-cross", "unknown"]


@dataclass(frozen=True, slots=True)
class Paper:
    """An arXiv paper as vadbot understands it, whatever feed or API it came from."""

    arxiv_id: str
    title: str
    abstract: str
    version: int = 1
    announce_type: AnnounceType = "new"
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    abs_url: str = ""
    pdf_url: str = ""
    code_url: str | None = None
    comment: str | None = None
    """The authors' arXiv comment (the API gives it; the RSS feed does not)."""
    journal_ref: str | None = None
    """arXiv's journal reference, once the authors add one (API and RSS)."""


@dataclass(frozen=True, slots=True)
class Match:
    """Why a paper passed the rules, and how relevant it looks."""

    score: float
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SignOff:
    """Who approved a candidate, on which platform, and the post they approved (may be empty)."""

    approver: str
    platform: str
    post_url: str = ""


CandidateStatus = Literal["pending", "approved", "rejected", "maybe"]
"""`maybe`: kept in the maybe lane, not posted for votes until promoted (then `pending`)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a paper was put: its lane as a status (`pending` posts it for votes, `maybe` keeps
    it for the digest), its rank in the lane, and why; and who brought it (`source`: the watch,
    or `suggest` with the member in `suggested_by`)."""

    status: CandidateStatus = "pending"
    rank: float | None = None
    evidence: tuple[str, ...] = ()
    reason: str = ""
    llm_reason: str = ""
    source: str = "watch"
    suggested_by: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A paper proposed for the list, waiting for (or past) a maintainer's decision."""

    id: int
    paper: Paper
    match: Match
    status: CandidateStatus = "pending"
    source: str = "watch"
    created_at: datetime | None = None
    decided_by: str | None = None
    decided_platform: str | None = None
    decided_at: datetime | None = None
    entry_id: str | None = None
    commit: str | None = None
    rank: float | None = None
    """Its rank within its lane (0–1, rules and learned ranker), when the watch ranked it."""
    evidence: tuple[str, ...] = ()
    """The words that weigh most for it (the learned ranker's, else the gate's terms)."""
    reason: str = ""
    """Why it is in its lane, in one line (the rule or gate that let it in)."""
    llm_reason: str = ""
    """The optional LLM judge's one sentence, when it answered."""
    promoted_by: str | None = None
    """Who promoted it from the maybe lane to a candidate."""


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes on one candidate, summed over platforms."""

    up: int = 0
    down: int = 0
    by_platform: Mapping[str, int] = field(default_factory=dict)

    @property
    def net(self) -> int:
        return self.up - self.down


# ---------------------------------------------------------------------------- chat


@dataclass(frozen=True, slots=True)
class Link:
    """A link a card shows: label and target, both rendered safely by each platform."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class CardField:
    """A short name/value pair under a card's body."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True, slots=True)
class Card:
    """A platform-neutral message; Discord, Slack and console renderers turn it into payloads.

    All text is plain and untrusted; `links` are the only links a renderer may produce.
    """

    title: str
    url: str | None = None
    body: str = ""
    fields: tuple[CardField, ...] = ()
    links: tuple[Link, ...] = ()
    footer: str = ""
    image: str | None = None
    reactions: tuple[str, ...] = ()
    kind: str = "info"
    """What the card shows: candidate, entry, search, digest, alert, help, info."""
    items: tuple[Card, ...] = ()
    """Sub-cards shown as a list (search results, digest sections)."""
    edit: int | None = None
    """The candidate an "Edit & approve" button under the card opens, if any."""


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a posted message lives on a platform."""

    platform: str
    channel: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Request:
    """A `/vad` command from any platform, parsed by its adapter."""

    platform: str
    user_id: str
    channel: str
    command: str
    """The subcommand: search, candidates, suggest, digest, help."""
    text: str = ""
    user_name: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """The core's answer to a Request."""

    cards: tuple[Card, ...] = ()
    text: str = ""
    ephemeral: bool = True


@dataclass(frozen=True, slots=True)
class ReactionEvent:
    """A reaction added to or removed from a message, from any platform."""

    platform: str
    channel: str
    message_id: str
    user_id: str
    emoji: str
    added: bool
    event_id: str = ""
    """The platform's delivery id when it has one, so a retried delivery changes nothing."""
    roles: tuple[str, ...] = ()
    """The reacting member's role or user-group ids, for maintainer checks."""
    user_name: str = ""
    """How the platform names the reacting person, when the event says (shown on decisions)."""


# ---------------------------------------------------------------------------- service


@dataclass(frozen=True, slots=True)
class JobHealth:
    """What a scheduled job did last, and whether it is failing."""

    name: str
    last_run: datetime | None = None
    last_result: str = ""
    last_error: str = ""
    next_run: datetime | None = None
    failing_since: datetime | None = None
    failures: int = 0
    """Failed runs in a row; 0 when the last run succeeded."""
    alerted: bool = False
    """Whether maintainers were told of the current streak of failures."""


# ---------------------------------------------------------------------------- counts

_PLURAL = {
    "paper": "papers",
    "dataset": "datasets",
    "resource": "resources",
    "background": "background readings",
}
_SINGULAR = {
    "papers": "paper",
    "datasets": "dataset",
    "resources": "resource",
    "background readings": "background reading",
}


def count_kinds(entries: Sequence[Entry]) -> dict[str, int]:
    """How many entries of each kind."""
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.kind] = counts.get(entry.kind, 0) + 1
    return counts


def describe_counts(counts: Mapping[str, int]) -> str:
    """`33 papers, 7 datasets, 1 background reading` ("" for none)."""
    return ", ".join(_count(counts[k], _PLURAL[k]) for k in KINDS if counts.get(k))


def _count(number: int, plural: str) -> str:
    return f"{number} {plural if number != 1 else _SINGULAR[plural]}"
