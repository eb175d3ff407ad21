"""Cards as Slack Block Kit, inside Slack's limits, with markup from text inert.

Untrusted text has `&`, `<` and `>` escaped, so `<!channel>`, `<!here>`, `<!subteam^…>`,
`<@U…>` and `<http://…|…>` arrive as plain characters; `://` is broken with a zero-width space
so a bare URL in an abstract does not link either, and every mrkdwn text object is `verbatim`,
so Slack does not auto-link bare domains or #channel names in it. mrkdwn has no escape for
`*_~` and backticks: a zero-width space on both sides keeps them from opening or closing
formatting, so a title like `*Free* GPUs` shows its asterisks instead of turning bold.
Only `Card.url` and `Card.links` link.
"""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.text import safe_url, strip_invisible, trim
from bot.core.candidates.editing import SUMMARY_NEEDED, EditForm
from bot.core.models import Card, Link, Reply

SECTION_MAX = 3000
BLOCKS_MAX = 50
FIELDS_MAX = 10
FIELD_MAX = 2000
CONTEXT_MAX = 3000
BUTTON_VALUE_MAX = 2000
ALT_MAX = 2000
TEXT_MAX = 3000
ZWSP = "\u200b"
ITEM_TITLE_MAX = 600

EMOJI_NAMES = {"👍": "+1", "👎": "-1", "✅": "white_check_mark", "❌": "x", "👀": "eyes"}
ALIASES = {"thumbsup": "+1", "thumbsdown": "-1", "heavy_check_mark": "white_check_mark"}


_MARKUP = re.compile(r"([*_~`])")


def escape(text: str) -> str:
    """Plain text made inert for Slack mrkdwn: no mentions, no links, no entities, no styling."""
    text = strip_invisible(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKUP.sub(ZWSP + r"\1" + ZWSP, text)
    return text.replace("://", ":" + ZWSP + "//")


def render_link(link: Link) -> str:
    """`<url|label>`, or the escaped label alone when the URL is not a web link."""
    url = safe_url(link.url)
    label = escape(link.label).replace("|", "¦") or "link"
    return f"<{_url(url)}|{label}>" if url else label


def render_card(card: Card) -> dict[str, Any]:
    """`chat.postMessage` arguments (`text` fallback and `blocks`) for a card."""
    blocks: list[dict[str, Any]] = [_section(_title(card))]
    if card.body:
        blocks.append(_section(escape(card.body)))
    blocks += [_section(_item(i, item)) for i, item in enumerate(card.items, start=1)]
    if card.fields:
        blocks.append({"type": "section", "fields": [_field(f.name, f.value) for f in card.fields]})
    if card.links:
        blocks.append(_section(" · ".join(render_link(link) for link in card.links)))
    if image := safe_url(card.image):
        alt = trim(strip_invisible(card.title), ALT_MAX) or "image"
        blocks.append({"type": "image", "image_url": image, "alt_text": alt})
    if card.edit is not None:  # above the footer, which stays the last block (the tally)
        blocks = [*_fit(blocks, BLOCKS_MAX - 2), _edit_button(card.edit)]
    if card.footer:
        blocks.append(_context(escape(card.footer)))
    return {"text": trim(escape(card.title), TEXT_MAX), "blocks": _fit(blocks)}


def render_reply(reply: Reply, share: str | None = None) -> dict[str, Any]:
    """`respond()` arguments for a command reply: its text, its cards, and a Share button that
    carries `share` (the query) when given."""
    blocks = [_section(escape(reply.text))] if reply.text else []
    for card in reply.cards:
        blocks += render_card(card)["blocks"]
    fallback = reply.text or (reply.cards[0].title if reply.cards else "")
    if share is None:
        return {"text": trim(escape(fallback), TEXT_MAX), "blocks": _fit(blocks)}
    blocks = [*_fit(blocks, BLOCKS_MAX - 1), _share_button(share)]
    return {"text": trim(escape(fallback), TEXT_MAX), "blocks": blocks}


SHARE_ACTION = "vad_share"
EDIT_ACTION = "vad_edit_approve"
EDIT_VIEW = "vad_edit_approve"
_INPUTS = (  # field, label, multiline, most characters
    ("title", "Title", False, 300), ("venue", "Venue (arXiv for a preprint)", False, 80),
    ("year", "Year", False, 4), ("code", "Code link", False, 500),
    ("summary", "Summary (one line)", True, 500), ("tags", "Tags (comma-separated)", False, 200),
)  # fmt: skip


def _edit_button(candidate_id: int) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": EDIT_ACTION,
        "text": {"type": "plain_text", "text": "Edit & approve"},
        "value": str(candidate_id),
    }
    return {"type": "actions", "elements": [button]}


SUMMARY_DRAFTED = "summary-drafted"
"""The summary's block once the LLM's draft arrived: a new block id, so that Slack shows the new
initial value (it keeps what was typed in the blocks whose ids stay)."""


def render_edit_modal(form: EditForm, drafted: bool = False) -> dict[str, Any]:
    """The Edit & approve modal (`views.open`; `views.update` with the LLM's summary once
    `drafted`): the prefilled entry, one input per field; the candidate number rides in
    `private_metadata`."""
    draft = form.draft
    values = {
        "title": draft.title, "venue": draft.venue, "year": str(draft.year or ""),
        "code": draft.code, "summary": draft.summary, "tags": ", ".join(draft.tags),
    }  # fmt: skip
    blocks = []
    for name, label, multiline, most in _INPUTS:
        element: dict[str, Any] = {
            "type": "plain_text_input", "action_id": name, "multiline": multiline,
            "max_length": most,
        }  # fmt: skip
        if values[name]:
            element["initial_value"] = values[name][:most]
        block_id = SUMMARY_DRAFTED if drafted and name == "summary" else name
        block: dict[str, Any] = {
            "type": "input", "block_id": block_id, "element": element,
            "label": {"type": "plain_text", "text": label},
            "optional": name in ("code", "tags") or (name == "summary" and not form.summary_needed),
        }  # fmt: skip
        if name == "summary" and form.summary_needed and not draft.summary:
            block["hint"] = {"type": "plain_text", "text": SUMMARY_NEEDED}
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": str(form.candidate_id),
        "title": {"type": "plain_text", "text": f"Edit #{form.candidate_id}"[:24]},
        "submit": {"type": "plain_text", "text": "Approve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def parse_modal(view: dict[str, Any]) -> dict[str, str]:
    """{field: text} from a submitted modal's state."""
    state = (view.get("state") or {}).get("values") or {}
    found: dict[str, str] = {}
    for actions in state.values():
        for action_id, action in actions.items() if isinstance(actions, dict) else ():
            found[str(action_id)] = str((action or {}).get("value") or "")
    return found


def error_blocks(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """{block id: problem} for Slack from {field: problem} (the summary's block may be renamed)."""
    blocks = {str(b.get("block_id")) for b in view.get("blocks") or []}
    rename = {"summary": SUMMARY_DRAFTED} if SUMMARY_DRAFTED in blocks else {}
    return {rename.get(field, field): problem for field, problem in errors.items()}


def _share_button(value: str) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": SHARE_ACTION,
        "text": {"type": "plain_text", "text": "Share in channel"},
        "value": trim(value, BUTTON_VALUE_MAX),
    }
    return {"type": "actions", "elements": [button]}


def emoji_name(emoji: str) -> str:
    """The Slack reaction name of an emoji (`👍` → `+1`); names pass through."""
    return EMOJI_NAMES.get(emoji, emoji.strip(":"))


def parse_emoji(name: str) -> str:
    """A Slack reaction name as the emoji the core knows (`+1::skin-tone-2` → `👍`)."""
    base = ALIASES.get(name.split("::")[0], name.split("::")[0])
    return {v: k for k, v in EMOJI_NAMES.items()}.get(base, base)


def _title(card: Card, limit: int = SECTION_MAX) -> str:
    """The bold, linked title, its markup whole: the title is cut, never the `>*` closing it."""
    url = safe_url(card.url)
    markup = len(_url(url)) + 4 if url else 2
    title = _escaped_within(card.title, limit - markup).replace("|", "¦")
    return f"*<{_url(url)}|{title}>*" if url else f"*{title}*"


def _escaped_within(text: str, limit: int) -> str:
    """`escape(text)` in at most `limit` characters, cut before escaping so no entity breaks."""
    out = escape(text)
    keep = len(text)
    while len(out) > limit and keep > 0:
        keep = max(keep - (len(out) - limit), 0)
        out = escape(trim(text, keep))
    return out


def _item(number: int, item: Card) -> str:
    rest = [escape(item.body)] if item.body else []
    rest += [render_link(link) for link in item.links]
    return f"{number}. {_title(item, ITEM_TITLE_MAX)}" + (" — " + " · ".join(rest) if rest else "")


def _url(url: str | None) -> str:
    return (url or "").replace("&", "&amp;").replace("|", "%7C")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(trim(text, SECTION_MAX))}


def _mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object that Slack takes as written: no auto-linking, no name parsing."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _field(name: str, value: str) -> dict[str, Any]:
    return _mrkdwn(trim(f"*{escape(name)}*\n{escape(value)}", FIELD_MAX))


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(trim(text, CONTEXT_MAX))]}


def _fit(blocks: list[dict[str, Any]], limit: int = BLOCKS_MAX) -> list[dict[str, Any]]:
    """At most `limit` blocks and 10 fields a section; the last block says how much was cut."""
    for block in blocks:
        if "fields" in block:
            block["fields"] = block["fields"][:FIELDS_MAX]
    if len(blocks) <= limit:
        return blocks
    cut = len(blocks) - limit + 1
    return [*blocks[: limit - 1], _context(f"… {cut} more not shown")]
