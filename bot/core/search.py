"""Search over the catalog: the engine behind `/vad search` and `vadbot search`.

PLACEHOLDER (skeleton): the interface the chat adapters and the CLI call is fixed here; the
ranking is a naive substring match until the Search issue replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.models import Card, Entry, Link, Reply


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


class SearchIndex:
    """An index over catalog entries; rebuilt (or updated) when the catalog changes."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = tuple(entries)

    def search(self, query: str, limit: int = 10) -> SearchResult:
        """The entries matching `query`, best first, at most `limit` of them."""
        words = query.casefold().split()
        found = [
            Hit(e, 1.0)
            for e in self._entries
            if all(w in f"{e.title} {e.summary}".casefold() for w in words)
        ]
        return SearchResult(query, tuple(found[:limit]), len(found))


def search_reply(index: SearchIndex, query: str, limit: int = 5) -> Reply:
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
            body=" · ".join(str(p) for p in (h.entry.venue, h.entry.year) if p),
            links=tuple(Link(name, url) for name, url in h.entry.links.items()),
            kind="search-hit",
        )
        for h in result.hits
    )
    more = result.total - len(result.hits)
    footer = f"{more} more — refine the query or add filters" if more > 0 else ""
    title = f'🔎 {result.total} result{"s" if result.total != 1 else ""} for "{query}"'
    return Reply(cards=(Card(title=title, items=items, footer=footer, kind="search"),))
