"""The Slack adapter: `/vad` slash commands, card posts and reactions, through slack-bolt.

Socket Mode by default (an app token, no public URL); HTTP mode with signing-secret
verification as an option. A slash command is acknowledged first (Slack allows 3 s) and answered
through its response_url. A delivery Slack retries carries the same event_id: it is handled once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.text import safe_url, strip_invisible, trim
from bot.core.candidates.editing import NOT_MAINTAINER, SUMMARY_NEEDED, EditForm, EntryEditor
from bot.core.commands import CommandRouter, parse_command_text
from bot.core.models import Card, Link, MessageRef, ReactionEvent, Reply, Request
from bot.core.ports import ReactionSink
from bot.errors import ChatError, ConfigError, RateLimited
from bot.settings import Secrets, SlackSettings

log = logging.getLogger(__name__)

METADATA_EVENT = "vadbot_post"
BOT_EVENTS = ("reaction_added", "reaction_removed")
"""The events vadbot subscribes to; config/slack-manifest.yaml lists exactly these."""
MAX_RETRY_AFTER = 300.0
"""The longest a 429 is waited out (as the arXiv client's backoff), whatever Slack says."""
HISTORY_PAGE = 200
"""Messages a history page asks for; pages go back (cursor) to the time the post was recorded."""
CLOCK_SKEW = timedelta(minutes=5)
GROUP_CACHE_SECONDS = 300.0
"""How long the members of a maintainer user group are trusted before asking Slack again."""
Seen = Callable[[str], bool]
"""Answers True the first time a delivery key is met (`Database.first_time` with a clock)."""


def build_client(settings: SlackSettings, token: str | None) -> AsyncWebClient:
    """A Web API client on `api_base_url` (GovSlack, tests) or slack.com."""
    if settings.api_base_url:
        return AsyncWebClient(token=token, base_url=settings.api_base_url)
    return AsyncWebClient(token=token)


class SlackAdapter:
    """Slack's side of vadbot: commands in, reactions in, cards out (a ChatOut)."""

    platform = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        secrets: Secrets,
        router: CommandRouter,
        sink: ReactionSink | None = None,
        seen: Seen | None = None,
        editor: EntryEditor | None = None,
    ) -> None:
        self.settings = settings
        self.editor = editor
        self.router = router
        self.sink = sink
        self.seen = seen or (lambda key: True)
        self._secrets = secrets
        self.client = build_client(settings, secrets.slack_bot_token)
        http = settings.mode == "http"
        self.app = AsyncApp(
            name="vadbot",  # else bolt reads every frame's source to guess one (~40 ms)
            client=self.client,
            signing_secret=secrets.slack_signing_secret or "",
            request_verification_enabled=http,
        )
        self.app.command("/vad")(self.on_command)
        self.app.action(SHARE_ACTION)(self.on_share)
        self.app.action(EDIT_ACTION)(self.on_edit)
        self.app.view(EDIT_VIEW)(self.on_edit_submit)
        for event in BOT_EVENTS:
            self.app.event(event)(self.on_reaction)
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._groups_lock = asyncio.Lock()
        self._names: dict[str, str] = {}
        self._bot_user = ""
        self._team = ""
        """The workspace the bot token belongs to: reactions from any other are not ours."""
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None

    # ---------------------------------------------------------------- life

    async def start(self) -> None:
        """Connect over Socket Mode, or serve HTTP on `http_port`."""
        if self.settings.mode == "http" and not self._secrets.slack_signing_secret:
            raise ConfigError("slack.mode http needs SLACK_SIGNING_SECRET in the environment")
        if self.settings.mode == "socket" and not self._secrets.slack_app_token:
            raise ConfigError("slack.mode socket needs SLACK_APP_TOKEN (xapp-…) in the environment")
        await self.start_posting()
        if self.settings.mode == "http":
            self._runner = web.AppRunner(self.app.web_app(path="/slack/events"))
            await self._runner.setup()
            host, port = self.settings.http_host, self.settings.http_port
            await web.TCPSite(self._runner, host=host, port=port).start()
            log.info("slack: HTTP mode on %s port %d", host, port)
            return
        self._socket = AsyncSocketModeHandler(self.app, self._secrets.slack_app_token)
        try:
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        except BaseException:
            await self.close()
            raise
        log.info("slack: connected over Socket Mode")

    async def start_posting(self) -> None:
        """Check the token and learn who the bot is; Web API only (no Socket Mode: Slack hands
        each event to one connection, which must be the service's)."""
        me = await self.client.auth_test()  # fails fast on a bad token
        self._bot_user = str(me.get("user_id", ""))
        self._team = str(me.get("team_id", ""))

    async def close(self) -> None:
        """Disconnect cleanly."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---------------------------------------------------------------- commands

    async def on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        """Acknowledge `/vad …` at once, then answer through the response_url."""
        await ack()
        name, text = parse_command_text(command.get("text", ""))
        request = Request(
            "slack",
            command.get("user_id", ""),
            command.get("channel_id", ""),
            name,
            text,
            command.get("user_name", ""),
        )
        reply = await self.router.dispatch(request)
        kind = "ephemeral" if reply.ephemeral else "in_channel"
        shareable = name == "search" and reply.ephemeral and bool(reply.cards)
        await respond(**render_reply(reply, text if shareable else None), response_type=kind)

    async def on_share(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """The Share button under a private search: post the same search to the channel."""
        await ack()
        user = body.get("user", {})
        channel = body.get("channel", {}).get("id", "")
        query = str(body["actions"][0].get("value", ""))
        request = Request(
            "slack", user.get("id", ""), channel, "search", f"share {query}", user.get("name", "")
        )
        reply = await self.router.dispatch(request)
        await respond(delete_original=True)
        await respond(**render_reply(reply), response_type="in_channel")

    # ---------------------------------------------------------------- Edit & approve

    async def on_edit(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """The Edit & approve button: a maintainer gets the prefilled modal, anyone else a
        polite line only they see."""
        await ack()
        user = str(body.get("user", {}).get("id", ""))
        value = str(body["actions"][0].get("value", ""))
        if self.editor is None or not value.isdigit():
            return
        if not self.editor.may_edit("slack", user, await self.groups_of(user)):
            await respond(text=NOT_MAINTAINER, response_type="ephemeral", replace_original=False)
            return
        form = await self.editor.open(int(value))
        if isinstance(form, str):
            await respond(text=form, response_type="ephemeral", replace_original=False)
            return
        view = render_edit_modal(form)  # at once: the trigger_id lasts ~3 s, a draft longer
        opened = await self._call(
            self.client.views_open, trigger_id=body.get("trigger_id"), view=view
        )
        if not form.draft.summary:
            await self._fill_summary(form, opened.get("view") or {})

    async def _fill_summary(self, form: EditForm, opened: dict[str, Any]) -> None:
        """Put the LLM's summary into the open modal when it arrives (views.update; the hash
        makes Slack refuse it if the modal changed meanwhile)."""
        assert self.editor is not None
        summary = await self.editor.drafted_summary(form.candidate_id)
        if not summary or not opened.get("id"):
            return
        drafted = replace(form, draft=replace(form.draft, summary=summary))
        try:
            await self._call(
                self.client.views_update,
                view_id=opened["id"],
                hash=opened.get("hash"),
                view=render_edit_modal(drafted, drafted=True),
            )
        except ChatError as exc:  # closed, submitted or changed: the maintainer writes it
            log.info("slack: drafted summary not shown: %s", exc)

    async def on_edit_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The modal submitted: a problem is shown under its field; else it closes and the
        candidate is approved with the edited entry (its posts then say so)."""
        user = str(body.get("user", {}).get("id", ""))
        number = str(view.get("private_metadata", ""))
        if self.editor is None or not number.isdigit():
            await ack()
            return
        if not self.editor.may_edit("slack", user, await self.groups_of(user)):
            await ack(response_action="errors", errors={"title": NOT_MAINTAINER})
            return
        found = await self.editor.check(int(number), parse_modal(view))
        if isinstance(found, dict):
            await ack(response_action="errors", errors=error_blocks(view, found))
            return
        await ack()  # within Slack's 3 s: the commit may take longer
        said = await self.editor.approve(
            "slack", int(number), found, user, await self.name_of(user)
        )
        log.info("slack: edit & approve by %s: %s", user, said)

    # ---------------------------------------------------------------- reactions

    async def on_reaction(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        """Pass a reaction to the sink once per delivery, unless it is the bot's own."""
        event_id = str(body.get("event_id", ""))
        if event.get("user") == context.get("bot_user_id") or self.sink is None:
            return
        team = str(body.get("team_id") or "")
        if self._team and team and team != self._team:
            log.info("slack: reaction from another workspace (%s) ignored", team)
            return
        if event_id and not self.seen(f"slack:{event_id}"):
            log.debug("slack: delivery %s seen before (a retry)", event_id)
            return
        item = event.get("item", {})
        reaction = ReactionEvent(
            "slack",
            str(item.get("channel", "")),
            str(item.get("ts", "")),
            str(event.get("user", "")),
            parse_emoji(str(event.get("reaction", ""))),
            event.get("type") == "reaction_added",
            event_id=event_id,
            roles=await self.groups_of(str(event.get("user", ""))),
            user_name=await self.name_of(str(event.get("user", ""))),
        )
        await self.sink.on_reaction(reaction)

    async def read_reactions(self, ref: MessageRef) -> list[ReactionEvent]:
        """The people's reactions now on a message (reactions.get), as added ones."""
        response = await self._call(
            self.client.reactions_get, channel=ref.channel, timestamp=ref.message_id, full=True
        )
        events = []
        for reaction in (response.get("message") or {}).get("reactions") or []:
            emoji = parse_emoji(str(reaction.get("name", "")))
            for user in map(str, reaction.get("users") or []):
                if user != self._bot_user:
                    events.append(await self._present(ref, user, emoji))
        return events

    async def _present(self, ref: MessageRef, user: str, emoji: str) -> ReactionEvent:
        roles = await self.groups_of(user)
        # a name is only shown on a decision: ask Slack only for the people who can decide
        decides = bool(roles) or user in self.settings.maintainer_users
        name = await self.name_of(user) if decides else ""
        return ReactionEvent(
            "slack", ref.channel, ref.message_id, user, emoji, True, roles=roles, user_name=name
        )

    async def groups_of(self, user: str) -> tuple[str, ...]:
        """Which of the configured maintainer user groups `user` is in (members cached)."""
        found = []
        for group in self.settings.maintainer_groups:
            if user in await self._members(group):
                found.append(group)
        return tuple(found)

    async def name_of(self, user: str) -> str:
        """The person's display name, so a decision reads "by Ada", not "by U0ADA" (cached)."""
        if user not in self._names:
            try:
                response = await self._call(self.client.users_info, user=user)
            except ChatError as exc:
                log.warning("slack: name of %s unknown: %s", user, exc)
                return ""
            info = response.get("user") or {}
            profile = info.get("profile") or {}
            self._names[user] = str(
                profile.get("display_name") or profile.get("real_name") or info.get("name") or ""
            )
        return self._names[user]

    async def _members(self, group: str) -> frozenset[str]:
        async with self._groups_lock:  # a burst of reactions asks Slack once
            return await self._fetch_members(group)

    async def _fetch_members(self, group: str) -> frozenset[str]:
        fetched = self._groups.get(group)
        if fetched is not None and time.monotonic() - fetched[0] < GROUP_CACHE_SECONDS:
            return fetched[1]
        try:
            response = await self._call(self.client.usergroups_users_list, usergroup=group)
        except ChatError as exc:
            log.warning("slack: members of user group %s unknown: %s", group, exc)
            return fetched[1] if fetched else frozenset()
        members = frozenset(str(u) for u in response.get("users", []))
        self._groups[group] = (time.monotonic(), members)
        return members

    # ---------------------------------------------------------------- ChatOut

    async def post(self, channel: str, card: Card) -> MessageRef:
        """Post a card to a channel."""
        return await self._post(channel, card, None)

    async def post_keyed(self, channel: str, card: Card, key: str) -> MessageRef:
        """Post a card with the outbox key in its message metadata, so it can be found again."""
        return await self._post(channel, card, key)

    async def edit(self, ref: MessageRef, card: Card) -> None:
        """Replace a posted card."""
        await self._call(
            self.client.chat_update, channel=ref.channel, ts=ref.message_id, **render_card(card)
        )

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Add the bot's reaction to a message (already there counts as done)."""
        try:
            await self._call(
                self.client.reactions_add,
                channel=ref.channel,
                timestamp=ref.message_id,
                name=emoji_name(emoji),
            )
        except ChatError as exc:
            if "already_reacted" not in str(exc):
                raise

    async def find_post(
        self, channel: str, key: str, card: Card, since: datetime
    ) -> MessageRef | None:
        """The bot's message in `channel` whose metadata names `key` (after a crash mid-post)."""
        oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
        cursor = None
        while True:  # every page back to the post's record, however busy the channel was
            response = await self._call(
                self.client.conversations_history,
                channel=channel,
                oldest=oldest,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                **({"cursor": cursor} if cursor else {}),
            )
            for message in response.get("messages", []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_payload", {}).get("key") == key:
                    return MessageRef(self.platform, channel, str(message["ts"]))
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return None

    async def _post(self, channel: str, card: Card, key: str | None) -> MessageRef:
        extra: dict[str, Any] = {}
        if key is not None:
            extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        response = await self._call(
            self.client.chat_postMessage,
            channel=channel,
            unfurl_links=False,
            unfurl_media=False,
            **render_card(card),
            **extra,
        )
        return MessageRef(self.platform, channel, str(response["ts"]))

    async def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        """A Web API call; a 429 becomes RateLimited (with Retry-After), an error ChatError."""
        try:
            return await method(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                retry_after = min(
                    float(exc.response.headers.get("Retry-After", 1)), MAX_RETRY_AFTER
                )  # an hour's Retry-After would stall the channel's queue for an hour
                raise RateLimited("Slack rate limit", retry_after) from None
            raise ChatError(f"Slack: {exc.response.get('error', status)}") from None


# -------------------------------------------------------------------- rendering cards as Block Kit
#
# Cards as Slack Block Kit, inside Slack's limits, with markup from text inert.
#
# Untrusted text has `&`, `<` and `>` escaped, so `<!channel>`, `<!here>`, `<!subteam^…>`,
# `<@U…>` and `<http://…|…>` arrive as plain characters; `://` is broken with a zero-width space
# so a bare URL in an abstract does not link either, and every mrkdwn text object is `verbatim`,
# so Slack does not auto-link bare domains or #channel names in it. mrkdwn has no escape for
# `*_~` and backticks: a zero-width space on both sides keeps them from opening or closing
# formatting, so a title like `*Free* GPUs` shows its asterisks instead of turning bold.
# Only `Card.url` and `Card.links` link.

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
    ("title", "Title", False, 300),
    ("venue", "Venue (arXiv for a preprint)", False, 80),
    ("year", "Year", False, 4),
    ("code", "Code link", False, 500),
    ("summary", "Summary (one line)", True, 500),
    ("tags", "Tags (comma-separated)", False, 200),
)


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
        "title": draft.title,
        "venue": draft.venue,
        "year": str(draft.year or ""),
        "code": draft.code,
        "summary": draft.summary,
        "tags": ", ".join(draft.tags),
    }
    blocks = []
    for name, label, multiline, most in _INPUTS:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": name,
            "multiline": multiline,
            "max_length": most,
        }
        if values[name]:
            element["initial_value"] = values[name][:most]
        block_id = SUMMARY_DRAFTED if drafted and name == "summary" else name
        block: dict[str, Any] = {
            "type": "input",
            "block_id": block_id,
            "element": element,
            "label": {"type": "plain_text", "text": label},
            "optional": name in ("code", "tags") or (name == "summary" and not form.summary_needed),
        }
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
