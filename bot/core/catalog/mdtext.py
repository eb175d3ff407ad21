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
