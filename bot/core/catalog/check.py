"""Catalog validation: raw mappings (as read from YAML) in, entries and problems out.

Problems are `(key path, message)` pairs here; the YAML loader turns key paths into line numbers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.models import KINDS, LINK_NAMES, Catalog, Entry, ProseBlock, normalise_title

_URL = re.compile(r"https?://[^\s/?#@]*\.[^\s/?#]*[^\s/?#.](?:[/?#]\S*)?\Z", re.IGNORECASE)
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ARXIV_ID_PATTERN = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})$")
MIN_YEAR = 1950

REQUIRED = ("id", "kind", "title")
TEXT_KEYS: tuple[str, ...] = (
    "id",
    "kind",
    "title",
    "venue",
    "summary",
    "arxiv_id",
    "preview",
    "short_name",
    "section",
    "note",
)
LIST_KEYS = ("authors", "tags")
ENTRY_KEYS = (*TEXT_KEYS, *LIST_KEYS, "year", "links", "order")

KeyProblem = tuple[str, str]
"""(dotted key path, message); the key path is "" for the whole file."""


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """A problem in one file, located by key path."""

    path: str
    key: str
    message: str


def validate_entry(raw: Any, path: str, max_year: int) -> tuple[Entry | None, list[KeyProblem]]:
    """An Entry from a raw mapping, or the problems that prevent it (all of them)."""
    if not isinstance(raw, Mapping):
        return None, [("", "an entry file must be a mapping of keys (id: …, title: …)")]
    problems = list(_unknown_keys(raw, ENTRY_KEYS, ""))
    problems += [(k, f"missing required key '{k}'") for k in REQUIRED if not raw.get(k)]
    problems += _check_types(raw)
    problems += _check_values(raw, path, max_year)
    if problems:
        return None, problems
    return _build_entry(raw, path), []


def _unknown_keys(
    raw: Mapping[str, Any], known: Sequence[str], prefix: str
) -> Iterable[KeyProblem]:
    for key in raw:
        if key not in known:
            hint = difflib.get_close_matches(str(key), known, n=1)
            maybe = f" (did you mean '{hint[0]}'?)" if hint else f" (known: {', '.join(known)})"
            yield f"{prefix}{key}", f"unknown key '{key}'{maybe}"


def _check_types(raw: Mapping[str, Any]) -> list[KeyProblem]:
    problems: list[KeyProblem] = []
    for key in TEXT_KEYS:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            hint = f" (put it in quotes: '{value}')" if isinstance(value, int | float) else ""
            problems.append((key, f"'{key}' must be text, not {type(value).__name__}{hint}"))
    for key in LIST_KEYS:
        value = raw.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            problems.append((key, f"'{key}' must be a list of text"))
    for key in ("year", "order"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            problems.append((key, f"'{key}' must be a whole number, not {value!r}"))
    links = raw.get("links")
    if links is not None and not isinstance(links, Mapping):
        problems.append(("links", "'links' must be a mapping such as {paper: https://…}"))
    return problems


def _check_values(raw: Mapping[str, Any], path: str, max_year: int) -> list[KeyProblem]:
    problems: list[KeyProblem] = []
    entry_id = raw.get("id")
    if isinstance(entry_id, str) and entry_id:
        if not ID_PATTERN.match(entry_id):
            problems.append(("id", f"id '{entry_id}' must be kebab-case: a-z, 0-9 and '-'"))
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if path and stem != entry_id:
            problems.append(("id", f"id '{entry_id}' differs from the file name '{stem}.yaml'"))
    title = raw.get("title")
    if isinstance(title, str) and "://" in title:
        problems.append(("title", f"title {title!r} holds a URL: give the paper's own title"))
    kind = raw.get("kind")
    if isinstance(kind, str) and kind and kind not in KINDS:
        problems.append(("kind", f"kind '{kind}' is not one of {', '.join(KINDS)}"))
    year = raw.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and not MIN_YEAR <= year <= max_year:
        problems.append(("year", f"year {year} is impossible (expected {MIN_YEAR}–{max_year})"))
    arxiv_id = raw.get("arxiv_id")
    if isinstance(arxiv_id, str) and arxiv_id and not ARXIV_ID_PATTERN.match(arxiv_id):
        problems.append(("arxiv_id", f"arxiv_id '{arxiv_id}' is not like 2401.05702 (no 'v2')"))
    links = raw.get("links")
    if isinstance(links, Mapping):
        problems += _unknown_keys(links, LINK_NAMES, "links.")
        for name, url in links.items():
            if url is None or url == "":
                problems.append(
                    (f"links.{name}", f"links.{name} is empty: give a URL or remove it")
                )
            elif not is_url(url):
                problems.append((f"links.{name}", f"links.{name} is not an http(s) URL: {url!r}"))
    return problems


def is_url(value: Any) -> bool:
    """An absolute http(s) URL with a host and no spaces."""
    return isinstance(value, str) and _URL.match(value) is not None


def _build_entry(raw: Mapping[str, Any], path: str) -> Entry:
    return Entry(
        id=raw["id"],
        kind=raw["kind"],
        title=raw["title"].strip(),
        venue=(raw.get("venue") or "").strip(),
        year=raw.get("year"),
        links=dict(raw.get("links") or {}),
        summary=raw.get("summary") or "",
        arxiv_id=raw.get("arxiv_id") or None,
        authors=tuple(raw.get("authors") or ()),
        tags=tuple(raw.get("tags") or ()),
        preview=raw.get("preview") or None,
        short_name=raw.get("short_name") or None,
        section=raw.get("section") or None,
        note=raw.get("note") or "",
        order=raw.get("order") or 0,
        path=path,
    )


def build_identity(raw: Any, path: str) -> Entry | None:
    """An entry holding only the id, title and arXiv id of a file that did not validate.

    So that `catalog check` also tells that an entry with a typo duplicates another one:
    every problem at once, not the next one after each fix."""
    if not isinstance(raw, Mapping):
        return None
    entry_id, title, arxiv_id = (_text(raw.get(k)) for k in ("id", "title", "arxiv_id"))
    if not (entry_id or title or arxiv_id):
        return None
    return Entry(entry_id, "", title, arxiv_id=arxiv_id or None, path=path)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def find_duplicates(entries: Sequence[Entry]) -> list[EntryProblem]:
    """The same id twice, or the same paper twice (same arXiv id or normalised title)."""
    problems: list[EntryProblem] = []
    seen: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        keys = [("id", entry.id), ("title", normalise_title(entry.title))]
        if entry.arxiv_id:
            keys.append(("arxiv_id", entry.arxiv_id))
        for what, value in keys:
            if not value:
                continue
            first = seen.setdefault((what, value), entry)
            if first is not entry:
                problems.append(_duplicate(entry, first, what, value))
                break
    return problems


def _duplicate(entry: Entry, first: Entry, what: str, value: str) -> EntryProblem:
    if what == "id":
        return EntryProblem(entry.path, "id", f"duplicate id '{value}' (also in {first.path})")
    label = "arXiv id" if what == "arxiv_id" else "title"
    key = "arxiv_id" if what == "arxiv_id" else "title"
    message = f"the same paper as '{first.id}' ({first.path}): same {label}"
    return EntryProblem(entry.path, key, message)


def build_prose(raw: Any) -> tuple[str, str, tuple[ProseBlock, ...], list[KeyProblem]]:
    """Title, intro and prose blocks from the list file's mapping."""
    if not isinstance(raw, Mapping):
        return "", "", (), [("", "the list file must be a mapping (title, intro, prose)")]
    problems = list(_unknown_keys(raw, ("title", "intro", "prose"), ""))
    prose = raw.get("prose") or []
    if not isinstance(prose, list):
        return "", "", (), [*problems, ("prose", "'prose' must be a list of blocks (- id: …)")]
    blocks: list[ProseBlock] = []
    for i, block in enumerate(prose):
        found, block_problems = _prose_block(i, block)
        problems += block_problems
        if found is not None:
            blocks.append(found)
    return str(raw.get("title") or ""), str(raw.get("intro") or ""), tuple(blocks), problems


def _prose_block(i: int, block: Any) -> tuple[ProseBlock | None, list[KeyProblem]]:
    where = f"prose[{i}]"
    if not isinstance(block, Mapping) or not isinstance(block.get("id"), str):
        return None, [(where, "each prose block needs at least an id and a body")]
    problems = list(_unknown_keys(block, ("id", "title", "body", "level", "order"), f"{where}."))
    for key in ("level", "order"):
        value = block.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            problems.append((f"{where}.{key}", f"'{key}' must be a whole number"))
    if problems:
        return None, problems
    return ProseBlock(
        id=block["id"],
        title=str(block.get("title") or ""),
        body=str(block.get("body") or ""),
        level=block.get("level") or 2,
        order=block.get("order") or i,
    ), []


def sorted_entries(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Entries in a stable order: by kind, newest year first, then list order, then title."""
    kind_rank = {k: i for i, k in enumerate(KINDS)}
    return tuple(
        sorted(
            entries,
            key=lambda e: (
                kind_rank.get(e.kind, len(KINDS)),
                -(e.year or 0),
                e.order or 1_000_000,
                e.title.casefold(),
            ),
        )
    )


def make_catalog(
    title: str, intro: str, entries: Iterable[Entry], prose: Sequence[ProseBlock]
) -> Catalog:
    """A Catalog with entries in their stable order."""
    return Catalog(title=title, intro=intro, entries=sorted_entries(entries), prose=tuple(prose))
