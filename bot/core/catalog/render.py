"""The catalog as the awesome list in Markdown (`vadbot catalog render`, `catalog/README.md`).

Layout follows the seed: title and intro, a table of contents, then prose blocks and groups of
entries in list order. Papers are grouped by year (newest first), then venue in list order with
preprints last, each with shields.io badges in the seed's colours. The output imports back to
the same entries (`bot.core.catalog.importer`): a list goes through render and import unchanged.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from bot.core.catalog.mdtext import heading_anchor
from bot.core.catalog.sections import heading_kind, is_overview
from bot.core.models import Catalog, Entry, ProseBlock

VENUE_COLOURS = {
    "NeurIPS": "2DB55D",
    "ICML": "FF6B6B",
    "ICCV": "00CED1",
    "ACM MM": "FF69B4",
    "CVPR": "1E90FF",
    "AAAI": "1F77B4",
    "ECCV": "0B84FE",
    "arXiv": "b31b1b",
}
OTHER_COLOUR = "6C757D"
GROUP_HEADINGS = {"dataset": "Datasets", "resource": "Resources"}
LINK_ORDER = ("paper", "pdf", "arxiv", "code", "project", "data", "video", "openreview", "other")


@dataclass(slots=True)
class _Doc:
    """Markdown being written, with the headings seen so far (for the table of contents)."""

    chunks: list[str] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    top: str = ""
    """The last level-2 heading: sub-sections below it inherit what it says."""

    def heading(self, level: int, title: str) -> None:
        if level == 2 and not (self.chunks and self.chunks[-1] == "---"):
            self.chunks.append("---")
        self.chunks.append(f"{'#' * level} {title}")
        self.headings.append((level, title))
        self.top = title if level == 2 else self.top

    def add(self, text: str) -> None:
        if text:
            self.chunks.append(text)


def render_markdown(catalog: Catalog) -> str:
    """The whole awesome list: title, intro, contents, prose and entries in list order."""
    doc = _Doc()
    for _, render in sorted(_units(catalog), key=lambda unit: unit[0]):
        render(doc)
    head = [f"# {catalog.title or 'Awesome List'}", catalog.intro, "## Contents", _toc(doc)]
    return "\n\n".join(part for part in [*head, *doc.chunks] if part) + "\n"


Unit = tuple[float, Callable[[_Doc], None]]


def _units(catalog: Catalog) -> Iterable[Unit]:
    for block in catalog.prose:
        yield float(block.order), _prose(block)
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    papers: list[Entry] = []
    for entry in catalog.entries:
        if entry.kind == "paper":
            papers.append(entry)
        else:
            groups[(entry.kind, entry.section or "")].append(entry)
    for (kind, section), entries in groups.items():
        yield _first(entries), _group(kind, section, entries)
    if papers:
        yield _first(papers), _papers(papers)


def _first(entries: Iterable[Entry]) -> float:
    return min((float(e.order) if e.order else math.inf) for e in entries)


def _prose(block: ProseBlock) -> Callable[[_Doc], None]:
    def render(doc: _Doc) -> None:
        doc.heading(block.level, block.title)
        doc.add(block.body.strip("\n"))

    return render


def _group(kind: str, section: str, entries: list[Entry]) -> Callable[[_Doc], None]:
    def render(doc: _Doc) -> None:
        _group_heading(doc, kind, section)
        names: list[str] = []
        for entry in sorted(entries, key=_list_order):
            if not (entry.links or entry.summary or entry.venue or entry.year):
                names.append(entry.title)  # bare names share one paragraph, as in the seed
                continue
            doc.add("\n".join(names))
            names = []
            doc.add(_entry_line(entry))
        doc.add("\n".join(names))

    return render


def _group_heading(doc: _Doc, kind: str, section: str) -> None:
    """A heading the importer reads back as this kind: under "## Datasets" if the section's
    own name does not say "dataset"; background always below overview-like prose."""
    if kind in GROUP_HEADINGS:
        default = GROUP_HEADINGS[kind]
        if heading_kind(section or default) == kind:
            doc.heading(2, section or default)
            return
        if heading_kind(doc.top) != kind:
            doc.heading(2, default)
        doc.heading(3, section)
        return
    if not is_overview(doc.top):
        doc.heading(2, "Background")
    doc.heading(3, section or "Background reading")


def _list_order(entry: Entry) -> tuple[float, str]:
    return (float(entry.order) if entry.order else math.inf, entry.title.casefold())


def _entry_line(entry: Entry) -> str:
    """`Title (Venue Year (note)) [[paper](…)] — summary`, a multi-line summary quoted below."""
    where = " ".join(str(p) for p in (entry.venue, entry.year) if p)
    if where and entry.note:
        where += f" ({entry.note})"
    parts = [entry.title, f"({where})" if where else ""]
    parts += [f"[[{name}]({url})]" for name, url in _ordered_links(entry)]
    line = " ".join(p for p in parts if p)
    summary = entry.summary.strip()
    if not summary:
        return line
    if "\n" in summary:
        return line + "\n" + "\n".join(f"> {s}" for s in summary.split("\n"))
    joiner = " — " if entry.kind == "dataset" else "\n"
    return line + joiner + summary


def _ordered_links(entry: Entry) -> list[tuple[str, str]]:
    rank = {name: i for i, name in enumerate(LINK_ORDER)}
    return sorted(entry.links.items(), key=lambda item: rank.get(item[0], len(rank)))


# ---------------------------------------------------------------------------- papers


def _papers(papers: list[Entry]) -> Callable[[_Doc], None]:
    def render(doc: _Doc) -> None:
        by_year: dict[int | None, list[Entry]] = defaultdict(list)
        for paper in papers:
            by_year[paper.year].append(paper)
        for year in sorted(by_year, key=lambda y: -(y or 0)):
            doc.heading(2, f"Papers ({year})" if year else "Papers (undated)")
            for venue, group in _venue_groups(by_year[year]):
                doc.heading(3, _venue_heading(venue, year))
                for paper in sorted(group, key=_list_order):
                    _paper(doc, paper)

    return render


def _venue_groups(papers: list[Entry]) -> list[tuple[str, list[Entry]]]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for paper in papers:
        groups[paper.venue].append(paper)
    return sorted(
        groups.items(), key=lambda item: (_is_preprint(item[0]), _first(item[1]), item[0])
    )


def _is_preprint(venue: str) -> bool:
    return venue.casefold() in ("arxiv", "preprint", "")


def _venue_heading(venue: str, year: int | None) -> str:
    if venue == "arXiv":
        return f"arXiv {year} (Preprints)" if year else "arXiv (Preprints)"
    return " ".join(str(p) for p in (venue or "Other venues", year) if p)


def _paper(doc: _Doc, paper: Entry) -> None:
    doc.chunks.append(f"#### {paper.title}")
    doc.add("\n".join(badges(paper)))
    doc.add("\n".join(f"> {line}" for line in paper.summary.strip().split("\n") if line))
    if paper.preview:
        doc.add(f"![{paper.short_name or paper.title} preview]({paper.preview})")
    doc.chunks.append("---")


def badges(paper: Entry) -> list[str]:
    """The shields.io badges of a paper: venue (linking the paper), PDF, arXiv, code, project."""
    lines = []
    links = dict(paper.links)
    if paper.venue:
        colour = VENUE_COLOURS.get(paper.venue, OTHER_COLOUR)
        logo = "arxiv" if paper.venue == "arXiv" else None
        image = shield(paper.venue, str(paper.year or ""), colour, logo)
        # An arXiv-only paper: its venue badge is its arXiv badge, once, linking the abstract.
        target = links.pop("paper", "") or (links.pop("arxiv", "") if logo else "")
        badge = f"![{paper.venue}]({image})"
        lines.append(f"[{badge}]({target})" if target else badge)  # never an empty link
    for name, url in _ordered_links(paper):
        if name in links:
            lines.append(_link_badge(name, url, paper.arxiv_id))
    if not lines and not paper.summary:
        # an empty badge, as the seed writes them, so that the title reads back as an entry
        lines.append(f"![Paper]({shield('Paper', '', 'lightgrey')})")
    return lines


def _link_badge(name: str, url: str, arxiv_id: str | None) -> str:
    if name == "arxiv":
        image = shield("arXiv", arxiv_id or "paper", "b31b1b", "arxiv")
        return f"[![arXiv]({image})]({url})"
    if name == "code":
        parts = urlsplit(url)
        repo = parts.path.strip("/").split("/")
        if parts.netloc == "github.com" and len(repo) >= 2:
            image = f"https://img.shields.io/github/stars/{repo[0]}/{repo[1]}"
            return f"[![Code]({image}?style=social&label=Code&logo=github)]({url})"
        return f"[![Code]({shield('Code', 'link', 'black', 'github')})]({url})"
    if name == "project":
        return f"[![Project]({shield('Project', '', 'blue', 'safari')})]({url})"
    label = {"pdf": "Paper", "openreview": "OpenReview"}.get(name, name.capitalize())
    message = "PDF" if name == "pdf" else "link"
    colour = "blue" if name in ("pdf", "paper") else "lightgrey"
    return f"[![{label}]({shield(label, message, colour)})]({url})"


def shield(label: str, message: str, colour: str, logo: str | None = None) -> str:
    """A shields.io static badge URL (`ACM MM`, `2025` → …/badge/ACM_MM-2025-FF69B4)."""

    def escape(text: str) -> str:
        return quote(text.replace("-", "--").replace("_", "__").replace(" ", "_"), safe="._~")

    path = "-".join(escape(p) for p in (label, message) if p) + f"-{colour}"
    return f"https://img.shields.io/badge/{path}" + (f"?logo={logo}" if logo else "")


def _toc(doc: _Doc) -> str:
    seen: dict[str, int] = {}
    lines = []
    for level, title in doc.headings:
        anchor = heading_anchor(title)
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        suffix = f"-{count}" if count else ""
        lines.append(f"{'  ' * (level - 2)}- [{title}](#{anchor}{suffix})")
    return "\n".join(lines)
