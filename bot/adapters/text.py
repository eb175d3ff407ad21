"""Helpers every renderer shares: trimming to a limit and keeping only web links."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

ELLIPSIS = "…"


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
