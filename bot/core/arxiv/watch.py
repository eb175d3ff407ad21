"""The arXiv watch job: each new matching paper becomes a pending candidate, none twice or missed.

arXiv announces Sunday to Thursday at 20:00 New York time; the feed of an announcement is dated
the day after (Monday to Friday). The RSS only shows the latest announcement, so when the last
processed feed day is older than the one arXiv should be showing, the missed days are filled
from the API. A feed whose date did not advance is reported as stale, never taken for a quiet
day; an empty feed on a day without announcement is normal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.arxiv.feed import NEW_YORK, Feed, Rules, dedup_papers, match_paper
from bot.core.arxiv.ranker import Ranker
from bot.core.arxiv.rules import LOOSE_RULES, Lane, Verdict, classify
from bot.core.judge import Verdict as Judgement
from bot.core.models import Candidate, Catalog, Match, Paper, normalise_title, parse_arxiv_id
from bot.core.ports import CandidateStore, Clock, FeedSource, KeyValue, KnownPapers
from bot.errors import ServiceError

FEED_DATE_KEY = "arxiv.feed_date"
"""The latest feed day whose papers were all processed (ISO date)."""
VALIDATORS_KEY = "arxiv.validators"
LAST_SUCCESS_KEY = "arxiv.last_success"
Judge = Callable[[Sequence[Paper]], Awaitable[Mapping[str, Judgement | None]]]
"""The optional LLM judge over the papers the loose gate passed: a verdict (or None) by id.
It must never raise and must answer within one call's deadline."""
ANNOUNCE_AT = time(20, 0)
ANNOUNCE_DAYS = (6, 0, 1, 2, 3)  # Sunday to Thursday
SUBMISSION_MARGIN = timedelta(days=4)
"""How far before an announcement its papers may have been submitted (weekends, holidays)."""


@dataclass(frozen=True, slots=True)
class WatchReport:
    """What one watch run found, for the service to post and for health."""

    candidates: tuple[Candidate, ...] = ()
    maybe: tuple[Candidate, ...] = ()
    """Papers kept in the maybe lane (not posted for votes; the digest and /vad maybe show them)."""
    read: int = 0
    """Papers read from the feed and the API together."""
    feed_date: date | None = None
    expected_date: date | None = None
    not_modified: bool = False
    stale: bool = False
    """The feed still shows an older announcement than arXiv should have made by now."""
    gap: tuple[date, ...] = ()
    """Feed days that were missed and filled from the API."""
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stale


@dataclass(frozen=True, slots=True)
class CatalogPapers:
    """KnownPapers from a loaded Catalog."""

    ids: frozenset[str] = frozenset()
    titles: frozenset[str] = frozenset()

    def arxiv_ids(self) -> Collection[str]:
        return self.ids

    def title_keys(self) -> Collection[str]:
        return self.titles


def build_known_papers(catalog: Catalog) -> CatalogPapers:
    """The arXiv ids and normalised titles of every catalog entry."""
    texts = [t for e in catalog.entries for t in _arxiv_texts(e.arxiv_id, e.links.values())]
    ids = frozenset(found[0] for t in texts if (found := parse_arxiv_id(t)))
    return CatalogPapers(ids, frozenset(normalise_title(e.title) for e in catalog.entries))


def _arxiv_texts(arxiv_id: str | None, links: Iterable[str]) -> list[str]:
    return ([arxiv_id] if arxiv_id else []) + [u for u in links if "arxiv.org/" in u]


def expected_feed_date(now: datetime) -> date:
    """The feed day of arXiv's latest announcement at `now` (Monday to Friday)."""
    local = now.astimezone(NEW_YORK)
    day = local.date() if local.time() >= ANNOUNCE_AT else local.date() - timedelta(days=1)
    while day.weekday() not in ANNOUNCE_DAYS:
        day -= timedelta(days=1)
    return day + timedelta(days=1)


def feed_days_between(after: date, until: date) -> tuple[date, ...]:
    """Announcement feed days in (after, until]: weekdays, when arXiv's feed changes."""
    days = (after + timedelta(days=n) for n in range(1, (until - after).days + 1))
    return tuple(d for d in days if d.weekday() < 5)


def announcement_time(feed_day: date) -> datetime:
    """When the announcement shown in the feed of `feed_day` was made (20:00 the day before)."""
    return datetime.combine(feed_day - timedelta(days=1), ANNOUNCE_AT, tzinfo=NEW_YORK)


async def run_watch(
    source: FeedSource,
    store: CandidateStore,
    facts: KeyValue,
    clock: Clock,
    known: KnownPapers,
    rules: Rules,
    *,
    ranker: Ranker | None = None,
    judge: Judge | None = None,
) -> WatchReport:
    """Read the latest feed, fill any missed days from the API, save the new candidates and
    the maybe lane's papers, ranked by `ranker` and, when given, moved by the LLM `judge`."""
    now = clock.now()
    expected = expected_feed_date(now)
    last_text = facts.get(FEED_DATE_KEY)
    last = date.fromisoformat(last_text) if last_text else None
    try:
        feed = await source.fetch_latest(facts.get(VALIDATORS_KEY) or {})
    except ServiceError as exc:
        return WatchReport(expected_date=expected, errors=(f"feed: {exc}",))
    shown = last if feed.not_modified else feed.date
    stale = shown is None or shown < expected
    missed = _missed_days(last, shown, expected)
    filled, errors = await _fill_gap(source, missed)
    found = [*feed.papers, *filled]
    # sorting thousands of abstracts into lanes takes a while: off the loop, so chat stays
    # responsive
    unique, lanes = await asyncio.to_thread(sort_papers, found, store, known, rules, ranker)
    judged = await judge([p for p, _ in lanes]) if judge and lanes else {}
    saved = save_papers(lanes, rules, judged, store, now, "watch")
    store.mark_seen(unique, now)
    # a failed fill keeps the old day, so the next run asks the API for the whole gap again
    covered = last if errors else max((d for d in (last, shown, *missed) if d), default=None)
    _remember(facts, feed, covered, now)
    return WatchReport(
        candidates=tuple(c for c in saved if c.status == "pending"),
        maybe=tuple(c for c in saved if c.status == "maybe"),
        read=len(found),
        feed_date=shown,
        expected_date=expected,
        not_modified=feed.not_modified,
        stale=stale,
        gap=() if errors else missed,
        errors=tuple(errors),
    )


async def _fill_gap(source: FeedSource, missed: Sequence[date]) -> tuple[list[Paper], list[str]]:
    """Papers of the missed feed days from the API (submitted up to their announcement)."""
    if not missed:
        return [], []
    start = announcement_time(missed[0]) - SUBMISSION_MARGIN
    try:
        return list(await source.search(start, announcement_time(missed[-1]))), []
    except ServiceError as exc:
        return [], [f"gap {missed[0]}…{missed[-1]}: {exc}"]


def _missed_days(last: date | None, shown: date | None, expected: date) -> tuple[date, ...]:
    """Feed days after the last processed one, up to today's, that this feed does not show.

    The very first run has no last day: it takes the feed as its baseline and fills nothing.
    """
    if last is None:
        return ()
    return tuple(d for d in feed_days_between(last, expected) if d != shown)


def _remember(facts: KeyValue, feed: Feed, covered: date | None, now: datetime) -> None:
    if covered is not None:
        facts.put(FEED_DATE_KEY, covered.isoformat())
    if not feed.not_modified:
        facts.put(VALIDATORS_KEY, dict(feed.validators))
    facts.put(LAST_SUCCESS_KEY, now.isoformat())


def process_papers(
    papers: Iterable[Paper],
    store: CandidateStore,
    known: KnownPapers,
    rules: Rules,
    now: datetime,
    source: str = "watch",
    ranker: Ranker | None = None,
) -> list[Candidate]:
    """Drop seen papers and those in the catalog, save the matching rest as candidates (and
    the near misses in the maybe lane); the new candidates."""
    unique, lanes = sort_papers(papers, store, known, rules, ranker)
    saved = save_papers(lanes, rules, {}, store, now, source)
    store.mark_seen(unique, now)
    return [c for c in saved if c.status == "pending"]


def sort_papers(
    papers: Iterable[Paper],
    store: CandidateStore,
    known: KnownPapers,
    rules: Rules,
    ranker: Ranker | None = None,
) -> tuple[Sequence[Paper], list[tuple[Paper, Verdict]]]:
    """The papers without duplicates, and the new unlisted ones that reach a lane, with it."""
    unique = dedup_papers(papers)
    seen = store.seen_ids([p.arxiv_id for p in unique])
    fresh = [p for p in unique if p.arxiv_id not in seen and not is_listed(p, known)]
    verdicts = ((paper, classify(paper, rules, ranker)) for paper in fresh)
    return unique, [(paper, verdict) for paper, verdict in verdicts if verdict.lane != "none"]


def save_papers(
    lanes: Sequence[tuple[Paper, Verdict]],
    rules: Rules,
    judged: Mapping[str, Judgement | None],
    store: CandidateStore,
    now: datetime,
    source: str,
) -> list[Candidate]:
    """Save each paper in its lane; the LLM's verdict, when there is one, picks the lane of a
    paper the gate passed (relevant: candidate; maybe or not relevant: maybe, never dropped)."""
    saved = []
    for paper, verdict in lanes:
        judgement = judged.get(paper.arxiv_id)
        lane: Lane = verdict.lane
        if judgement is not None:
            lane = "candidate" if judgement.label == "relevant" else "maybe"
        saved.append(
            store.add_candidate(
                paper,
                _rule_match(paper, rules, verdict),
                source,
                now,
                status="pending" if lane == "candidate" else "maybe",
                rank=verdict.score,
                evidence=verdict.evidence_words,
                reason="; ".join(verdict.reasons),
                llm_reason=f"{judgement.label}: {judgement.reason}" if judgement else "",
            )
        )
    return saved


def _rule_match(paper: Paper, rules: Rules, verdict: Verdict) -> Match:
    """The rule terms a post shows as "matched" (the gate's for a maybe paper)."""
    found = match_paper(paper, rules) or match_paper(paper, LOOSE_RULES)
    return Match(verdict.score, found.terms if found else verdict.evidence_words)


def is_listed(paper: Paper, known: KnownPapers) -> bool:
    """True when the catalog already holds the paper, by arXiv id or by normalised title."""
    return paper.arxiv_id in known.arxiv_ids() or normalise_title(paper.title) in known.title_keys()


def describe(report: WatchReport) -> Sequence[str]:
    """Short lines saying what a watch run did, for logs, the CLI and health."""
    kept = f", {len(report.maybe)} kept as maybe" if report.maybe else ""
    lines = [f"{len(report.candidates)} new candidate(s){kept} from {report.read} paper(s)"]
    if report.not_modified:
        lines.append("feed not modified since the last fetch")
    if report.stale:
        lines.append(f"feed is stale: shows {report.feed_date}, expected {report.expected_date}")
    if report.gap:
        lines.append(f"filled {len(report.gap)} missed day(s) from the API: {_days(report.gap)}")
    lines += [f"error: {e}" for e in report.errors]
    return lines


def _days(days: Sequence[date]) -> str:
    return ", ".join(d.isoformat() for d in days)
