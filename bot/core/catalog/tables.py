"""Markdown tables of papers: title, venue, date, paper, code… columns in any order."""

from __future__ import annotations

import re

from bot.core.catalog.listline import (
    LABELS,
    LineItem,
    canonical_venue,
    full_year,
    link_name_for_url,
    parse_line,
)
from bot.core.catalog.mdtext import is_in_page
from bot.errors import Problem

_ROLES = (
    ("title", r"title|name|method|model|dataset|benchmark|work"),
    ("venue", r"venue|conference|conf|publication|journal|published in|source"),
    ("date", r"date|year|time|published"),
    ("summary", r"summary|description|notes?|highlights?|tl;?dr|abstract|contribution|remarks?"),
    ("code", r"code|github|repo|repository|implementation"),
    ("project", r"project|page|homepage|website|demo"),
    ("pdf", r"pdf"),
    ("arxiv", r"arxiv"),
    ("paper", r"paper"),
    ("link", r"links?|url|download"),
)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_SHORT = re.compile(r"'\s*(\d\d)\b")


def split_row(line: str) -> list[str]:
    """The cells of a table row (`\\|` is a literal bar)."""
    text = line.strip().strip("|")
    return [c.replace("\0", "|").strip() for c in text.replace("\\|", "\0").split("|")]


def column_roles(header: list[str]) -> list[str]:
    """What each column holds, from its header ("Paper Title" → title, "Github" → code)."""
    roles = []
    for cell in header:
        low = re.sub(r"[*_`]", "", cell).strip().casefold()
        role = next((r for r, pattern in _ROLES if re.fullmatch(rf"(?:{pattern})s?", low)), "")
        if not role:
            role = next((r for r, pattern in _ROLES if re.search(pattern, low)), "")
        roles.append(role)
    if "title" not in roles and "paper" in roles:
        roles[roles.index("paper")] = "title"  # "Paper" holds the linked title then
    if roles.count("title") > 1:  # "| Title | Model |": the first names the paper
        first = roles.index("title")
        roles = [r if r != "title" or i == first else "" for i, r in enumerate(roles)]
    return roles


def parse_table(rows: list[tuple[int, str]]) -> tuple[list[tuple[int, LineItem]], list[Problem]]:
    """One item per data row; a problem for each row without a title, or a table without header."""
    if len(rows) < 2 or not re.fullmatch(r"[\s|:\-]+", rows[1][1]):
        return [], [Problem("", rows[0][0], "a table without a header row and |---| line")]
    roles = column_roles(split_row(rows[0][1]))
    items: list[tuple[int, LineItem]] = []
    problems: list[Problem] = []
    for number, line in rows[2:]:
        cells = split_row(line)
        if any(r == "title" and is_in_page(c) for r, c in zip(roles, cells, strict=False)):
            continue  # a row that links back to an entry listed above
        item = _row_item(roles, cells)
        if item.title:
            items.append((number, item))
        else:
            problems.append(Problem("", number, "a table row without a title"))
    return items, problems


def _row_item(roles: list[str], cells: list[str]) -> LineItem:
    item = LineItem()
    for role, cell in zip(roles, cells, strict=False):
        if not cell or cell in ("-", "—", "N/A", "n/a"):
            continue
        parsed = parse_line(cell)
        if role == "title":
            item.title = parsed.title
            # the title's own link is the paper's page, even on GitHub; a badge names itself
            item.links += [(n or _title_link_name(u), u) for n, u in parsed.links]
            item.arxiv_id = item.arxiv_id or parsed.arxiv_id
        elif role == "venue":
            bare = _SHORT.sub(" ", _YEAR.sub(" ", parsed.title or cell))
            item.venue = parsed.venue or canonical_venue(bare.strip(" ,'’"))
            item.year = item.year or parsed.year or _year(cell)
        elif role == "date":
            item.year = _year(cell) or item.year
        elif role == "summary":
            item.summary = cell
        elif role:
            name = LABELS.get(role, role) or None
            found = [(name if n is None else n, url) for n, url in parsed.links if url]
            if role == "code" and any(n == "code" for n, _ in found):
                # the Code column says more than a stars badge beside the title
                item.links = [link for link in item.links if link[0] != "code"]
            item.links += found
            item.arxiv_id = item.arxiv_id or parsed.arxiv_id
    return item


def _title_link_name(url: str) -> str:
    return "arxiv" if link_name_for_url(url) == "arxiv" else "paper"


def _year(cell: str) -> int | None:
    found = _YEAR.search(cell)
    if found:
        return int(found.group(1))
    short = _SHORT.search(cell)
    return full_year(short.group(1)) if short else None
