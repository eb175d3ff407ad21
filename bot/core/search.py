"""Search over the catalog: the engine behind `/vad search` and `vadbot search`.

An in-memory inverted index. Each term an entry can be found by (see `search_text`) points at
the entries holding it, with a bit per field it occurs in; a field's weight ranks short names
first, then titles, tags, summaries and authors. Every word of a query must match, exactly, as
a prefix, or with a typo; CJK words must match all their character pairs. Filters are sets of
entries intersected in C, so a filter alone costs almost nothing.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.models import Card, Entry, Link, Reply
from bot.core.search_query import HAS_VALUES, Filters, Query, has_value, is_allowed, parse_query
from bot.core.search_text import (
    edit_budget,
    fold,
    fuzzy_keys,
    index_terms,
    is_cjk,
    names_of,
    query_terms,
    within,
)
from bot.errors import QueryError

NAME, TITLE, TAGS, SUMMARY, AUTHORS, META = 1, 2, 4, 8, 16, 32
_FIELD_WEIGHTS = {NAME: 10.0, TITLE: 5.0, TAGS: 2.5, SUMMARY: 1.5, AUTHORS: 1.5, META: 0.5}
_MASK_WEIGHT = tuple(sum(w for bit, w in _FIELD_WEIGHTS.items() if m & bit) for m in range(64))
EXACT, FUZZY_1, FUZZY_2 = 1.0, 0.6, 0.45
MAX_PREFIX_TERMS = 40
RERANK = 50
"""How many of the best entries get the (slower) whole-query bonuses before the final cut."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One entry found, with its relevance (higher is better)."""

    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What a query found: the best hits, how many matched in all, and help when nothing did."""

    query: str
    hits: tuple[Hit, ...]
    total: int
    suggestion: str | None = None
    """A query that would find something, when this one found nothing ("did you mean …")."""
    error: str | None = None
    """A message for a malformed query (a bad filter), instead of results."""


class Searcher(Protocol):
    """Anything `search_reply` can ask: the in-memory index, or one kept elsewhere."""

    def search(self, query: str, limit: int = 10) -> SearchResult:
        """The entries matching `query`, best first, at most `limit` of them."""
        ...


Expansion = list[tuple[str, float]]
"""The index terms one query term may mean, each with how well it matches (1 = exactly)."""


class SearchIndex:
    """An index over catalog entries; build a new one when the catalog changes."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = tuple(entries)
        self._docs: dict[str, array[int]] = {}
        self._masks: dict[str, bytearray] = {}
        for number, entry in enumerate(self._entries):
            self._add(number, entry)
        self._vocab = sorted(self._docs)
        self._fuzzy: dict[tuple[str, int], list[str]] = {}
        for term in self._vocab:
            if edit_budget(term) and not is_cjk(term) and not term.isdigit():
                for key in fuzzy_keys(term):
                    self._fuzzy.setdefault(key, []).append(term)
        self._facets = _build_facets(self._entries)
        order = sorted(range(len(self._entries)), key=lambda n: _default_key(self._entries[n], n))
        self._rank = array("I", bytes(4 * len(order)))
        for position, number in enumerate(order):
            self._rank[number] = position
        self._order = array("I", order)

    def __len__(self) -> int:
        return len(self._entries)

    def _add(self, number: int, entry: Entry) -> None:
        masks: dict[str, int] = {}
        for bit, text in _fields(entry):
            for term in index_terms(text):
                masks[term] = masks.get(term, 0) | bit
        for term, mask in masks.items():
            docs = self._docs.get(term)
            if docs is None:
                docs = self._docs[term] = array("I")
                self._masks[term] = bytearray()
            docs.append(number)
            self._masks[term].append(mask)

    # ------------------------------------------------------------------------ searching

    def search(self, query: str, limit: int = 10) -> SearchResult:
        """The entries matching `query`, best first, at most `limit` of them."""
        try:
            parsed = parse_query(query)
        except QueryError as exc:
            return SearchResult(query, (), 0, error=str(exc))
        limit = max(limit, 0)
        allowed = self._allowed(parsed.filters)
        if not parsed.words:
            if allowed is None:
                return SearchResult(query, (), 0, error=EMPTY_QUERY)
            numbers = self._in_default_order(allowed, limit)
            return SearchResult(query, self._hits(numbers, {}), len(allowed))
        scores = self._score(parsed.words, allowed)
        if not scores:
            return SearchResult(query, (), 0, suggestion=self._suggest(parsed))
        best = heapq.nlargest(max(limit, RERANK), scores, key=scores.__getitem__)
        self._add_bonuses(parsed.words, best, scores)
        best.sort(key=lambda n: (-scores[n], self._rank[n]))
        return SearchResult(query, self._hits(best[:limit], scores), len(scores))

    def _hits(self, numbers: Iterable[int], scores: dict[int, float]) -> tuple[Hit, ...]:
        return tuple(Hit(self._entries[n], round(scores.get(n, 0.0), 3)) for n in numbers)

    def _score(self, words: Sequence[str], allowed: set[int] | None) -> dict[int, float]:
        """Each entry matching every query term, with its summed score; {} if any term fails."""
        units = [self._expand(t) for w in words for t in query_terms(w)]
        units.sort(key=lambda unit: sum(len(self._docs[t]) for t, _ in unit))
        scores: dict[int, float] | None = None
        for unit in units:
            within_set = allowed if scores is None else scores.keys()
            found = self._unit_scores(unit, within_set)
            if scores is None:
                scores = found
            else:
                scores = {n: s + found[n] for n, s in scores.items() if n in found}
            if not scores:
                return {}
        return scores or {}

    def _unit_scores(self, unit: Expansion, keep: Iterable[int] | None) -> dict[int, float]:
        found: dict[int, float] = {}
        total = len(self._entries)
        for term, quality in unit:
            docs, masks = self._docs[term], self._masks[term]
            idf = math.log(1.0 + total / len(docs)) * quality
            for number, mask in zip(docs, masks, strict=True):
                score = idf * _MASK_WEIGHT[mask]
                if score > found.get(number, 0.0):
                    found[number] = score
        if keep is not None:
            return {n: found[n] for n in found.keys() & set(keep)}
        return found

    def _expand(self, term: str) -> Expansion:
        """The index terms a query term may mean: itself, longer words it starts, near typos."""
        found: Expansion = [(term, EXACT)] if term in self._docs else []
        if is_cjk(term):
            return found
        if len(term) >= 2:
            found += [(t, 0.5 + 0.4 * len(term) / len(t)) for t in self._prefixed(term)]
        if term not in self._docs:
            found += [(t, FUZZY_1 if within(term, t, 1) else FUZZY_2) for t in self._near(term)]
        return found

    def _prefixed(self, prefix: str) -> list[str]:
        start = bisect_left(self._vocab, prefix)
        found: list[str] = []
        for term in self._vocab[start : start + 20 * MAX_PREFIX_TERMS]:
            if not term.startswith(prefix):
                break
            if term != prefix:
                found.append(term)
        found.sort(key=lambda t: -len(self._docs[t]))
        return found[:MAX_PREFIX_TERMS]

    def _near(self, word: str, budget: int | None = None) -> list[str]:
        budget = edit_budget(word) if budget is None else budget
        if not budget or is_cjk(word) or word.isdigit():
            return []
        seen: set[str] = set()
        for length in range(len(word) - budget, len(word) + budget + 1):
            for (key, _), target in zip(fuzzy_keys(word), (length, length), strict=True):
                seen.update(self._fuzzy.get((key, target), ()))
        return sorted((t for t in seen if within(word, t, budget)), key=lambda t: t)

    def _add_bonuses(self, words: Sequence[str], best: list[int], scores: dict[int, float]) -> None:
        """Whole-query matches rank higher: "vera" is VERA's name, "holmes vau" starts a title."""
        phrase = fold(" ".join(words))
        squashed = _squash(phrase)
        for number in best:
            entry = self._entries[number]
            title = fold(entry.title)
            names = {_squash(n) for n in names_of(entry.title, entry.short_name).split()}
            if squashed in names or squashed == _squash(names_of(entry.title, entry.short_name)):
                scores[number] *= 2.0
            if len(words) > 1 and phrase in title:
                scores[number] *= 1.3
            if _squash(title).startswith(squashed):
                scores[number] *= 1.2

    # ------------------------------------------------------------------------ filters

    def _allowed(self, filters: Filters) -> set[int] | None:
        """The entries passing every filter, or None when there is no filter."""
        if filters.is_empty():
            return None
        sets: list[set[int]] = []
        for facet, wanted in (("kind", filters.kinds), ("tag", filters.tags)):
            if wanted:
                sets.append(set().union(*(self._facets[facet].get(w, set()) for w in wanted)))
        sets += [self._facets["has"][name] for name in filters.has]
        if filters.years:
            years = self._facets["year"]
            sets.append(set().union(*(years[y] for y in years if _in_years(y, filters.years))))
        if filters.venues:
            venues = self._facets["venue"]
            probe = Filters(venues=filters.venues)
            sets.append(set().union(*(venues[v] for v in venues if is_allowed(_venue(v), probe))))
        sets.sort(key=len)
        allowed = set(sets[0]).intersection(*sets[1:]) if sets else set(range(len(self)))
        if filters.authors:
            probe = Filters(authors=filters.authors)
            allowed = {n for n in allowed if is_allowed(self._entries[n], probe)}
        return allowed

    def _in_default_order(self, numbers: set[int], limit: int) -> list[int]:
        if len(numbers) < 4 * limit + 1000:
            return sorted(numbers, key=self._rank.__getitem__)[:limit]
        found: list[int] = []
        for number in self._order:
            if number in numbers:
                found.append(number)
                if len(found) == limit:
                    break
        return found

    # ------------------------------------------------------------------------ did you mean

    def _suggest(self, query: Query) -> str | None:
        """A query close to this one that finds something, or None."""
        words = [self._closest(w) for w in query.words]
        kept = [w for w in words if w]
        tries = [kept, *([w] for w in sorted(kept, key=self._count))]
        for candidate in tries:
            if not candidate:
                continue
            for filters in (query.filter_text, ()):
                text = " ".join([*candidate, *filters])
                if self._score(candidate, self._allowed(parse_query(text).filters)):
                    return text if text != " ".join([*query.words, *query.filter_text]) else None
        return None

    def _closest(self, word: str) -> str | None:
        """The word itself when it finds something alone, else the nearest known term."""
        if self._score([word], None):
            return word
        terms = query_terms(word)
        if len(terms) != 1 or is_cjk(terms[0]):
            return None
        for budget in (1, 2, 3):
            near = self._near(terms[0], budget)
            if near:
                return max(near, key=lambda t: len(self._docs[t]))
        return None

    def _count(self, word: str) -> int:
        return len(self._score([word], None))


EMPTY_QUERY = "Type words to look for, filters, or both, e.g. `holmes` or `venue:CVPR year:2025`."


def _fields(entry: Entry) -> Iterable[tuple[int, str]]:
    yield NAME, names_of(entry.title, entry.short_name)
    yield TITLE, entry.title
    yield TAGS, " ".join(entry.tags)
    yield SUMMARY, entry.summary
    yield AUTHORS, " ".join(entry.authors)
    yield META, f"{entry.venue} {entry.year or ''} {entry.kind}"


def _build_facets(entries: Sequence[Entry]) -> dict[str, dict[object, set[int]]]:
    facets: dict[str, dict[object, set[int]]] = {k: {} for k in ("kind", "tag", "year", "venue")}
    facets["has"] = {name: set() for name in HAS_VALUES}
    for number, entry in enumerate(entries):
        facets["kind"].setdefault(entry.kind, set()).add(number)
        facets["year"].setdefault(entry.year or 0, set()).add(number)
        facets["venue"].setdefault(entry.venue, set()).add(number)
        for tag in entry.tags:
            facets["tag"].setdefault(fold(tag), set()).add(number)
        for name in HAS_VALUES:
            if has_value(entry, name):
                facets["has"][name].add(number)
    return facets


def _in_years(year: object, ranges: Sequence[tuple[int, int]]) -> bool:
    return isinstance(year, int) and any(lo <= year <= hi for lo, hi in ranges)


def _venue(venue: object) -> Entry:
    return Entry(id="", kind="paper", title="", venue=str(venue))


def _default_key(entry: Entry, number: int) -> tuple[int, int]:
    """Newest first, then the list's own order: how a filter alone lists what it found."""
    return -(entry.year or 0), number


def _squash(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def search_reply(index: Searcher, query: str, limit: int = 5) -> Reply:
    """The `/vad search` answer: a result card with one line per hit and "N more"."""
    result = index.search(query, limit)
    if result.error:
        return Reply(text=result.error)
    if not result.hits:
        hint = f" Did you mean '{result.suggestion}'?" if result.suggestion else ""
        return Reply(text=f"No match for '{query}'.{hint}")
    items = tuple(
        Card(
            title=h.entry.title,
            url=next(iter(h.entry.links.values()), None),
            body=" ".join(str(p) for p in (h.entry.venue, h.entry.year) if p),
            links=tuple(Link(name, url) for name, url in h.entry.links.items()),
            kind="search-hit",
        )
        for h in result.hits
    )
    more = result.total - len(result.hits)
    footer = f"{more} more — refine the query or add filters" if more > 0 else ""
    title = f'🔎 {result.total} result{"s" if result.total != 1 else ""} for "{query}"'
    return Reply(cards=(Card(title=title, items=items, footer=footer, kind="search"),))
