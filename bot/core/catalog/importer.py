"""An awesome list in Markdown → catalog entries and prose (`vadbot catalog import`).

The list is cut into sections at its headings. A heading says what its section holds: entries
of a kind (papers by default, datasets under "Datasets"/"Benchmarks"), a year or venue for them,
prose (overview, metrics, related lists), or the table of contents. A heading followed only by
badges, a `> ` quote and a preview image is itself an entry (the seed's `#### Title` style).
A thematic break (`---`) followed by text rather than a heading leaves every section.
Lines that fit nowhere become problems with their line number: no entry is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot.core.catalog.check import make_catalog
from bot.core.catalog.drafts import Draft, build_entries, unique_id
from bot.core.catalog.listline import (
    LineItem,
    is_badge_line,
    parse_line,
    title_from_url,
    venue_in_title,
)
from bot.core.catalog.mdtext import (
    SKIP,
    clean_source,
    heading_anchor,
    is_in_page,
    parse_image,
    resolve_references,
    strip_marker,
)
from bot.core.catalog.sections import UNSURE, Ctx, Section, heading_context, split_sections
from bot.core.catalog.tables import parse_table
from bot.core.models import Catalog, Entry, ProseBlock, slugify
from bot.errors import Problem

_BOLD_ONLY = re.compile(r"\s*\*\*[^*]+\*\*\s*")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an awesome list holds, and the lines the importer could not place."""

    title: str
    intro: str
    entries: tuple[Entry, ...]
    prose: tuple[ProseBlock, ...]
    problems: list[Problem]
    notes: list[Problem] = field(default_factory=list)
    """What the importer resolved on its own (a paper listed twice, merged)."""
    skipped: int = 0
    """Source lines GitHub does not show or that only repeat entries (comments, HTML tables)."""

    def catalog(self) -> Catalog:
        """The imported list as a Catalog (entries in their stable order)."""
        return make_catalog(self.title, self.intro, self.entries, self.prose)


@dataclass(slots=True)
class _State:
    drafts: list[Draft] = field(default_factory=list)
    prose: dict[str, ProseBlock] = field(default_factory=dict)
    intro: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    toc: list[tuple[int, str, str]] = field(default_factory=list)
    current: Draft | None = None
    last_line: int = 0
    pending: tuple[int, str] | None = None

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem("", line, message))


def parse_awesome_list(text: str) -> ImportResult:
    """Entries, title, intro and prose of an awesome list; problems for what fits nowhere."""
    text = text.removeprefix("\ufeff")  # a byte-order mark would hide the list's title
    cleaned, skipped = clean_source(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = resolve_references(cleaned)
    sections = split_sections(lines)
    state = _State()
    title = ""
    stack: list[Ctx] = [Ctx.top()]
    for k, section in enumerate(sections):
        leaf = k + 1 == len(sections) or sections[k + 1].level <= section.level
        if section.level == 1 and not title:
            title = section.title
        while len(stack) > 1 and stack[-1].level >= section.level:
            stack.pop()
        ctx = heading_context(stack[-1], section, section.title == title, leaf)
        ctx = _with_list_venue(ctx, stack[-1], section, venue_in_title(title))
        state.current, state.pending = None, None
        if ctx.mode == "entry":
            _flush(state, ctx)
            _new(state, ctx, section.line, parse_line(section.title), heading=True)
        elif ctx.mode == "fold":
            _fold(state, ctx, section)
        elif ctx.mode == "prose":
            _open_prose(state, ctx, section)
        if ctx.mode != "entry":
            stack.append(ctx)
        if _body(state, ctx, section):
            del stack[1:]  # a break followed by text leaves every section
    _toc_orphans(state, sections, len(lines))
    entries = build_entries(state.drafts, state.problems, state.notes)
    prose = tuple(_tidy(b) for b in state.prose.values())
    intro = _tidy_text(state.intro)
    problems = sorted(state.problems, key=lambda p: p.line)
    notes = sorted(state.notes, key=lambda p: p.line)
    return ImportResult(title, intro, entries, prose, problems, notes, skipped)


def _with_list_venue(ctx: Ctx, parent: Ctx, section: Section, venue: tuple[str, int | None]) -> Ctx:
    """The venue of the list's title (`# CVPR2020-Code`) for entries that name none."""
    if parent.unsure or UNSURE.search(section.title):
        return replace(ctx, unsure=True)
    if ctx.mode in ("entries", "entry") and not ctx.venue and venue[0]:
        return replace(ctx, venue=venue[0], year=ctx.year or venue[1])
    return ctx


def _body(state: _State, ctx: Ctx, section: Section) -> bool:
    """Read a section's lines; True when a thematic break followed by text left the section."""
    body = section.body
    left = False
    i = 0
    while i < len(body):
        number, line = body[i]
        if line.lstrip().startswith("|"):
            j = i
            while j < len(body) and body[j][1].lstrip().startswith("|"):
                j += 1
            _table(state, ctx, body[i:j])
            i = j
            continue
        if _RULE.match(line) and ctx.mode not in ("intro", "toc"):
            _flush(state, ctx)
            state.current = None
            if any(text.strip() for _, text in body[i + 1 :]):
                ctx, left = Ctx.top(), True
        else:
            _line(state, ctx, number, line)
        i += 1
    _flush(state, ctx)
    return left


def _line(state: _State, ctx: Ctx, number: int, line: str) -> None:
    if line == SKIP:
        return
    if ctx.mode == "toc":
        match = re.search(r"\[([^\]]+)\]\(#([^)]*)\)", line)
        if match:
            state.toc.append((len(line) - len(line.lstrip()), match.group(1), match.group(2)))
        return
    if is_in_page(line):
        return  # an anchor link into the page is never an entry
    if ctx.mode in ("intro", "prose", "fold") and not _is_entry_line(line, ctx):
        _flush(state, ctx)
        _prose_line(state, ctx, line)
        return
    stripped = line.strip()
    if not stripped:
        if state.pending is None or not _BOLD_ONLY.fullmatch(state.pending[1]):
            _flush(state, ctx)  # a bold title alone waits for its links past blank lines
    elif stripped.startswith(">"):
        _quote(state, ctx, number, stripped.lstrip(">").strip())
    elif not is_badge_line(stripped) and (image := parse_image(stripped)) is not None:
        _image(state, number, image[1])
    else:
        _item_line(state, ctx, number, line)


def _is_entry_line(line: str, ctx: Ctx) -> bool:
    """In prose, only a line with a `[[paper](…)]`-style link or a badge is an entry."""
    if ctx.mode != "prose" or not ctx.entries_allowed:
        return False
    return bool(re.search(r"\[\[[^\]]+\]\(|\[!\[", line)) or is_badge_line(line.strip())


def _prose_line(state: _State, ctx: Ctx, line: str) -> None:
    if ctx.mode == "intro" or ctx.prose_id is None:
        state.intro.append(line)
        return
    block = state.prose[ctx.prose_id]
    state.prose[ctx.prose_id] = replace(block, body=block.body + line + "\n")


def _quote(state: _State, ctx: Ctx, number: int, text: str) -> None:
    current = state.current
    if current is None:
        if ctx.prose_id is not None:
            _prose_line(state, ctx, "> " + text)
        else:
            state.problem(number, f"a quote that follows no entry: {text[:60]!r}")
        return
    current.summary.append(text)
    state.last_line = number


def _image(state: _State, number: int, source: str) -> None:
    if state.current is None:
        state.problem(number, f"an image that follows no entry: {source}")
    elif state.current.item.preview is None:
        state.current.item.preview = source
        state.last_line = number


def _item_line(state: _State, ctx: Ctx, number: int, line: str) -> None:
    indent, text = strip_marker(line)
    item = parse_line(text)
    current = state.current
    attached = current is not None and (
        state.last_line == number - 1 or (current.from_heading and current.ctx is ctx)
    )
    if item.blank_links and not item.title:
        _flush(state, ctx)
        url = item.blank_links[0] or "an empty URL"
        state.problem(number, f"a link with no text and no title: write it as [Title]({url})")
    elif item.has_links and not item.title:
        _links_line(state, ctx, number, item, attached)
    elif item.has_links:
        _flush(state, ctx)
        _new(state, ctx, number, item)
    elif (
        current is not None
        and attached
        and (indent > 0 or current.from_heading or not (current.summary or _is_item(line)))
    ):
        current.summary.append(text)
        state.last_line = number
    else:
        _flush(state, ctx)
        state.pending = (number, text)


def _is_item(line: str) -> bool:
    """A new list item (`- `, `1. `) rather than the continuation of the previous one."""
    return bool(re.match(r"(?:[-*+]|\d{1,4}[.)])\s", line))


def _links_line(state: _State, ctx: Ctx, number: int, item: LineItem, attached: bool) -> None:
    """Links alone on a line: the pending title's, the current entry's, or a bare-URL entry."""
    if state.pending is not None:
        line, text = state.pending
        state.pending = None
        titled = parse_line(text)
        titled.links += item.links
        _merge_facts(titled, item)
        _new(state, ctx, line, titled)
        state.last_line = number
    elif state.current is not None and (attached or _named_for(state.current, ctx, item)):
        state.current.item.links += item.links
        _merge_facts(state.current.item, item)
        state.last_line = number
    elif any(url for _, url in item.links):
        item.title = title_from_url(next(url for _, url in item.links if url))
        _new(state, ctx, number, item)
    else:
        state.problem(number, "links that belong to no entry (empty badge on its own line)")


def _named_for(current: Draft, ctx: Ctx, item: LineItem) -> bool:
    """Named links alone (`[[code](…)]`, `代码：…`) a blank line below an entry are its own."""
    return current.ctx is ctx and all(name for name, _ in item.links)


def _merge_facts(into: LineItem, item: LineItem) -> None:
    into.venue = into.venue or item.venue
    into.year = into.year or item.year
    into.arxiv_id = into.arxiv_id or item.arxiv_id


def _new(state: _State, ctx: Ctx, number: int, item: LineItem, heading: bool = False) -> None:
    draft = Draft(number, ctx.kind, item, ctx, from_heading=heading)
    if item.summary:
        draft.summary.append(item.summary)
    state.drafts.append(draft)
    state.current = draft
    state.last_line = number


def _flush(state: _State, ctx: Ctx) -> None:
    """Decide on a text line left waiting: a bare name (NWPU-Campus) or unplaceable text."""
    if state.pending is None:
        return
    number, text = state.pending
    state.pending = None
    item = parse_line(text)
    if ctx.mode in ("entries", "top") and (_is_name_like(item.title) or item.year):
        _new(state, ctx, number, item)
    elif ctx.prose_id is not None:
        _prose_line(state, ctx, text)
    else:
        state.problem(
            number, f"text that is neither an entry nor in a prose section: {text[:60]!r}"
        )


def _is_name_like(title: str) -> bool:
    return 0 < len(title) <= 80 and len(title.split()) <= 8 and not title.endswith((".", "。"))


def _open_prose(state: _State, ctx: Ctx, section: Section) -> None:
    assert ctx.prose_id is not None
    state.prose[ctx.prose_id] = ProseBlock(
        ctx.prose_id, section.title, "", level=section.level, order=section.line
    )


def _fold(state: _State, ctx: Ctx, section: Section) -> None:
    _prose_line(state, ctx, f"{'#' * section.level} {section.title}")


def _table(state: _State, ctx: Ctx, rows: list[tuple[int, str]]) -> None:
    _flush(state, ctx)
    if ctx.mode in ("intro", "prose", "fold", "toc"):
        for _, line in rows:  # a table of figures is part of the prose around it
            _prose_line(state, ctx, line)
        return
    items, problems = parse_table(rows)
    state.problems += problems
    for number, item in items:
        _new(state, ctx, number, item)
    state.current = None


def _toc_orphans(state: _State, sections: list[Section], end: int) -> None:
    """A contents item with no heading and no children becomes an empty prose block."""
    anchors = {heading_anchor(s.title) for s in sections}
    for i, (indent, text, anchor) in enumerate(state.toc):
        has_children = i + 1 < len(state.toc) and state.toc[i + 1][0] > indent
        if anchor not in anchors and not has_children:
            block_id = unique_id(slugify(text), set(state.prose))
            state.prose[block_id] = ProseBlock(block_id, text, "", level=2, order=end + i)


def _tidy(block: ProseBlock) -> ProseBlock:
    return replace(block, body=_tidy_text(block.body.split("\n")))


def _tidy_text(lines: list[str]) -> str:
    """Prose without leading/trailing blank lines, runs of blank lines cut to one."""
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines))
    return text.strip("\n")
