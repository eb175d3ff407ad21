"""Markdown details an awesome list is written with: list marks, images, anchors, references."""

from __future__ import annotations

import re

_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]*)\)")


def parse_image(text: str) -> tuple[str, str] | None:
    """(alt, source) when the whole line is one image, e.g. a preview figure."""
    match = _IMAGE.fullmatch(text.strip())
    return (match.group(1), match.group(2)) if match else None


def strip_marker(line: str) -> tuple[int, str]:
    """(indent, text) of a line without its bullet or number mark (`- `, `* `, `3. `)."""
    indent = len(line) - len(line.lstrip(" \t"))
    text = re.sub(r"^(?:[-*+]|\d{1,4}[.)])\s+", "", line.strip())
    return indent, text


def heading_anchor(title: str) -> str:
    """The anchor GitHub gives a heading ("📊 Benchmarks" → "-benchmarks")."""
    text = title.strip().casefold()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s+[\"'(].*)?\s*$")
_REF_USE = re.compile(r"\[((?:!\[[^\]]*\]\([^)]*\)|[^\]])+)\]\[([^\]]*)\]")


def resolve_references(lines: list[str]) -> list[str]:
    """Reference links (`[pdf][1]` … `[1]: https://…`) made inline; definitions become blank."""
    refs: dict[str, str] = {}
    for i, line in enumerate(lines):
        match = _REF_DEF.match(line)
        if match:
            refs[match.group(1).casefold()] = match.group(2)
            lines[i] = ""
    if not refs:
        return lines

    def inline(match: re.Match[str]) -> str:
        url = refs.get((match.group(2) or match.group(1)).casefold())
        return match.group(0) if url is None else f"[{match.group(1)}]({url})"

    return [_REF_USE.sub(inline, line) for line in lines]


SKIP = "\x00"
"""A source line the importer must ignore (joined into the line above, a comment, an HTML
table): kept as a line so that every other line keeps its number."""

_COMMENT = re.compile(r"<!--.*?(?:--!?>|\Z)", re.DOTALL)
_ANCHOR_A = re.compile(r"<a\s+(?:href\s*=\s*['\"]#[^'\"]*['\"])[^>]*>.*?</a>", re.IGNORECASE)
_HTML_A = re.compile(r"<a\s+href\s*=\s*['\"](https?://[^'\"]+)['\"][^>]*>(.*?)</a>", re.I)
_TAG = re.compile(
    r"</?(?:a|span|spa|sup|sub|b|i|em|strong|font|center|p|div|details|summary|img|u)\b[^>]*>",
    re.IGNORECASE,
)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_CODE_LABEL = re.compile(r"\[`\[(\w+)\]`\]\(")
_LOOSE_BADGE = re.compile(r"(?<!\[)!\[[^\]]*\]\(https?://img\.shields\.io/[^)\s]*\)")
_IN_PAGE = re.compile(r"\[[^\]]*\]\(#[^)]*\)")
_ORAL = re.compile(
    r"(?:[-*+]\s+)?(?:[A-Za-z]+\s*'?\s*\d{2,4}\s+)?(?:oral|spotlight|poster|highlight)s?"
    r"(?:\s+(?:paper|presentation))?\s*[.!]?",
    re.IGNORECASE,
)
_CJK_LABEL = re.compile(r"^(\s*(?:[-*+]\s+)?)([^\s:：\[\]()]{1,14}?)\s*[:：]\s*(.*)$")
_CJK_NAMES = (
    ("论文2", "other"),
    ("论文", "paper"),
    ("代码", "code"),
    ("主页", "project"),
    ("项目", "project"),
    ("数据集", "data"),
    ("数据", "data"),
    ("视频", "video"),
)
_URL = re.compile(r"https?://[^\s<>)\]，。；]+")


def clean_source(text: str) -> tuple[list[str], int]:
    """The list's lines with what GitHub does not show, or shows as one line, made plain.

    Comments and HTML tables are dropped, hard breaks (`\\`) and titles wrapped over two lines
    are joined, HTML links become Markdown, labelled bare-URL lines (`- 论文：https://…`)
    become `[[paper](…)]`, in-page anchors and loose feature badges vanish. Returns the lines
    (dropped ones are `SKIP`) and how many non-blank lines were dropped."""
    text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    lines = [_clean_line(line) for line in text.split("\n")]
    skipped = _drop_html_tables(lines)
    _join_broken_lines(lines)
    return lines, skipped + sum(1 for line in lines if line == SKIP)


def _clean_line(line: str) -> str:
    if "<" in line:
        line = _BR.sub(" ", line)
        line = _ANCHOR_A.sub(" ", line)
        line = _HTML_A.sub(r"[\2](\1)", line)
        line = _TAG.sub("", line)
    line = _CODE_LABEL.sub(r"[\1](", line).replace("&nbsp;", " ").replace("\xa0", " ")
    if _LOOSE_BADGE.search(line):
        line = _LOOSE_BADGE.sub("", line)
        if not line.strip(" \t\\"):
            return SKIP  # a line of feature badges (`LLM`, `CLIP-V`): says nothing we keep
    stripped = line.strip()
    if stripped and _ORAL.fullmatch(stripped):
        return SKIP
    label = _CJK_LABEL.match(line)
    if label and re.search(r"[\u4e00-\u9fff]", label.group(2)):
        return _labelled_urls(line, label.group(1), label.group(2), label.group(3))
    return line


def is_in_page(line: str) -> bool:
    """Whether a line only links back into the page (contents, "recent updates")."""
    return bool(_IN_PAGE.search(line)) and not re.sub(
        r"[-*+\d.)|,;:\s]", "", _IN_PAGE.sub("", line)
    )


def _labelled_urls(line: str, mark: str, label: str, value: str) -> str:
    """`- 代码：https://…` → `- [[code](https://…)]`; "none yet" (暂无, 还没出来) → SKIP."""
    urls = _URL.findall(value)
    if not urls:
        return line if re.search(r"[A-Za-z]", value) else SKIP
    name = next((n for prefix, n in _CJK_NAMES if label.startswith(prefix)), "other")
    return mark + " ".join(f"[[{name}]({url})]" for url in urls)


def _drop_html_tables(lines: list[str]) -> int:
    """HTML `<table>` blocks (statistics, benchmarks): their rows point back at entries."""
    dropped, inside = 0, False
    for i, line in enumerate(lines):
        low = line.casefold()
        if "<table" in low:
            inside = True
        if inside:
            dropped += bool(line.strip())
            lines[i] = SKIP
        if "</table>" in low:
            inside = False
    return dropped


def _join_broken_lines(lines: list[str]) -> None:
    """A line ending in a hard break, or with an open `**`/`[`, continues on the next."""
    i = 0
    while i < len(lines):
        j = i + 1
        while lines[i] != SKIP and j < len(lines) and j - i <= 8:
            if lines[j] == SKIP:  # dropped badges between a title and its venue line
                j += 1
                continue
            if not (_continues(lines[i], lines[j]) and _joinable(lines[j])):
                break
            lines[i] = lines[i].rstrip().removesuffix("\\").rstrip() + " " + lines[j].strip()
            lines[j] = SKIP
            j += 1
        if lines[i] != SKIP:
            lines[i] = lines[i].rstrip().removesuffix("\\").rstrip()
        i = j


def _continues(line: str, after: str) -> bool:
    text = line.rstrip()
    if text.endswith("\\"):
        return True
    if re.match(r"\s*[-*+]\s", text) and "](" not in text and "](" in after:
        return True  # a title-only item whose links come on its lazy continuation line
    return text.count("**") % 2 == 1 or text.count("[") > text.count("]")


def _joinable(line: str) -> bool:
    text = line.strip()
    return bool(text) and text != SKIP and not re.match(r"#|[-*+]\s|\d{1,4}[.)]\s|\|", text)
