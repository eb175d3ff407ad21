"""The arXiv watch: feed entries read as Papers (the end of this module), then each new paper
sorted into its lane and saved — a candidate or a maybe — none twice or missed.

arXiv announces Sunday to Thursday at 20:00 New York time; the feed of an announcement is dated
the day after (Monday to Friday). The RSS only shows the latest announcement, so when the last
processed feed day is older than the one arXiv should be showing, the missed days are filled
from the API. A feed whose date did not advance is reported as stale, never taken for a quiet
day; an empty feed on a day without announcement is normal.
"""

from __future__ import annotations

import asyncio
import html
import re
import unicodedata
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.core.arxiv.ranker import Ranker
from bot.core.arxiv.rules import (
    DEFAULT_EXCLUDE,
    DEFAULT_GROUPS,
    DEFAULT_MIN_SCORE,
    LOOSE_RULES,
    Lane,
    Rules,
    Verdict,
    build_rules,
    classify,
    match_paper,
)
from bot.core.judge import Verdict as Judgement
from bot.core.models import (
    AnnounceType,
    Candidate,
    Catalog,
    Match,
    Paper,
    Placement,
    normalise_title,
    parse_arxiv_id,
)
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
                now,
                Placement(
                    status="pending" if lane == "candidate" else "maybe",
                    rank=verdict.score,
                    evidence=tuple(verdict.evidence_words),
                    reason="; ".join(verdict.reasons),
                    llm_reason=f"{judgement.label}: {judgement.reason}" if judgement else "",
                    source=source,
                ),
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


# -------------------------------------------------------------------------- feed entries as Papers
#
# arXiv papers as vadbot sees them: feed entries normalised into `Paper`, and the matching rules.
#
# `parse_feed` and `parse_entry` take what feedparser produced as plain mappings (the infra layer
# runs feedparser), so this module stays free of any outside library. Every flavour arXiv serves
# ends up the same: the 2024+ RSS and Atom feeds (description starts "arXiv:… Announce Type: …
# Abstract: …"), the older RSS feed (title ends "(arXiv:… [cs.CV] UPDATED)") and the API's Atom.

__all__ = [
    "DEFAULT_EXCLUDE",
    "DEFAULT_GROUPS",
    "DEFAULT_MIN_SCORE",
    "NEW_YORK",
    "Feed",
    "Rules",
    "build_rules",
    "clean_text",
    "cut",
    "dedup_papers",
    "find_code_url",
    "match_paper",
    "parse_entry",
    "parse_feed",
]

NEW_YORK = ZoneInfo("America/New_York")
"""arXiv's clock: announcements at 20:00 here, feeds dated by the day after."""


@dataclass(frozen=True, slots=True)
class Feed:
    """One answer from arXiv: its papers, the announcement day it shows, and paging facts."""

    papers: tuple[Paper, ...]
    date: date | None = None
    """The feed's own date in New York (RSS/Atom); None for API answers or when absent."""
    not_modified: bool = False
    """True when arXiv answered 304: nothing changed since the last fetch."""
    total: int | None = None
    """The API's total number of results for the query (for paging)."""
    validators: Mapping[str, str] = field(default_factory=dict)
    """ETag / Last-Modified of this answer, to make the next fetch conditional."""


_PREFIX = re.compile(
    r"^\s*arXiv:\s*(\S+)\s+Announce\s+Type:\s*([\w-]+)\s*(?:Abstract:)?\s*", re.IGNORECASE
)
_OLD_TITLE = re.compile(r"\s*\(arXiv:\s*([^\s\[)]+)\s*(?:\[([^\]]*)\])?\s*([A-Z ]*?)\s*\)\s*$")
_HTML_TAGS = (
    "a|abbr|b|big|blockquote|br|center|cite|code|dd|del|div|dl|dt|em|font|h[1-6]|hr|i|img|ins|"
    "kbd|li|math|mi|mn|mo|mrow|msub|msup|ol|p|pre|q|s|samp|small|span|strike|strong|sub|sup|"
    "table|tbody|td|th|thead|tr|tt|u|ul|var"
)
_TAG = re.compile(rf"</?(?:{_HTML_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
"""Real HTML tags only: "(p < 0.05) for clips with > 10 people" is text, not a tag."""
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
"""Controls and invisible format characters: bidi overrides and isolates (U+202A–U+202E,
U+2066–U+2069) could make a title read backwards in chat. Zero-width (non-)joiners stay:
emoji and several scripts need them."""
MAX_TITLE = 500
MAX_ABSTRACT = 20_000
MAX_AUTHORS = 200
MAX_AUTHOR = 100
"""Normalised papers are capped: arXiv's longest real values are far below, and a hostile feed
must not make a card, a candidate row or the matcher carry megabytes."""
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    '"': "\u0308",
    "^": "\u0302",
    "~": "\u0303",
    "c": "\u0327",
    "v": "\u030c",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
}
_ACCENT = re.compile(r"\{?\\(['`\"^~=.]|[cvu](?=[\s{]))\s*\{?([A-Za-z])\}?\}?")
_TILDE = re.compile(r"(?<=[\w.,)])~(?=[\w$(])")
_URL = re.compile(
    r"(?:https?://|(?<![\w/.])(?=(?:www\.)?(?:github|gitlab)\.com/))[^\s<>\"'{}|\\^`]+",
    re.IGNORECASE,
)
CODE_HOSTS = frozenset(
    {
        "github.com",
        "gitlab.com",
        "bitbucket.org",
        "huggingface.co",
        "codeberg.org",
        "gitee.com",
        "sourceforge.net",
        "sr.ht",
        "git.sr.ht",
        "gitea.com",
    }
)
"""Where code lives; a project page on `*.github.io` comes after them. No other URL of an
abstract becomes the card's code link: it would be a link anyone submitting to arXiv chooses."""
_ANNOUNCE = {"new", "cross", "replace", "replace-cross"}
_OLD_TYPES = {"UPDATED": "replace", "CROSS LISTED": "cross"}


def clean_text(text: str) -> str:
    """Plain one-line text: HTML tags and entities gone, LaTeX `~` and line breaks as spaces,
    invisible control characters dropped."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _ACCENT.sub(_accented, text)
    if "~" in text:
        text = _TILDE.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def cut(text: str, limit: int, what: str) -> str:
    """`text` within `limit` characters; when cut, it ends saying so."""
    if len(text) <= limit:
        return text
    note = f" … [{what} cut at {limit:,} characters]"
    return text[: limit - len(note)].rstrip() + note


def _accented(found: re.Match[str]) -> str:
    """`\\'e` or `{\\"o}` as the letter with its accent (author names are full of them)."""
    return unicodedata.normalize("NFC", found.group(2) + _ACCENTS[found.group(1)])


def find_code_url(abstract: str) -> str | None:
    """The code URL an abstract gives: a plain URL on a code host, else a `*.github.io` page."""
    if "://" not in abstract and ".com/" not in abstract:
        return None  # most abstracts: skip the slower search
    urls = [_trim_url(m.group(0)) for m in _URL.finditer(abstract)]
    urls = [u if "://" in u else f"https://{u}" for u in urls if u]
    hosts = [(url, _host(url)) for url in urls]
    code = [url for url, host in hosts if host in CODE_HOSTS]
    pages = [url for url, host in hosts if host.endswith(".github.io")]
    return next(iter(code or pages), None)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def _trim_url(url: str) -> str:
    url = url.rstrip(".,;:!?'\"")
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1].rstrip(".,;:")
    return url


def parse_entry(raw: Mapping[str, Any]) -> Paper | None:
    """A Paper from one feed or API entry (feedparser's keys), or None if it names no arXiv id."""
    if "/api/errors" in str(raw.get("id") or ""):
        return None  # the API's way of saying "no such id"
    # Cut again once clean; cutting the raw text first bounds the work a hostile feed causes.
    title = str(raw.get("title") or "")[: MAX_TITLE * 8]
    summary = str(raw.get("summary") or raw.get("description") or "")[: MAX_ABSTRACT * 8]
    announce: str = str(raw.get("arxiv_announce_type") or "").strip().lower()
    categories = [str(t.get("term", "")) for t in raw.get("tags") or () if t.get("term")]
    found = None
    old = _OLD_TITLE.search(title)
    if old:  # the pre-2024 feed puts id, category and status in the title
        title = title[: old.start()].removesuffix(".")  # that feed adds ". (arXiv:…)"
        found = parse_arxiv_id(old.group(1))
        announce = announce or _OLD_TYPES.get(old.group(3).strip(), "new")
        if not categories and old.group(2):
            categories = [old.group(2)]
    prefix = _PREFIX.match(summary)
    if prefix:
        found = found or parse_arxiv_id(prefix.group(1))
        announce = announce or prefix.group(2).lower()
        summary = summary[prefix.end() :]
    found = found or _id_of(raw)
    if found is None:
        return None
    arxiv_id, version = found
    abstract = cut(clean_text(summary), MAX_ABSTRACT, "abstract")
    comment = clean_text(str(raw.get("arxiv_comment") or ""))[:MAX_ABSTRACT] or None
    journal = raw.get("arxiv_journal_ref") or raw.get("arxiv_journal_reference")
    return Paper(
        arxiv_id=arxiv_id,
        title=cut(clean_text(title), MAX_TITLE, "title"),
        abstract=abstract,
        version=version or 1,
        announce_type=_announce_type(announce),
        authors=_authors(raw),
        categories=_categories(raw, categories),
        published=_published(raw),
        abs_url=f"https://arxiv.org/abs/{arxiv_id}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}",
        code_url=find_code_url(abstract) or find_code_url(comment or ""),
        comment=comment,
        journal_ref=clean_text(str(journal or "")) or None,
    )


def _id_of(raw: Mapping[str, Any]) -> tuple[str, int | None] | None:
    for key in ("id", "guid", "link"):
        value = raw.get(key)
        if value and (found := parse_arxiv_id(str(value))):
            return found
    return None


def _announce_type(text: str) -> AnnounceType:
    if text in _ANNOUNCE:
        return text  # type: ignore[return-value]
    return "new" if not text else "unknown"


def _authors(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """Authors from `authors` (API: one per entry; RSS: one comma-joined string)."""
    names: list[str] = []
    raw_limit = 1_000_000  # bounds the work on a hostile list (ATLAS papers: ~60,000)
    for author in list(raw.get("authors") or ())[:10_000]:
        name = clean_text(str(author.get("name", ""))[:raw_limit])
        names.extend(n.strip() for n in re.split(r",\s*|\s+and\s+", name) if n.strip())
    if not names and raw.get("author"):
        names = [
            n.strip() for n in clean_text(str(raw["author"])[:raw_limit]).split(",") if n.strip()
        ]
    names = [cut(n, MAX_AUTHOR, "name") for n in names]
    if len(names) > MAX_AUTHORS:
        names = [*names[: MAX_AUTHORS - 1], f"(+{len(names) - MAX_AUTHORS + 1:,} more authors)"]
    return tuple(names)


def _categories(raw: Mapping[str, Any], found: Sequence[str]) -> tuple[str, ...]:
    """The primary category first (API), then the others, without duplicates or MSC codes."""
    primary = raw.get("arxiv_primary_category") or {}
    ordered = [str(primary.get("term", ""))] if primary.get("term") else []
    ordered += [c.strip() for c in found]
    return tuple(dict.fromkeys(c for c in ordered if c and " " not in c and "," not in c))


def _published(raw: Mapping[str, Any]) -> datetime | None:
    parsed = raw.get("published_parsed") or raw.get("updated_parsed")
    return _datetime(parsed)


def _datetime(parsed: Any) -> datetime | None:
    """feedparser's UTC time tuple as an aware datetime."""
    if not parsed:
        return None
    year, month, day, hour, minute, second = tuple(parsed)[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def parse_feed(parsed: Mapping[str, Any]) -> Feed:
    """A Feed from feedparser's result: its papers (deduplicated) and its New York date."""
    meta: Mapping[str, Any] = parsed.get("feed") or {}
    papers = dedup_papers(p for e in parsed.get("entries") or () if (p := parse_entry(e)))
    when = _datetime(meta.get("published_parsed") or meta.get("updated_parsed"))
    total = meta.get("opensearch_totalresults")
    return Feed(
        papers=papers,
        date=when.astimezone(NEW_YORK).date() if when else None,
        total=int(total) if total not in (None, "") else None,
    )


def dedup_papers(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    """Papers in order, each version-less id once (the first wins, e.g. `new` before `cross`)."""
    seen: set[str] = set()
    kept: list[Paper] = []
    for paper in papers:
        if paper.arxiv_id not in seen:
            seen.add(paper.arxiv_id)
            kept.append(paper)
    return tuple(kept)
