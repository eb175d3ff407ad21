"""Cards as Discord embeds, inside Discord's limits, with every mention and link from text inert.

Untrusted text gets markdown escaped, `@everyone`/`@here` and `<@…>`, `<#…>`, `<@&…>`, `</…>`
broken with a zero-width space, and `://` broken so bare URLs do not link; `allowed_mentions`
is empty on every message, so even a mention that slipped through pings nobody.
"""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.text import safe_url, strip_invisible, trim
from bot.core.models import Card, Link, Reply

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
FIELDS_MAX = 25
EMBEDS_MAX = 10
MESSAGE_MAX = 6000
CONTENT_MAX = 2000
ZWSP = "\u200b"
NO_MENTIONS: dict[str, Any] = {"parse": [], "users": [], "roles": [], "replied_user": False}
COLOUR = {"candidate": 0x5865F2, "entry": 0x57F287, "alert": 0xED4245, "search": 0xFEE75C}

_MARKDOWN = re.compile(r"([\\*_~`|>\[\]()])")
_LINE_START = re.compile(r"^(\s*)([#-])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
_MENTION = re.compile(r"@(everyone|here)|<([@#/:]|a:)|://", re.IGNORECASE)


def escape(text: str) -> str:
    """Plain text made inert for Discord: no markdown, no mentions, no links, no bidi tricks."""
    text = _MARKDOWN.sub(r"\\\1", strip_invisible(text))
    text = _LINE_START.sub(r"\1\\\2", text)  # headings, bullet lists
    text = _NUMBERED.sub(r"\1\\.", text)  # numbered lists
    return _MENTION.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)


def render_link(link: Link) -> str:
    """`[label](url)`, or the escaped label alone when the URL is not a web link."""
    url = safe_url(link.url)
    label = escape(link.label) or "link"
    return f"[{label}]({url})" if url else label


def render_card(card: Card) -> dict[str, Any]:
    """Message parameters (`embeds`, `allowed_mentions`) for a card."""
    embed: dict[str, Any] = {"title": trim(escape(card.title), TITLE_MAX)}
    if url := safe_url(card.url):
        embed["url"] = url
    if colour := COLOUR.get(card.kind):
        embed["color"] = colour
    if card.fields:
        embed["fields"] = [_field(f.name, f.value, f.inline) for f in card.fields[:FIELDS_MAX]]
    if card.footer:
        embed["footer"] = {"text": trim(strip_invisible(card.footer), FOOTER_MAX)}
    if image := safe_url(card.image):
        embed["image"] = {"url": image}
    room = MESSAGE_MAX - embed_length(embed)  # the description gives way first, fields next
    if description := _description(card, min(DESCRIPTION_MAX, max(room, FIELD_VALUE_MAX))):
        embed["description"] = description
    _fit(embed)
    # always say the components: an edit without them would keep a decided card's button
    components = [_edit_button()] if card.edit is not None else []
    return {"embeds": [embed], "allowed_mentions": dict(NO_MENTIONS), "components": components}


EDIT_BUTTON = "vad:edit-approve"
"""The Edit & approve button's custom_id: one persistent view answers it on every card (the
candidate is found from the message), so it keeps working after a restart."""


def _edit_button() -> dict[str, Any]:
    button = {"type": 2, "style": 1, "label": "Edit & approve", "custom_id": EDIT_BUTTON}
    return {"type": 1, "components": [button]}


def render_reply(reply: Reply) -> dict[str, Any]:
    """Message parameters for a command reply: its text and up to ten cards."""
    embeds = [e for card in reply.cards[:EMBEDS_MAX] for e in render_card(card)["embeds"]]
    while embeds and sum(embed_length(e) for e in embeds) > MESSAGE_MAX:
        embeds.pop()
    payload: dict[str, Any] = {"embeds": embeds, "allowed_mentions": dict(NO_MENTIONS)}
    if reply.text:
        payload["content"] = trim(escape(reply.text), CONTENT_MAX)
    return payload


def _description(card: Card, limit: int) -> str:
    """Body, items and links in `limit` characters; a long body is cut, not the links after it."""
    tail = [_item_line(i, item) for i, item in enumerate(card.items, start=1)]
    if card.links:
        tail.append(" · ".join(render_link(link) for link in card.links))
    after = "\n".join(tail)
    if not card.body:
        return trim(after, limit)
    room = limit - len(after) - 1 if after else limit
    if room < min(limit // 4, 200):  # items fill it all: cut at the end, as a list is cut
        return trim("\n".join([escape(card.body), after]), limit)
    body = trim(escape(card.body), room)
    return "\n".join([body, after]) if after else body


def _item_line(number: int, item: Card) -> str:
    url = safe_url(item.url)
    title = escape(item.title)
    head = f"**[{title}]({url})**" if url else f"**{title}**"
    rest = [escape(item.body)] if item.body else []
    rest += [render_link(link) for link in item.links]
    return f"{number}. {head}" + (" — " + " · ".join(rest) if rest else "")


def _field(name: str, value: str, inline: bool) -> dict[str, Any]:
    name = trim(escape(name), FIELD_NAME_MAX) or ZWSP
    return {"name": name, "value": trim(escape(value), FIELD_VALUE_MAX) or ZWSP, "inline": inline}


def embed_length(embed: dict[str, Any]) -> int:
    """The characters Discord counts towards its 6,000-per-message limit."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    return total + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


def _fit(embed: dict[str, Any]) -> None:
    """Shorten the description, then drop fields, until the embed fits in one message."""
    excess = embed_length(embed) - MESSAGE_MAX
    if excess > 0 and "description" in embed:
        keep = max(len(embed["description"]) - excess, 0)
        embed["description"] = trim(embed["description"], keep)
    while embed_length(embed) > MESSAGE_MAX and embed.get("fields"):
        embed["fields"].pop()
