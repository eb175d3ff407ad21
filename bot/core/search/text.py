"""Text for search: the terms an entry is indexed under, the terms a query asks for, typo checks.

Latin text becomes casefolded words, plus the parts of CamelCase names ("AnomalyRuler" →
anomalyruler, anomaly, ruler) and of hyphenated names joined up ("Holmes-VAU" → holmesvau), so
that people find a method however they spell it. Chinese, Japanese and Korean have no spaces:
their runs become single characters and overlapping pairs, which finds 1- and 2-character
words without a dictionary (FTS5's trigram tokenizer misses those, see DESIGN.md).
"""

from __future__ import annotations

import os
import re
import unicodedata

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_COMPOUND = re.compile(rf"[^\W_{_CJK}]+(?:[-/.'’][^\W_{_CJK}]+)+")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[0-9])(?=[A-Za-z])")
_NAME_IN_PARENS = re.compile(r"\(([^()]{2,30})\)\s*$")


def fold(text: str) -> str:
    """Text as search compares it: NFKC (full-width → ASCII) and casefolded."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_cjk(term: str) -> bool:
    """True when a term is made of Chinese, Japanese or Korean characters."""
    return _CJK_CHAR.match(term) is not None


def index_terms(text: str) -> set[str]:
    """Every term a piece of entry text can be found by."""
    text = unicodedata.normalize("NFKC", text)
    terms: set[str] = set()
    for match in _TOKEN.finditer(text):
        run = match.group()
        if match.group("cjk"):
            terms.update(run)
            terms.update(_pairs(run))
            continue
        terms.add(run.casefold())
        parts = _CAMEL.split(run)
        if len(parts) > 1:
            terms.update(p.casefold() for p in parts if len(p) > 1)
    for match in _COMPOUND.finditer(text):
        terms.add(_words(match.group()).casefold())
    return terms


def query_terms(word: str) -> tuple[str, ...]:
    """The terms one word of a query needs, all of them: Latin words, or CJK pairs."""
    found: list[str] = []
    for match in _TOKEN.finditer(unicodedata.normalize("NFKC", word)):
        run = match.group()
        if match.group("cjk"):
            found.extend(_pairs(run) if len(run) > 1 else [run])
        else:
            found.append(run.casefold())
    return tuple(dict.fromkeys(found))


def names_of(title: str, short_name: str | None) -> str:
    """The short names an entry goes by: its `short_name`, "VERA" in "VERA: …", "(LAVAD)",
    or a title of one or two words."""
    names = [short_name or ""]
    head, colon, _ = title.partition(":")
    if colon and len(head.split()) <= 2:
        names.append(head)
    elif not colon and len(title.split()) <= 2:
        names.append(title)  # "UCF-Crime", "Video-Holmes": a dataset's title is its name
    paren = _NAME_IN_PARENS.search(title)
    if paren:
        names.append(paren.group(1))
    return " ".join(n for n in names if n)


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _words(text: str) -> str:
    return "".join(m.group() for m in _TOKEN.finditer(text))


def within(a: str, b: str, limit: int) -> bool:
    """True when `a` becomes `b` with at most `limit` edits (insert, delete, replace, swap)."""
    if a == b:
        return True
    if limit <= 0 or abs(len(a) - len(b)) > limit:
        return False
    p = len(os.path.commonprefix((a, b)))  # noqa: RUF071 (characters are what we compare)
    a, b = a[p:], b[p:]
    rest = limit - 1
    if within(a[1:], b[1:], rest) or within(a[1:], b, rest) or within(a, b[1:], rest):
        return True
    return (
        len(a) > 1 and len(b) > 1 and a[0] == b[1] and a[1] == b[0] and within(a[2:], b[2:], rest)
    )


def edit_budget(word: str) -> int:
    """How many typos a word may carry and still be recognised: none below 4 letters."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2
