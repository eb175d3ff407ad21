"""The term syntax of the arXiv matching rules, compiled to regular expressions.

A term is matched on word boundaries, plural-aware ("anomaly" finds "anomalies"); a trailing `*`
matches any ending; ALL-CAPS terms (VAD, VLM, MLLM, CLIP) are case-sensitive and also found glued
to a lowercase word (VadCLIP). Hyphens and spaces between words are the same. `A | B` is any of
them, `w (a | b) x` is `w a x | w b x` (one pair of parentheses per alternative); `… except X`
does not count where X covers it; `… if X` counts only in a paper that also mentions X;
`… unless X` only in one that does not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

_SPACE = r"[\s\-‐‑–—]*"
_COMMON = frozenset(("a", "an", "the", "per", "of", "in", "on", "for", "to", "by"))
"""Words too frequent to rule a paper out: never the word a term is looked up by."""


Parts = tuple[tuple[str, re.Pattern[str]], ...]
"""Patterns, each with the lowercase word it cannot match without."""


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a group, compiled with its context."""

    text: str
    parts: Parts
    """The alternatives by their first uncommon word in lowercase: without that word in the text the
    pattern cannot match, and a substring test is far faster than a pattern."""
    except_: re.Pattern[str] | None = None
    if_: Parts | None = None
    unless: Parts | None = None

    @property
    def literals(self) -> tuple[str, ...]:
        """The first words of the alternatives, lowercase."""
        return tuple(word for word, _ in self.parts)

    def spans(self, text: str, lowered: str | None = None) -> list[tuple[int, int]]:
        """Where the term counts in `text` (the whole paper, so context can be checked)."""
        lowered = text.lower() if lowered is None else lowered
        found = [
            m.span()
            for word, pattern in self.parts
            if word in lowered
            for m in pattern.finditer(text)
        ]
        if not found:
            return []
        if self.if_ is not None and not _search(self.if_, text, lowered):
            return []
        if self.unless is not None and _search(self.unless, text, lowered):
            return []
        if self.except_ is not None:
            masked = [m.span() for m in self.except_.finditer(text)]
            found = [s for s in found if not any(a <= s[0] < b for a, b in masked)]
        return found


@dataclass(frozen=True, slots=True)
class Group:
    """Terms of which at least one must be present."""

    name: str
    terms: tuple[Term, ...]
    literals: tuple[str, ...] = ()
    """Each alternative's first word in lowercase: a paper with none of them cannot meet the
    group, and plain substring search rules out most papers far faster than the patterns."""

    def is_possible(self, lowered: str) -> bool:
        """False when no term can be present in this lowercased text."""
        return any(word in lowered for word in self.literals)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where any term of the group counts in `text`, in order."""
        lowered = text.lower()
        if not self.is_possible(lowered):
            return []
        return sorted(s for term in self.terms for s in term.spans(text, lowered))

    def is_met(self, text: str) -> bool:
        """True when any term counts in `text`."""
        return bool(self.spans(text))


def build_group(name: str, terms: Sequence[str]) -> Group:
    """A group of compiled terms and their first words."""
    compiled = tuple(compile_term(t) for t in terms)
    return Group(name, compiled, tuple(sorted({w for t in compiled for w in t.literals})))


def compile_term(text: str) -> Term:
    """A term as regular expressions: the term itself and its `except`/`if`/`unless` context."""
    head, context = split_context(text)
    parts, extra = _by_word(head), {key: _by_word(value) for key, value in context.items()}
    masked = _compile_any(context["except"]) if "except" in context else None
    return Term(text.strip(), parts, masked, extra.get("if"), extra.get("unless"))


def _by_word(text: str) -> Parts:
    """`A | B | …` as patterns by the word each needs, so absent words skip their patterns."""
    by_word: dict[str, list[str]] = {}
    for alternative in alternatives(text):
        # the first word that is not in nearly every text ("frame", not "per", in "per-frame"),
        # without a final "y", which plurals change ("anomaly" → "anomalies")
        words = re.split(r"[\s\-]+", alternative.rstrip("*").lower())
        word = next((w for w in words if w not in _COMMON), words[0]).rstrip("y")
        by_word.setdefault(word, []).append(alternative)
    return tuple((word, _compile_any(" | ".join(alts))) for word, alts in by_word.items())


def _search(parts: Parts, text: str, lowered: str) -> bool:
    """True when any of `parts` is in `text`; a part whose word is absent is not even tried."""
    return any(word in lowered and pattern.search(text) for word, pattern in parts)


def split_context(text: str) -> tuple[str, dict[str, str]]:
    """`head except … if … unless …` as the head and each context clause."""
    parts = re.split(r"\s+(except|if|unless)\s+", text.strip())
    return parts[0], dict(zip(parts[1::2], parts[2::2], strict=True))


def alternatives(text: str) -> list[str]:
    """`A | B (c | d) e` as ["A", "B c e", "B d e"]: words around parentheses go with each."""
    parts = re.findall(r"[^|(]*\([^)]*\)[^|(]*|[^|]+", text)
    found: list[str] = []
    for part in parts:
        lead, paren, inner = part.partition("(")
        inside, _, tail = inner.partition(")") if paren else ("", "", "")
        found += [" ".join(f"{lead} {a} {tail}".split()) for a in inside.split("|")]
    return [a for a in found if a]


@functools.lru_cache(maxsize=4096)  # rules are rebuilt at every watch run from the same terms
def _compile_any(text: str) -> re.Pattern[str]:
    """One pattern for `A | B | …`; case-sensitive parts (ALL-CAPS) keep their case."""
    return re.compile("|".join(_compile_one(a) for a in alternatives(text)))


@functools.lru_cache(maxsize=4096)
def _compile_one(text: str) -> str:
    """A term as a regex: word boundaries, plurals, `*` endings, hyphen = space."""
    prefix = text.endswith("*")
    words = re.split(r"[\s\-]+", text.rstrip("*").strip())
    letters = [c for c in text if c.isalpha()]
    caps = bool(letters) and sum(c.isupper() for c in letters) >= 2 and text == text.upper()
    body = _SPACE.join(re.escape(w) for w in words[:-1])
    body += (_SPACE if body else "") + _last_word(words[-1], prefix, caps)
    before = r"(?<![A-Z0-9])" if caps else r"(?<![A-Za-z0-9])"
    after = "" if prefix else r"(?![A-Za-z0-9])"
    return f"(?{'' if caps else 'i'}:{before}{body}{after})"


def _last_word(word: str, prefix: bool, caps: bool) -> str:
    if prefix:
        return re.escape(word) + r"[\w\-]*?" if caps else re.escape(word) + r"\w*"
    if caps:
        return re.escape(word) + "s?"
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:s|es)?"
