"""Which index terms a query term may mean: itself, longer terms it starts, and near typos.

Typo candidates come from two ranges of sorted lists (terms sharing the first two letters,
and terms sharing the last two, via the terms spelt backwards): a single typo leaves one of
those pairs alone, so no query ever compares itself with the whole vocabulary.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from bot.core.search.postings import FACET, Postings
from bot.core.search.text import edit_budget, is_cjk, within

EXACT, FUZZY_1, FUZZY_2 = 1.0, 0.6, 0.45
"""How much a match counts: exact, one typo, two typos (a prefix counts 0.5–0.9 by length)."""
MAX_PREFIX_TERMS = 40

Expansion = list[tuple[int, float]]
"""The index terms (by number) a query term may mean, with how well each matches (1 = exactly)."""


class Vocabulary:
    """The terms of an index, looked up exactly, by prefix and by typo."""

    def __init__(self, postings: Postings, live: NDArray[np.bool_]) -> None:
        self._postings = postings
        self._live = live
        self._has_dead = not live.all()
        self.terms = postings.terms
        self.number = {t: i for i, t in enumerate(postings.terms)}
        self.df = np.diff(postings.offsets)
        words = (t for t in postings.terms if not t.startswith(FACET) and not is_cjk(t))
        self._reversed = sorted(t[::-1] for t in words)

    def expand(self, term: str) -> Expansion:
        """The index terms a query term may mean, each with how well it matches."""
        exact = self.known(term)
        found: Expansion = [] if exact is None else [(exact, EXACT)]
        if is_cjk(term):
            return found
        if len(term) >= 2:
            found += [(n, 0.5 + 0.4 * len(term) / len(self.terms[n])) for n in self.prefixed(term)]
        if exact is None:
            for near in self.near(term):
                found.append((self.number[near], FUZZY_1 if within(term, near, 1) else FUZZY_2))
        return found

    def known(self, term: str) -> int | None:
        """The term's number, unless it is absent or only removed entries held it."""
        number = self.number.get(term)
        if number is None or not self._has_dead:
            return number
        return number if self._live[self._postings.span(number)[0]].any() else None

    def prefixed(self, prefix: str) -> list[int]:
        """The most frequent terms (by number) that start with `prefix` and are longer."""
        start = bisect_left(self.terms, prefix)
        found: list[int] = []
        for number in range(start, min(start + 20 * MAX_PREFIX_TERMS, len(self.terms))):
            if not self.terms[number].startswith(prefix):
                break
            if self.terms[number] != prefix:
                found.append(number)
        found.sort(key=lambda n: -int(self.df[n]))
        return found[:MAX_PREFIX_TERMS]

    def near(self, word: str, budget: int | None = None) -> list[str]:
        """Known terms within `budget` typos of `word` (by default, what its length allows)."""
        budget = edit_budget(word) if budget is None else budget
        if not budget or is_cjk(word) or word[0].isdigit():
            return []
        candidates = _starting(self.terms, word[:2])
        candidates += [t[::-1] for t in _starting(self._reversed, word[::-1][:2])]
        return sorted(
            {t for t in candidates if abs(len(t) - len(word)) <= budget and within(word, t, budget)}
        )


def _starting(terms: Sequence[str], prefix: str) -> list[str]:
    """The terms of a sorted sequence that start with `prefix`."""
    start = bisect_left(terms, prefix)
    end = bisect_left(terms, prefix + "\U0010ffff", lo=start)
    return list(terms[start:end])
