"""The headings of an awesome list and what each says about the lines below it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.listline import canonical_venue, is_known_venue, parse_image, parse_line, strip_marker
from bot.core.models import slugify

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_TOC = re.compile(r"(?:table of )?contents|目录|toc")
_VERBATIM = re.compile(
    r"related|awesome|licen[cs]e|citation|cite|contribut|acknowledg|contact|star history"
    r"|metric|evaluation|todo|news|update|changelog|how to"
)
_OVERVIEW = re.compile(r"overview|introduction|about|background|motivation|why|概述|简介|背景")
_DATASET = re.compile(r"dataset|benchmark|数据集")
_RESOURCE = re.compile(r"tool|resource|librar|software|framework")
_PAPER = re.compile(r"paper|publication|preprint|论文")


@dataclass(frozen=True, slots=True)
class Section:
    """A heading (level 0 and no title for the text before the first one) and its lines."""

    level: int
    title: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Ctx:
    """What the headings above a line say about it."""

    level: int
    mode: str
    """top, intro, toc, prose (its own block), fold (into the parent's block), entries, entry."""
    kind: str = "paper"
    venue: str = ""
    year: int | None = None
    section: str | None = None
    prose_id: str | None = None
    entries_allowed: bool = True

    @staticmethod
    def top() -> Ctx:
        return Ctx(level=0, mode="top")


def split_sections(lines: list[str]) -> list[Section]:
    """The list cut at its headings (not those inside code fences); line numbers are 1-based."""
    sections = [Section(0, "", 0)]
    fenced = False
    for number, line in enumerate(lines, start=1):
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            sections.append(Section(len(match.group(1)), match.group(2).strip(), number))
        else:
            sections[-1].body.append((number, line))
    return sections


def plain(title: str) -> str:
    """Heading text without links and emphasis."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
    return re.sub(r"[*_`]", "", text).strip()


def heading_facts(title: str) -> tuple[str, int | None]:
    """Venue and year a heading names ("arXiv 2025 (Preprints)" → arXiv, 2025)."""
    text = plain(title)
    found = _YEAR.search(text)
    year = int(found.group(1)) if found else None
    rest = _YEAR.sub(" ", text)
    rest = re.sub(r"\([^)]*\)", " ", rest)
    rest = re.sub(r"[^\w&.\- ]", " ", rest).strip(" -.")
    rest = re.sub(r"\s+", " ", rest)
    if rest and is_known_venue(rest):
        return canonical_venue(rest), year
    words = rest.split()
    low = rest.casefold()
    kind_word = _PAPER.search(low) or _DATASET.search(low) or _RESOURCE.search(low)
    if year and 1 <= len(words) <= 3 and not kind_word:
        return rest, year
    return "", year


def heading_context(parent: Ctx, section: Section, title_section: bool) -> Ctx:
    """The context a heading opens below `parent`."""
    if section.level == 0 or (section.level == 1 and title_section):
        return Ctx(level=section.level, mode="intro", entries_allowed=False)
    low = plain(section.title).casefold()
    level = section.level
    if _TOC.fullmatch(low):
        return Ctx(level=level, mode="toc", entries_allowed=False)
    if parent.mode in ("prose", "fold"):
        if not parent.entries_allowed or not has_entries(section.body):
            return Ctx(level, "fold", parent.kind, prose_id=parent.prose_id, entries_allowed=False)
        return Ctx(level, "entries", "background", section=plain(section.title))
    if _VERBATIM.search(low):
        return Ctx(level, "prose", prose_id=slugify(low) or "notes", entries_allowed=False)
    if _OVERVIEW.search(low):
        return Ctx(level, "prose", "background", prose_id=slugify(low) or "overview")
    return _entries_context(parent, section, low)


def _entries_context(parent: Ctx, section: Section, low: str) -> Ctx:
    venue, year = heading_facts(section.title)
    kind = parent.kind if parent.mode in ("entries", "top") else "paper"
    named = True
    if _DATASET.search(low):
        kind = "dataset"
    elif _RESOURCE.search(low):
        kind = "resource"
    elif _PAPER.search(low):
        kind = "paper"
    else:
        named = False
    if not (venue or year or named) and is_entry_heading(section):
        return Ctx(section.level, "entry", kind, parent.venue, parent.year, parent.section)
    topical = not (venue or year)
    return Ctx(
        section.level,
        "entries",
        kind,
        venue or parent.venue,
        year or parent.year,
        plain(section.title) if topical else parent.section,
    )


def _line_class(line: str) -> str:
    text = line.strip()
    if not text or re.fullmatch(r"([-*_])(\s*\1){2,}", text):
        return "blank"
    if text.startswith(">"):
        return "quote"
    if text.startswith("|"):
        return "table"
    if parse_image(text) is not None:
        return "image"
    item = parse_line(strip_marker(line)[1])
    if item.has_links:
        return "entry" if item.title else "links"
    return "text"


def has_entries(body: list[tuple[int, str]]) -> bool:
    """Whether a section's own lines hold entries (lines with links, or a table)."""
    return any(_line_class(line) in ("entry", "links", "table") for _, line in body)


def is_entry_heading(section: Section) -> bool:
    """Whether a heading is an entry's title: below it only badges, a quote, an image, text."""
    classes = {_line_class(line) for _, line in section.body}
    return bool(classes & {"links", "quote", "image"}) and not classes & {"entry", "table"}
