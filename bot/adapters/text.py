"""Helpers every renderer shares: trimming to a limit and keeping only web links."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

ELLIPSIS = "…"
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200e\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)


def strip_invisible(text: str) -> str:
    """`text` without control and invisible format characters: a bidi override (U+202E) or
    isolate (U+2066–U+2069) would make chat show text in an order it was not written in."""
    return _INVISIBLE.sub("", text)


def trim(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS if limit > 0 else ""


def safe_url(url: str | None) -> str | None:
    """An http(s) URL with the characters that could end a markup link percent-encoded."""
    if not url:
        return None
    url = url.strip()
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")
