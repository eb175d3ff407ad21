"""The headings of an awesome list and what each says about the lines below it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.catalog.listline import canonical_venue, is_known_venue, parse_line
from bot.core.catalog.mdtext import SKIP, is_in_page, parse_image, strip_marker
from bot.core.models import slugify

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_TOC = re.compile(r"(?:table of )?contents|目录|toc")
_NO_VENUE = re.compile(r"(?:other|others|misc|miscellaneous|more)\b")
_NOTES = re.compile(r"licen[cs]e|citation|cite|contribut|acknowledg|contact|star history|changelog")
_VERBATIM = re.compile(r"related|awesome|metric|evaluation|todo|news|update|how to")
_NOT_A_LIST = re.compile(
    r"performance|comparison|results?\b|leaderboard|research gaps?|open (?:problems|questions)"
    r"|metrics?\b|statistics"
)
"""Sections of figures and discussion: their rows name papers listed elsewhere, or none."""
_OVERVIEW = re.compile(r"overview|introduction|about|background|motivation|why|概述|简介|背景")
_DATASET = re.compile(r"dataset|benchmark|数据集")
_RESOURCE = re.compile(r"tool|utilit|resource|librar|software|framework")
UNSURE = re.compile(r"不确定|未确定|待定|not sure|unsure|under review|uncertain", re.IGNORECASE)
_PAPER = re.compile(r"paper|publication|preprint|survey|review|论文")


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
    unsure: bool = False
    """Under a heading such as "not sure whether accepted": the list title's venue is not theirs."""

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
    """Heading text without links and emphasis; a `[[label]](url)` reference after the
    heading's words ("3.3 Anomaly Synthesis [[awesome-anomaly-synthesis]](…)") goes whole."""
    text = re.sub(r"(?<=\S)\s*\[\[[^\]]*\]\]\([^)]*\)", "", title)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
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
    if _NO_VENUE.match(rest.casefold()):
        return "", year
    if rest and is_known_venue(rest):
        return canonical_venue(rest), year
    words = rest.split()
    low = rest.casefold()
    kind_word = _PAPER.search(low) or _DATASET.search(low) or _RESOURCE.search(low)
    if year and 1 <= len(words) <= 3 and not kind_word:
        return rest, year
    return "", year


def heading_context(parent: Ctx, section: Section, title_section: bool, leaf: bool) -> Ctx:
    """The context a heading opens below `parent` (`leaf`: no deeper heading follows it)."""
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
    if len(low.split()) > 3 and is_entry_heading(section, badges=True):
        # a long heading with badges below is a paper's title, even "…: A Benchmark for …"
        kind = parent.kind if parent.mode in ("entries", "top") else "paper"
        return Ctx(level, "entry", kind, parent.venue, parent.year, parent.section)
    if _NOT_A_LIST.search(low) and not is_entry_heading(section, badges=True):
        return Ctx(level, "prose", prose_id=slugify(low) or "notes", entries_allowed=False)
    if _NOTES.search(low) or (_VERBATIM.search(low) and heading_kind(low) is None):
        return Ctx(level, "prose", prose_id=slugify(low) or "notes", entries_allowed=False)
    if is_overview(low):
        return Ctx(level, "prose", "background", prose_id=slugify(low) or "overview")
    if leaf and is_figure(section):
        return Ctx(level, "prose", prose_id=slugify(low) or "figure", entries_allowed=False)
    return _entries_context(parent, section, low, leaf)


def is_figure(section: Section) -> bool:
    """A short heading ("Timeline", "Paper Tree (…)") over nothing but images: a figure, not a
    paper whose title is the heading."""
    classes = {_line_class(line) for _, line in section.body} - {"blank"}
    words = re.sub(r"\([^)]*\)", " ", plain(section.title)).split()
    return classes == {"image"} and len(words) <= 3


def heading_kind(title: str) -> str | None:
    """The kind of entries a heading names ("📊 Benchmarks and Datasets" → dataset), or None."""
    low = plain(title).casefold()
    if _PAPER.search(low) and not re.search(r"dataset|数据集", low):
        return "paper"  # "Survey, Benchmark, and Framework": papers about benchmarks
    for kind, pattern in (("dataset", _DATASET), ("resource", _RESOURCE), ("paper", _PAPER)):
        if pattern.search(low):
            return kind
    return None


def is_overview(title: str) -> bool:
    """Whether a heading opens overview prose, whose sub-sections hold background reading."""
    low = plain(title).casefold()
    return bool(_OVERVIEW.search(low)) and heading_kind(low) is None


def _entries_context(parent: Ctx, section: Section, low: str, leaf: bool) -> Ctx:
    venue, year = heading_facts(section.title)
    named = heading_kind(low)
    kind = named or (parent.kind if parent.mode in ("entries", "top") else "paper")
    # a long heading with nothing below it, in a list of papers, is a title without badges
    bare_title = (
        leaf and parent.mode == "entries" and len(low.split()) > 3 and not has_text(section)
    )
    if not (venue or year or named) and (bare_title or is_entry_heading(section)):
        return Ctx(section.level, "entry", kind, parent.venue, parent.year, parent.section)
    # "Papers (undated)", "Other venues": structure, not a topic worth keeping as `section`
    topical = not (venue or year or named == "paper" or _NO_VENUE.match(low))
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
    if not text or text == SKIP or is_in_page(text) or re.fullmatch(r"([-*_])(\s*\1){2,}", text):
        return "blank"
    if text.startswith(">"):
        return "quote"
    if text.startswith("|"):
        return "table"
    if parse_image(text) is not None:
        return "image"
    if re.fullmatch(r"\*\*[^*]+\*\*", text):
        return "title"  # a bold title alone, its links on the lines below
    item = parse_line(strip_marker(line)[1])
    if item.has_links:
        return "entry" if item.title else "links"
    return "text"


def has_text(section: Section) -> bool:
    """Whether anything but blank lines and thematic breaks follows a heading."""
    return any(_line_class(line) != "blank" for _, line in section.body)


def has_entries(body: list[tuple[int, str]]) -> bool:
    """Whether a section's own lines hold entries (lines with links, or a table)."""
    return any(_line_class(line) in ("entry", "links", "table", "title") for _, line in body)


def is_entry_heading(section: Section, badges: bool = False) -> bool:
    """Whether a heading is an entry's title: below it only badges, a quote, an image, text
    (and at least one badge or link line when `badges`)."""
    classes = {_line_class(line) for _, line in section.body}
    wanted = {"links"} if badges else {"links", "quote", "image"}
    return bool(classes & wanted) and not classes & {"entry", "table", "title"}
