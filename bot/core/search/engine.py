"""Search over the catalog: the engine behind `/vad search` and `vadbot search`.

An inverted index (`search_postings`): each term an entry can be found by (see `search_text`)
points at the entries holding it, with a bit per field it is in, so that short names rank
first, then titles, tags, summaries and authors. Every word of a query must match, exactly,
as a prefix, or with a typo; a CJK word must match all its character pairs. Filters are terms
too ("\\x01year:2025"), so a filter alone costs what a word does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from bot.core.models import Card, Entry, Link, Reply
from bot.core.ports import SearchIndexStore
from bot.core.search.postings import (
    AUTHORS,
    FACET,
    MASK_WEIGHT,
    IndexSnapshot,
    Postings,
    PostingsBuilder,
    entry_terms,
    fingerprint,
    merge_postings,
)
from bot.core.search.query import Filters, Query, parse_query, venue_matches
from bot.core.search.terms import Expansion, Vocabulary
from bot.core.search.text import fold, is_cjk, names_of, query_terms
from bot.errors import QueryError

RERANK = 50
"""How many of the best entries get the whole-query bonuses before the final cut."""
MAX_DEAD_SHARE = 0.25
"""Above this share of removed entries in a restored index, a full rebuild is cheaper."""
EMPTY_QUERY = "Type words to look for, filters, or both, e.g. `holmes` or `venue:CVPR year:2025`."
Scores = NDArray[np.float64]
Mask = NDArray[np.bool_]


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
    """Anything `search_reply` can ask."""

    def search(self, query: str, limit: int = 10) -> SearchResult:
        """The entries matching `query`, best first, at most `limit` of them."""
        ...


class LiveIndex:
    """The index the bot answers from now; replaced whole when the catalog changes, so a search
    sees the old catalog or the new one, never half of it."""

    def __init__(self, index: Searcher) -> None:
        self.current = index

    def replace(self, index: Searcher) -> None:
        """Answer from `index` from now on."""
        self.current = index

    def search(self, query: str, limit: int = 10) -> SearchResult:
        """The current index's answer."""
        return self.current.search(query, limit)


class SearchIndex:
    """An index over catalog entries; build a new one (or `restore`) when the catalog changes."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        builder = PostingsBuilder()
        for number, entry in enumerate(entries):
            builder.add(number, entry_terms(entry))
        self._setup(entries, list(entries), builder.build())

    @classmethod
    def restore(cls, entries: Sequence[Entry], saved: IndexSnapshot) -> SearchIndex:
        """The index over `entries`, reusing a saved one: only new or changed entries are read."""
        wanted = {e.id: e for e in entries}
        slots: list[Entry | None] = [None] * len(saved.ids)
        for number, (entry_id, print_) in enumerate(zip(saved.ids, saved.prints, strict=True)):
            entry = wanted.get(entry_id)
            if entry is not None and fingerprint(entry) == print_:
                slots[number] = entry
        kept = {e.id for e in slots if e is not None}
        fresh = [e for e in entries if e.id not in kept]
        dead = np.fromiter((e is None for e in slots), dtype=np.bool_, count=len(slots))
        if int(dead.sum()) + len(fresh) > MAX_DEAD_SHARE * max(len(entries), 1):
            return cls(entries)
        postings = saved.postings
        if fresh:
            builder = PostingsBuilder()
            for number, entry in enumerate(fresh, len(slots)):
                builder.add(number, entry_terms(entry))
            postings = merge_postings(postings, builder.build())
            slots += fresh
        index = cls.__new__(cls)
        index._setup(entries, slots, postings)
        return index

    def snapshot(self) -> IndexSnapshot:
        """What to save so that `restore` can skip re-reading unchanged entries."""
        ids = self.snapshot_ids()
        prints = np.fromiter((fingerprint(e) if e else 0 for e in self._slots), dtype=np.uint32)
        return IndexSnapshot(ids, prints, self._postings)

    def _setup(self, entries: Sequence[Entry], slots: list[Entry | None], p: Postings) -> None:
        self._slots = slots
        self._postings = p
        self._live: Mask = np.fromiter((e is not None for e in slots), np.bool_, len(slots))
        self._terms = Vocabulary(p, self._live)
        self._df = self._terms.df
        self._size = len(entries)
        position = {e.id: i for i, e in enumerate(entries)}
        years = np.fromiter((-(e.year or 0) if e else 0 for e in slots), np.int64, len(slots))
        places = np.fromiter((position[e.id] if e else 0 for e in slots), np.int64, len(slots))
        self._rank = np.empty(len(slots), dtype=np.int64)
        self._rank[np.lexsort((places, years))] = np.arange(len(slots))
        self._facets = [t for t in p.terms if t.startswith(FACET)]

    def __len__(self) -> int:
        return self._size

    def changed_since(self, saved: IndexSnapshot) -> bool:
        """True when this index is not the saved one (entries were added, changed or removed)."""
        return self._postings is not saved.postings or self.snapshot_ids() != saved.ids

    def snapshot_ids(self) -> tuple[str, ...]:
        """The entry id of every entry number ("" for removed ones), as a snapshot keeps them."""
        return tuple(e.id if e else "" for e in self._slots)

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
            if parsed.filters.is_empty():
                return SearchResult(query, (), 0, error=EMPTY_QUERY)
            found = np.flatnonzero(allowed)
            return SearchResult(query, self._hits(self._first(found, limit), None), found.size)
        scores = self._score(parsed.words, allowed)
        found = np.flatnonzero(scores)
        if not found.size:
            return SearchResult(query, (), 0, suggestion=self._suggest(parsed))
        best = self._best(found, scores)
        self._add_bonuses(parsed.words, best, scores)
        best.sort(key=lambda n: (-scores[n], self._rank[n]))
        return SearchResult(query, self._hits(best[:limit], scores), found.size)

    def _hits(self, numbers: Sequence[int], scores: Scores | None) -> tuple[Hit, ...]:
        hits = []
        for n in numbers:
            entry = self._slots[n]
            assert entry is not None  # dead entries never score nor pass filters
            hits.append(Hit(entry, round(float(scores[n]), 3) if scores is not None else 0.0))
        return tuple(hits)

    def _first(self, found: NDArray[np.intp], limit: int) -> list[int]:
        """The `limit` entries listed first (newest, then the list's order) among `found`."""
        ranks = self._rank[found]
        if found.size > limit:
            cut = np.argpartition(ranks, limit)[:limit]
            found, ranks = found[cut], ranks[cut]
        return [int(n) for n in found[np.argsort(ranks)]]

    def _best(self, found: NDArray[np.intp], scores: Scores) -> list[int]:
        """The RERANK best-scored entries, plus any tied with the last (ties go to the list)."""
        values = scores[found]
        if found.size > RERANK:
            floor = np.partition(values, found.size - RERANK)[found.size - RERANK]
            found, values = found[values >= floor], values[values >= floor]
        order = np.lexsort((self._rank[found], -values))[:RERANK]
        return [int(n) for n in found[order]]

    def _score(self, words: Sequence[str], allowed: Mask) -> Scores:
        """Every entry's summed score over the query terms; 0 where any term does not match."""
        total = np.zeros(len(self._slots), dtype=np.float64)
        matched = allowed.copy()
        for term in (t for w in words for t in query_terms(w)):
            unit = self._unit_scores(self._terms.expand(term))
            matched &= unit > 0
            if not matched.any():
                return np.zeros(len(self._slots), dtype=np.float64)
            total += unit
        total[~matched] = 0.0
        return total

    def _unit_scores(self, unit: Expansion) -> Scores:
        """Each entry holding one of the unit's terms, scored by its best one."""
        found = np.zeros(len(self._slots), dtype=np.float64)
        for number, quality in unit:
            docs, masks = self._postings.span(number)
            idf = np.log1p(self._size / max(int(self._df[number]), 1)) * quality
            found[docs] = np.maximum(found[docs], MASK_WEIGHT[masks] * idf)
        return found

    def _add_bonuses(self, words: Sequence[str], best: list[int], scores: Scores) -> None:
        """Whole-query matches rank higher: "vera" is VERA's name, "holmes vau" starts a title."""
        phrase = fold(" ".join(words))
        squashed = _squash(phrase)
        for number in best:
            entry = self._slots[number]
            assert entry is not None
            title = fold(entry.title)
            names = names_of(entry.title, entry.short_name)
            if squashed in {_squash(fold(n)) for n in (*names.split(), names)}:
                scores[number] *= 2.0
            if len(words) > 1 and phrase in title:
                scores[number] *= 1.3
            if _squash(title).startswith(squashed):
                scores[number] *= 1.2

    # ------------------------------------------------------------------------ filters

    def _allowed(self, filters: Filters) -> Mask:
        """Which entries pass every filter (and are still in the catalog)."""
        allowed = self._live.copy()
        for key, wanted in (("kind", filters.kinds), ("tag", filters.tags)):
            if wanted:
                allowed &= self._holding([f"{FACET}{key}:{w}" for w in wanted])
        if filters.years:
            years = [t for t in self._facets if t.startswith(f"{FACET}year:")]
            allowed &= self._holding([t for t in years if _in_years(t[6:], filters.years)])
        for name in filters.has:
            allowed &= self._holding([f"{FACET}has:{name}"])
        if filters.venues:
            venues = [t for t in self._facets if t.startswith(f"{FACET}venue:")]
            chosen = [t for t in venues if any(venue_matches(t[7:], v) for v in filters.venues)]
            allowed &= self._holding(chosen)
        for author in filters.authors:
            for word in query_terms(author):
                allowed &= self._holding([word], AUTHORS)
        return allowed

    def _holding(self, terms: Sequence[str], fields: int = 0) -> Mask:
        """Entries holding any of `terms` (in one of `fields`, when given)."""
        found = np.zeros(len(self._slots), dtype=np.bool_)
        for term in terms:
            number = self._terms.number.get(term)
            if number is not None:
                docs, masks = self._postings.span(number)
                found[docs[masks & fields > 0] if fields else docs] = True
        return found

    # ------------------------------------------------------------------------ did you mean

    def _suggest(self, query: Query) -> str | None:
        """A query close to this one that finds something, or None."""
        kept = [w for w in (self._closest(w) for w in query.words) if w]
        typed = " ".join([*query.words, *query.filter_text])
        for words in [kept, *([w] for w in sorted(kept, key=self._count))]:
            for filters in (query.filter_text, ()):
                text = " ".join([*words, *filters])
                if words and text != typed and self._count(text):
                    return text
        return None

    def _closest(self, word: str) -> str | None:
        """The word itself when it is known (or starts a known term), else the nearest term."""
        terms = query_terms(word)
        if len(terms) != 1 or is_cjk(terms[0]):
            return word if self._count(word) else None
        if self._terms.known(terms[0]) is not None or self._terms.prefixed(terms[0]):
            return word
        for budget in (1, 2, 3):
            near = self._terms.near(terms[0], budget)
            if near:
                return max(near, key=lambda t: int(self._df[self._terms.number[t]]))
        return None

    def _count(self, text: str) -> int:
        parsed = parse_query(text)
        return int(np.count_nonzero(self._score(parsed.words, self._allowed(parsed.filters))))


def _squash(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _in_years(year: str, ranges: Sequence[tuple[int, int]]) -> bool:
    return year.isdigit() and any(lo <= int(year) <= hi for lo, hi in ranges)


def build_index(entries: Sequence[Entry], store: SearchIndexStore | None = None) -> SearchIndex:
    """The index over `entries`, reusing (and refreshing) the one in `store` when there is one."""
    if store is None:
        return SearchIndex(entries)
    saved = store.load()
    index = SearchIndex(entries) if saved is None else SearchIndex.restore(entries, saved)
    if saved is None or index.changed_since(saved):
        store.save(index.snapshot())
    return index


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
