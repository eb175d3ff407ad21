"""Entries from what the importer read: link names, venue and year, short names and ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot.core.catalog.listline import LineItem, arxiv_id_of, link_name_for_url, venue_from_url
from bot.core.catalog.sections import Ctx
from bot.core.models import Entry, normalise_title, slugify
from bot.errors import Problem

_DEFAULT_LINK = {"dataset": "project", "resource": "project"}


@dataclass(slots=True)
class Draft:
    """An entry while its lines are being read."""

    line: int
    kind: str
    item: LineItem
    ctx: Ctx
    summary: list[str] = field(default_factory=list)
    from_heading: bool = False


def unique_id(base: str, taken: set[str], year: int | None = None) -> str:
    """`base`, or `base-<year>`, `base-2`, `base-3`… when it is taken."""
    if base not in taken:
        return base
    if year and f"{base}-{year}" not in taken:
        return f"{base}-{year}"
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def base_id(title: str) -> str:
    """The id a title asks for: its short name, else its first 6 words (kebab-case)."""
    short = short_name(title)
    return slugify(short, 10) if short else slugify(title)


def new_entry_id(title: str, year: int | None, taken: set[str]) -> str:
    """The id for a new entry (an approved candidate, an import): `base_id`, made unique."""
    return unique_id(base_id(title), taken, year)


def build_entries(
    drafts: list[Draft], problems: list[Problem], notes: list[Problem] | None = None
) -> tuple[Entry, ...]:
    """One Entry per paper, with unique ids (`-<year>`, then `-2`, `-3` on a collision).

    The same paper twice (same normalised title or arXiv id, e.g. under a topic and again
    under its venue) is one entry: links, tags and missing facts merged, a note for the
    second place."""
    taken: set[str] = set()
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for draft in drafts:
        entry = build_entry(draft, problems)
        keys = [("title", normalise_title(entry.title))]
        keys += [("arxiv", entry.arxiv_id)] if entry.arxiv_id else []
        index = next((seen[k] for k in keys if k[1] and k in seen), None)
        if index is not None:
            entries[index] = merge_entries(entries[index], entry)
            if notes is not None:
                first = entries[index]
                notes.append(
                    Problem("", draft.line, f"listed again (first on line {first.order}), merged")
                )
        else:
            entry = replace(entry, id=unique_id(entry.id, taken, entry.year))
            taken.add(entry.id)
            index = len(entries)
            entries.append(entry)
        for key in keys:
            if key[1]:
                seen.setdefault(key, index)
        merged = entries[index]
        if merged.arxiv_id:
            seen.setdefault(("arxiv", merged.arxiv_id), index)
    return tuple(entries)


def merge_entries(first: Entry, again: Entry) -> Entry:
    """`first` with what `again` adds: links under new names, tags, and facts it lacked."""
    links = dict(first.links)
    for name, url in again.links.items():
        if url not in links.values():
            links.setdefault(name, url)
    return replace(
        first,
        links=links,
        tags=tuple(dict.fromkeys((*first.tags, *again.tags))),
        venue=first.venue or again.venue,
        year=first.year or again.year,
        arxiv_id=first.arxiv_id or again.arxiv_id,
        summary=first.summary or again.summary,
        preview=first.preview or again.preview,
    )


def build_entry(draft: Draft, problems: list[Problem]) -> Entry:
    """An Entry from a draft: links named, venue and year from the line or its headings."""
    item, ctx = draft.item, draft.ctx
    links = _name_links(draft, problems)
    venue, year = item.venue, item.year
    if venue == "arXiv" and ctx.venue:
        venue = ctx.venue  # an "arXiv 2025" badge under a venue heading is not the venue
    venue, year = venue or ctx.venue, year or ctx.year
    if not venue:
        for url in links.values():
            venue, found = venue_from_url(url)
            if venue:
                year = year or found
                break
    arxiv_id = item.arxiv_id or _own_arxiv_id(links)
    short = short_name(item.title)
    return Entry(
        id=base_id(item.title),
        kind=draft.kind,
        title=item.title,
        venue=venue,
        year=year,
        links=links,
        summary="\n".join(draft.summary).strip(),
        arxiv_id=arxiv_id,
        preview=item.preview,
        short_name=short,
        section=ctx.section,
        note=item.note,
        order=draft.line,
    )


def _own_arxiv_id(links: dict[str, str]) -> str | None:
    """The arXiv id of the entry's own paper: a link it names "other" ("[[2025 v2]](arxiv…)"
    beside an OpenReview paper) is a follow-up paper, not an id to merge entries by."""
    has_paper = any(name in ("paper", "arxiv", "pdf") for name in links)
    own = (url for name, url in links.items() if name != "other" or not has_paper)
    return next(filter(None, map(arxiv_id_of, own)), None)


def _name_links(draft: Draft, problems: list[Problem]) -> dict[str, str]:
    links: dict[str, str] = {}
    default = _DEFAULT_LINK.get(draft.kind, "paper")
    for name, url in draft.item.links:
        if not url or (url in links.values() and (name is None or name in links)):
            continue  # the same URL again, unless named for a new role ([[paper]] = [[code]])
        url, given = _web_url(url), url
        if not url:
            if not given.startswith("#"):  # an anchor into the page says nothing to keep
                problems.append(Problem("", draft.line, f"not a web link, left out: {given}"))
            continue
        chosen = name or link_name_for_url(url) or default
        if chosen in links:
            chosen = "other"
        if chosen in links:
            problems.append(Problem("", draft.line, f"more links than names, dropped {url}"))
            continue
        links[chosen] = url
    return links


def _web_url(url: str) -> str:
    """An http(s) URL, `example.org/x` made one; "" for an anchor, mailto: or a local file."""
    if re.match(r"https?://", url):
        return url
    if re.match(r"[\w-]+(?:\.[\w-]+)+/", url) and not url.startswith(("./", "../")):
        return "https://" + url
    return ""


_PAREN_SHORT = re.compile(r"\(([A-Za-z][\w\-+.]{0,24})\)")
_PREFIX_SHORT = re.compile(r"^\s*([^:：]{1,40}?)\s*[:：]")


def short_name(title: str) -> str | None:
    """The short name a title gives itself: "(LAVAD)", or a "VERA:" prefix of up to 3 words."""
    for match in _PAREN_SHORT.finditer(title):
        if any(ch.isupper() for ch in match.group(1)):
            return match.group(1)
    prefix = _PREFIX_SHORT.match(title)
    if prefix and 1 <= len(prefix.group(1).split()) <= 3:
        return prefix.group(1).strip()
    return None
