"""What the core asks of an optional language model, and the text hygiene around every call.

The core sees a model as one async callable, `Complete`: chat messages in, the answer's plain
text out (`bot.infra.llm.LlmClient.complete` is the real one; it raises `LlmError`). Papers'
text is hostile: it goes into prompts only through `as_data` (capped, inside delimiters it cannot
close), and answers come out only through `clean_line` (no markup, mentions or links).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, Protocol, TypedDict

ELLIPSIS = "…"
OPEN, CLOSE = "<paper>", "</paper>"
"""The delimiters of paper text in a prompt; `as_data` removes any copy from the text itself."""


class ChatMessage(TypedDict):
    """One message of an OpenAI-style chat."""

    role: Literal["system", "user", "assistant"]
    content: str


class Complete(Protocol):
    """Sends a chat to the model and returns its answer as plain text, or raises LlmError."""

    async def __call__(self, messages: Sequence[ChatMessage]) -> str: ...


_DELIMITER = re.compile(r"</?\s*paper\s*>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_THINKING = re.compile(r"^\s*<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ANGLED = re.compile(r"<[^>]*>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MARKUP = re.compile(r"[*`~|#<>\[\]@]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def as_data(text: str, limit: int) -> str:
    """Outside text made safe to quote in a prompt: no delimiters or control characters, capped."""
    text = _CONTROL.sub(" ", _DELIMITER.sub(" ", text))
    return trim(" ".join(text.split()), limit)


def strip_thinking(answer: str) -> str:
    """The answer without a leading `<think>…</think>` block, which reasoning models emit."""
    return _THINKING.sub("", answer, count=1).strip()


def clean_line(text: str, limit: int) -> str:
    """A model's sentence made plain: markup, mentions, links and line breaks gone, capped."""
    text = _MD_LINK.sub(r"\1", text)
    text = _ANGLED.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MARKUP.sub("", _CONTROL.sub(" ", text))
    return trim(" ".join(text.split()), limit)


def has_markup(text: str) -> bool:
    """True when `text` holds anything `clean_line` would take out (markup, links, mentions)."""
    return bool(_MARKUP.search(text) or _URL.search(text) or _CONTROL.search(text))


def cjk_share(text: str) -> float:
    """The share of letters in `text` that are Chinese, Japanese or Korean (0 with no letters)."""
    letters = sum(1 for ch in text if ch.isalpha())
    return len(_CJK.findall(text)) / letters if letters else 0.0


def trim(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS if limit > 0 else ""


def paper_block(title: str, abstract: str = "", *, title_limit: int, abstract_limit: int) -> str:
    """Title (and abstract) between the delimiters, as data for the model to read."""
    lines = [OPEN, f"Title: {as_data(title, title_limit)}"]
    if abstract:
        lines.append(f"Abstract: {as_data(abstract, abstract_limit)}")
    lines.append(CLOSE)
    return "\n".join(lines)
