"""Fakes of the arXiv ports, and builders of feeds shaped like the real ones in tests/data/."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

from bot.core.arxiv.watch import NEW_YORK, Feed
from bot.core.models import Candidate, Match, Paper, Placement
from bot.errors import FeedError


@dataclass
class FakeFeedSource:
    """Serves queued feeds (or raises); records every search window."""

    feeds: list[Feed | Exception] = field(default_factory=list)
    api: list[Paper] = field(default_factory=list)
    searches: list[tuple[datetime, datetime]] = field(default_factory=list)
    validators_seen: list[Mapping[str, str]] = field(default_factory=list)
    fail_search: bool = False

    async def fetch_latest(self, validators: Mapping[str, str]) -> Feed:
        self.validators_seen.append(dict(validators))
        item = self.feeds.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def search(self, start: datetime, end: datetime) -> Sequence[Paper]:
        self.searches.append((start, end))
        if self.fail_search:
            raise FeedError("arXiv answered 503 ×5")
        return [p for p in self.api if p.published is None or start <= p.published <= end]


@dataclass
class FakePaperStore:
    """An in-memory PaperStore."""

    seen: dict[str, int] = field(default_factory=dict)
    candidates: dict[str, Candidate] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def seen_ids(self, arxiv_ids: Collection[str]) -> set[str]:
        return {i for i in arxiv_ids if i in self.seen or i in self.candidates}

    def mark_seen(self, papers: Sequence[Paper], now: datetime) -> None:
        for paper in papers:
            self.seen[paper.arxiv_id] = max(paper.version, self.seen.get(paper.arxiv_id, 0))

    def add_candidate(
        self, paper: Paper, match: Match, now: datetime, placement: Placement | None = None
    ) -> Candidate:
        if paper.arxiv_id not in self.candidates:
            number = len(self.candidates) + 1
            self.candidates[paper.arxiv_id] = Candidate(
                number,
                paper,
                match,
                source=placement.source if placement else "watch",
                status=placement.status if placement else "pending",
            )
        return self.candidates[paper.arxiv_id]

    def pending(self) -> dict[str, Candidate]:
        """The candidates posted for votes (not the maybe lane), by arXiv id."""
        return {i: c for i, c in self.candidates.items() if c.status == "pending"}

    def get(self, key: str, default: Any = None) -> Any:
        return self.facts.get(key, default)

    def put(self, key: str, value: Any) -> None:
        self.facts[key] = value


# ---------------------------------------------------------------------------- feed builders


@dataclass(frozen=True)
class Item:
    """One paper to put in a built feed."""

    arxiv_id: str
    title: str
    abstract: str
    version: int = 1
    announce: str = "new"
    categories: tuple[str, ...] = ("cs.CV",)
    authors: tuple[str, ...] = ("A. Author", "B. Author")
    submitted: datetime | None = None
    comment: str | None = None
    journal_ref: str | None = None


def rss_feed(day: date, items: Sequence[Item]) -> str:
    """A 2024+ arXiv RSS 2.0 feed dated `day`, laid out like tests/data/rss2_*.xml."""
    stamp = format_datetime(datetime(day.year, day.month, day.day, tzinfo=NEW_YORK))
    body = "".join(_rss_item(i, stamp) for i in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>'
        "<title>cs.CV updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CV</link>"
        f"<description>cs.CV updates</description><pubDate>{stamp}</pubDate>{body}"
        "</channel></rss>"
    )


def _rss_item(item: Item, stamp: str) -> str:
    cats = "".join(f"<category>{c}</category>" for c in item.categories)
    vid = f"{item.arxiv_id}v{item.version}"
    return (
        f"<item><title>{escape(item.title)}</title>"
        f"<link>https://arxiv.org/abs/{item.arxiv_id}</link>"
        f"<description>arXiv:{vid} Announce Type: {item.announce} \n"
        f"Abstract: {escape(item.abstract)}</description>"
        f'<guid isPermaLink="false">oai:arXiv.org:{vid}</guid>{cats}'
        f"<pubDate>{stamp}</pubDate><arxiv:announce_type>{item.announce}</arxiv:announce_type>"
        f"<dc:creator>{escape(', '.join(item.authors))}</dc:creator></item>"
    )


def api_feed(items: Sequence[Item], total: int | None = None, start: int = 0) -> str:
    """An arXiv API Atom answer, laid out like tests/data/api_atom_new_2026-06_math.xml."""
    entries = "".join(_api_entry(i) for i in items)
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        "<id>https://arxiv.org/api/x</id><title>arXiv Query</title>"
        "<updated>2026-11-20T05:00:00Z</updated>"
        f"<opensearch:itemsPerPage>{len(items)}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{len(items) if total is None else total}"
        f"</opensearch:totalResults><opensearch:startIndex>{start}</opensearch:startIndex>"
        f"{entries}</feed>"
    )


def _api_entry(item: Item) -> str:
    when = (item.submitted or datetime(2026, 11, 17, 12, 0, tzinfo=NEW_YORK)).isoformat()
    vid = f"{item.arxiv_id}v{item.version}"
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in item.authors)
    cats = "".join(
        f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in item.categories
    )
    extra = "".join(
        f"<arxiv:{name}>{escape(value)}</arxiv:{name}>"
        for name, value in (("comment", item.comment), ("journal_ref", item.journal_ref))
        if value
    )
    return (
        f"<entry><id>http://arxiv.org/abs/{vid}</id><title>{escape(item.title)}</title>"
        f"<updated>{when}</updated><published>{when}</published>"
        f'<link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>'
        f'<link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"/>'
        f"<summary>{escape(item.abstract)}</summary>{cats}"
        f'<arxiv:primary_category term="{item.categories[0]}"/>{authors}{extra}</entry>'
    )


VAD_PAPERS = (
    Item(
        "2611.01234",
        "Reasoning About Rare Events: Multimodal LLMs for Open-Set Video Anomaly Detection",
        "We propose a framework that prompts a multimodal large language model (MLLM) to "
        "detect and explain anomalies in surveillance videos. Code: https://github.com/lab/rare.",
    ),
    Item(
        "2611.02345",
        "Holmes-VAD: Towards Unbiased and Explainable Video Anomaly Detection via Multi-modal LLM",
        "Towards open-ended video anomaly detection, we build an instruction dataset and tune a "
        "multi-modal LLM that localises abnormal events and explains them.",
    ),
    Item(
        "2611.03456",
        "VadCLIP: Adapting Vision-Language Models for Weakly Supervised Video Anomaly Detection",
        "We adapt CLIP to weakly supervised video anomaly detection (WSVAD) on UCF-Crime and "
        "XD-Violence with learnable prompts.",
    ),
)
"""Relevant papers (titles from the lab's list) for the watch scenarios."""

OTHER_PAPERS = (
    Item(
        "2611.09876",
        "Masked Autoencoders for Video Anomaly Detection",
        "A reconstruction-based video anomaly detector without any language supervision.",
    ),
    Item(
        "2611.08765",
        "Efficient Token Pruning for Video Large Language Models",
        "We prune visual tokens of video LLMs for faster question answering.",
    ),
)
"""Look-alikes that must not become candidates."""
