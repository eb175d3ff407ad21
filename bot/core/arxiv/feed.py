"""arXiv papers as vadbot sees them: feed entries normalised into `Paper`, and the matching rules.

`parse_feed` and `parse_entry` take what feedparser produced as plain mappings (the infra layer
runs feedparser), so this module stays free of any outside library. Every flavour arXiv serves
ends up the same: the 2024+ RSS and Atom feeds (description starts "arXiv:… Announce Type: …
Abstract: …"), the older RSS feed (title ends "(arXiv:… [cs.CV] UPDATED)") and the API's Atom.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.core.arxiv.rules import (
    DEFAULT_EXCLUDE,
    DEFAULT_GROUPS,
    DEFAULT_MIN_SCORE,
    Rules,
    build_rules,
    match_paper,
)
from bot.core.models import AnnounceType, Paper, parse_arxiv_id

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
_ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303",
            "c": "\u0327", "v": "\u030c", "=": "\u0304", "u": "\u0306", ".": "\u0307"}  # fmt: skip
_ACCENT = re.compile(r"\{?\\(['`\"^~=.]|[cvu](?=[\s{]))\s*\{?([A-Za-z])\}?\}?")
_TILDE = re.compile(r"(?<=[\w.,)])~(?=[\w$(])")
_URL = re.compile(
    r"(?:https?://|(?<![\w/.])(?=(?:www\.)?(?:github|gitlab)\.com/))[^\s<>\"'{}|\\^`]+",
    re.IGNORECASE,
)
CODE_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "huggingface.co", "codeberg.org", "gitee.com",
     "sourceforge.net", "sr.ht", "git.sr.ht", "gitea.com"}
)  # fmt: skip
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
