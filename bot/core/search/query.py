"""Search queries: free words plus filters (`venue:CVPR year:2024..2025 has:code kind:dataset`).

Filters of different keys must all hold; repeating a key means either value (`venue:CVPR
venue:ICCV`). A malformed filter raises QueryError with a message written for the person who
typed it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.core.models import KINDS, LINK_NAMES, Entry
from bot.core.search.text import fold
from bot.errors import QueryError

FILTER_KEYS = ("venue", "year", "has", "kind", "tag", "author")
HAS_VALUES = (*LINK_NAMES, "summary", "preview")
_PART = re.compile(r'(?P<key>[^\W\d_]+):(?P<value>"[^"]*"?|\S*)|"(?P<quoted>[^"]*)"?|(?P<word>\S+)')
_YEAR = re.compile(r"^(?:(?P<op>>=|<=|>|<)?(?P<one>\d{4})|(?P<lo>\d{4})?\.\.(?P<hi>\d{4})?)$")
_EXAMPLES = {
    "venue": "venue:CVPR",
    "year": "year:2025 or year:2024..2025",
    "has": "has:code",
    "kind": "kind:dataset",
    "tag": "tag:benchmark",
    "author": "author:Zhang",
}
_FILTERS_HELP = "Filters: venue:CVPR, year:2025, year:2024..2025, has:code, kind:dataset, tag:…"


@dataclass(frozen=True, slots=True)
class Filters:
    """What entries must be, besides matching the words; empty tuples mean "any"."""

    venues: tuple[str, ...] = ()
    years: tuple[tuple[int, int], ...] = ()
    has: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        """True when no filter was given."""
        return not (
            self.venues or self.years or self.has or self.kinds or self.tags or self.authors
        )


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the free words, in order, and the filters."""

    words: tuple[str, ...]
    filters: Filters
    filter_text: tuple[str, ...] = ()
    """The filters as typed, to rebuild a query ("did you mean …")."""


def parse_query(text: str) -> Query:
    """Words and filters of a query; raises QueryError for a malformed filter."""
    words: list[str] = []
    found: dict[str, list[object]] = {key: [] for key in FILTER_KEYS}
    typed: list[str] = []
    for match in _PART.finditer(text):
        key, value = (match.group("key") or "").casefold(), match.group("value") or ""
        if key in FILTER_KEYS and not value.strip('"'):
            raise QueryError(f"'{key}:' needs a value, e.g. {_EXAMPLES[key]}.")
        if not key or not value or "//" in value:
            words.append(match.group("quoted") or match.group("word") or match.group())
            continue
        if key not in FILTER_KEYS:
            raise QueryError(_unknown_key(key))
        found[key].append(_filter_value(key, value.strip('"')))
        typed.append(match.group())
    filters = Filters(
        venues=tuple(map(str, found["venue"])),
        years=tuple(v for v in found["year"] if isinstance(v, tuple)),
        has=tuple(map(str, found["has"])),
        kinds=tuple(map(str, found["kind"])),
        tags=tuple(map(str, found["tag"])),
        authors=tuple(map(str, found["author"])),
    )
    return Query(tuple(w for w in words if w.strip(":")), filters, tuple(typed))


def _filter_value(key: str, value: str) -> object:
    if key == "year":
        return parse_years(value)
    if key == "has":
        return _choice(key, value.casefold(), HAS_VALUES)
    if key == "kind":
        kind = value.casefold()
        return _choice(key, kind[:-1] if kind.endswith("s") and kind[:-1] in KINDS else kind, KINDS)
    if key == "venue":
        return _squash(value)
    return fold(value)


def parse_years(value: str) -> tuple[int, int]:
    """The years of a `year:` filter as an inclusive range: 2025, 2024..2025, 2024.., >=2024."""
    match = _YEAR.match(value)
    if match is None or value == "..":
        raise QueryError(
            f"'year:{value}' is not a year. Use year:2025, year:2024..2025 or year:>=2024."
        )
    if match.group("one"):
        year, op = int(match.group("one")), match.group("op") or ""
        bounds = {">=": (year, 9999), ">": (year + 1, 9999), "<=": (0, year), "<": (0, year - 1)}
        return bounds.get(op, (year, year))
    lo, hi = int(match.group("lo") or 0), int(match.group("hi") or 9999)
    return (lo, hi) if lo <= hi else (hi, lo)


def _choice(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f" Did you mean '{key}:{close[0]}'?" if close else ""
    options = ", ".join(f"{key}:{a}" for a in allowed)
    raise QueryError(f"'{key}:{value}' is not a filter I know.{hint} Try one of: {options}.")


def _unknown_key(key: str) -> str:
    close = difflib.get_close_matches(key, FILTER_KEYS, n=1)
    hint = f" Did you mean '{close[0]}:'?" if close else ""
    return f"'{key}:' is not a filter.{hint} {_FILTERS_HELP}"


def _squash(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def venue_matches(venue: str, wanted: str) -> bool:
    """`venue:acm` finds "ACM MM", `venue:mm` too, `venue:cvpr` finds "CVPR"; never "ICVPR"."""
    words = [_squash(w) for w in venue.split()]
    return _squash(venue).startswith(wanted) or wanted in words


def has_value(entry: Entry, name: str) -> bool:
    """True when an entry has the link (or summary, preview) that `has:name` asks for."""
    if name == "summary":
        return bool(entry.summary.strip())
    if name == "preview":
        return bool(entry.preview)
    if name == "arxiv" and entry.arxiv_id:
        return True
    return bool(entry.links.get(name))
