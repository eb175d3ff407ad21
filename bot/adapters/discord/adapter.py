"""The Discord adapter: `/vad` slash commands, card posts and reactions, through discord.py.

Intents are the minimum: guilds (to know channels and roles) and guild reactions; no message
content. Reactions come from the raw events, so votes on messages older than the cache count.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import MultipartParameters, Route
from discord.message import convert_emoji_reaction

from bot.adapters.discord.commands import Complete, build_group
from bot.adapters.discord.editing import EDIT_BUTTON, EditView
from bot.adapters.text import safe_url, strip_invisible, trim
from bot.core.candidates.editing import EntryEditor
from bot.core.commands import CommandRouter
from bot.core.models import Card, Link, MessageRef, ReactionEvent, Reply, Request
from bot.core.ports import ReactionSink
from bot.errors import ChatError, ConfigError
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

REPLY_BUDGET_SECONDS = 2.0
"""Answer at once if the core is this fast; else defer (Discord allows 3 s before the first)."""
HISTORY_PAGE = 100
"""Messages a history page asks for (Discord's maximum); pages go back to the post's time."""
CLOCK_SKEW = timedelta(minutes=5)
"""Our clock and Discord's may differ: look a little further back than the post's record."""
PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the configured channels
    send_messages=True,  # post cards
    embed_links=True,  # cards are embeds
    add_reactions=True,  # offer the vote reactions
    read_message_history=True,  # react to older posts; find a post after a crash
)


def build_intents() -> discord.Intents:
    """Guilds and guild reactions only: no members, no presences, no message content."""
    return discord.Intents(guilds=True, guild_reactions=True)


def build_invite_url(client_id: str) -> str:
    """The OAuth2 link that adds the bot with exactly the permissions it uses."""
    scopes = ("bot", "applications.commands")
    return discord.utils.oauth_url(client_id, permissions=PERMISSIONS, scopes=scopes)


def configure_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at `api_base_url`/`gateway_url` (Discord-compatible servers, tests).

    discord.py keeps both as class attributes, so this is process-wide, like the library.
    """
    if settings.api_base_url:
        Route.BASE = settings.api_base_url.rstrip("/")
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def nonce_for(key: str) -> str:
    """A Discord nonce (≤ 25 characters) naming an outbox key, so a resend is deduplicated."""
    return hashlib.blake2b(key.encode(), digest_size=12).hexdigest()


KEY_FRAGMENT = "vadbot-"
INVISIBLE_DIGITS = "\u200b\u200c\u200d\u2060"
"""Zero-width characters, two bits each: a key tag no one sees in a card without a link."""


def tag_payload(payload: dict[str, Any], key: str) -> None:
    """Carry `key` in the message itself, since history shows no nonce: in the card's link as
    a fragment (`…/abs/2611.01234#vadbot-<nonce>`, which the page ignores), else as an
    invisible tag at the end of the footer."""
    embed = payload["embeds"][0]
    url = embed.get("url")
    if url and "#" not in url:
        embed["url"] = f"{url}#{KEY_FRAGMENT}{nonce_for(key)}"
        return
    tag = _invisible(key)
    footer = embed.get("footer", {}).get("text", "")[: FOOTER_MAX - len(tag)]
    embed["footer"] = {"text": footer + tag}
    excess = embed_length(embed) - MESSAGE_MAX
    if excess > 0 and embed.get("description"):
        embed["description"] = embed["description"][: len(embed["description"]) - excess]


def is_tagged(message: Mapping[str, Any], key: str) -> bool:
    """True when a message from history carries the tag of `key` (see `tag_payload`)."""
    embed = (message.get("embeds") or [{}])[0]
    url = str(embed.get("url") or "")
    footer = str((embed.get("footer") or {}).get("text") or "")
    return url.endswith(f"#{KEY_FRAGMENT}{nonce_for(key)}") or footer.endswith(_invisible(key))


def _invisible(key: str) -> str:
    bits = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest())
    return "".join(INVISIBLE_DIGITS[(bits >> shift) & 3] for shift in range(0, 64, 2))


class _Client(discord.Client):
    def __init__(self, adapter: DiscordAdapter, guild_ready_timeout: float) -> None:
        super().__init__(
            intents=build_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
        )
        self.adapter = adapter

    async def setup_hook(self) -> None:
        if self.adapter.editor is not None:  # persistent: answers cards posted before a restart
            self.add_view(EditView(self.adapter.editor))
        await self.adapter.sync_commands()

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_reaction(payload, added=True)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.adapter.on_reaction(payload, added=False)


class DiscordAdapter:
    """Discord's side of vadbot: commands in, reactions in, cards out (a ChatOut)."""

    platform = "discord"

    def __init__(
        self,
        settings: DiscordSettings,
        token: str,
        router: CommandRouter,
        sink: ReactionSink | None = None,
        *,
        guild_ready_timeout: float = 2.0,
        reply_budget: float = REPLY_BUDGET_SECONDS,
        complete: Complete | None = None,
        editor: EntryEditor | None = None,
    ) -> None:
        configure_endpoints(settings)
        self.editor = editor
        self.settings = settings
        self.router = router
        self.sink = sink
        self.reply_budget = reply_budget
        self.complete = complete or (lambda text: [])
        self._token = token
        self._guild_ready_timeout = guild_ready_timeout
        self._guild = discord.Object(int(settings.guild_id)) if settings.guild_id else None
        self._build_client()
        self._task: asyncio.Task[None] | None = None
        self._roles: dict[int, tuple[str, ...]] = {}
        self._names: dict[int, str] = {}

    def _build_client(self) -> None:
        """A fresh discord.py client (a closed one cannot log in again)."""
        self.client = _Client(self, self._guild_ready_timeout)
        self.tree = app_commands.CommandTree(self.client)
        self.tree.add_command(build_group(self.answer, self.complete), guild=self._guild)

    # ---------------------------------------------------------------- life

    async def start(self, timeout: float = 30.0) -> None:
        """Log in, connect to the gateway in the background, and wait until ready."""
        await self.start_posting()
        self._task = asyncio.create_task(self.client.connect(), name="discord-gateway")
        self._task.add_done_callback(_log_end)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=timeout, return_when="FIRST_COMPLETED"
        )
        if ready not in done:
            ready.cancel()
            await self.close()
            if self._task in done:
                self._task.result()  # the connection's own error
            raise TimeoutError("Discord did not become ready")
        log.info("discord: connected as %s", self.client.user)

    async def start_posting(self) -> None:
        """Log in over REST only (no gateway: one-shot commands leave events to the service)."""
        if self.client.is_closed():
            self._build_client()
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:  # a 401: retrying cannot help, and would go on forever
            await self.client.close()
            raise ConfigError(
                "DISCORD_TOKEN was rejected by Discord (401); Discord stays off until the token "
                "is fixed and vadbot restarted"
            ) from None
        except BaseException:
            await self.client.close()
            raise

    async def close(self) -> None:
        """Disconnect cleanly."""
        await self.client.close()
        if self._task is not None:
            # while Discord is unreachable the gateway task sleeps out a reconnect backoff:
            # closing must not wait for it
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def sync_commands(self) -> None:
        """Register `/vad` with Discord (in the configured guild, else globally)."""
        try:
            synced = await self.tree.sync(guild=self._guild)
        except discord.HTTPException as exc:  # posting and reactions still work without /vad
            log.error(
                "discord: cannot register /vad (%s); was the bot invited with the "
                "applications.commands scope? See `vadbot discord invite-url`",
                exc,
            )
            return
        log.info("discord: %d command(s) synced", len(synced))

    # ---------------------------------------------------------------- commands

    async def answer(self, interaction: discord.Interaction[Any], command: str, text: str) -> None:
        """Run a `/vad` subcommand; answer at once when fast, else defer then follow up."""
        user = interaction.user
        request = Request(
            "discord", str(user.id), str(interaction.channel_id), command, text, user.name
        )
        task = asyncio.create_task(self.router.dispatch(request))
        done, _ = await asyncio.wait({task}, timeout=self.reply_budget)
        if task in done:
            reply = task.result()
            await interaction.response.send_message(**_reply_kwargs(reply))
            return
        # the answer's visibility is fixed by the defer: guess it from the request
        shared = command == "search" and text.startswith("share ")
        await interaction.response.defer(ephemeral=not shared, thinking=True)
        await interaction.followup.send(**_reply_kwargs(await task))

    # ---------------------------------------------------------------- reactions

    async def on_reaction(self, payload: discord.RawReactionActionEvent, added: bool) -> None:
        """Pass a reaction to the sink, unless it is the bot's own."""
        me = self.client.user
        if self.sink is None or (me is not None and payload.user_id == me.id):
            return
        guild = self.settings.guild_id
        if guild and str(payload.guild_id) != guild:  # only the configured server's posts
            log.info("discord: reaction from another server (%s) ignored", payload.guild_id)
            return
        member = payload.member  # only reaction adds carry it: remember roles for removals
        if member is not None:
            self._roles[payload.user_id] = tuple(
                str(r.id) for r in member.roles if not r.is_default()
            )
            self._names[payload.user_id] = member.display_name
        roles = self._roles.get(payload.user_id, ())
        event = ReactionEvent(
            "discord",
            str(payload.channel_id),
            str(payload.message_id),
            str(payload.user_id),
            str(payload.emoji),
            added,
            roles=roles,
            user_name=self._names.get(payload.user_id, ""),
        )
        try:
            await self.sink.on_reaction(event)
        except Exception:
            log.exception("discord: reaction on %s failed", payload.message_id)

    async def read_reactions(self, ref: MessageRef) -> list[ReactionEvent]:
        """The people's reactions now on a message (its reactions, then who made each)."""
        try:
            message = await self.client.http.get_message(ref.channel, ref.message_id)
            events = []
            for reaction in message.get("reactions") or []:
                emoji = discord.PartialEmoji.from_dict(reaction["emoji"])
                for user in await self._reactors(ref, emoji):
                    events.append(await self._present(ref, user, str(emoji)))
            return events
        except discord.HTTPException as exc:
            raise ChatError(f"Discord: reading the reactions on {ref.message_id}: {exc}") from None

    async def _reactors(self, ref: MessageRef, emoji: discord.PartialEmoji) -> list[Any]:
        """Every user who reacted with `emoji` (100 a page), the bot left out."""
        me, users, after = self.client.user, [], None
        while True:
            page = await self.client.http.get_reaction_users(
                ref.channel, ref.message_id, convert_emoji_reaction(emoji), 100, after=after
            )
            users += [u for u in page if me is None or u["id"] != str(me.id)]
            if len(page) < 100:
                return users
            after = page[-1]["id"]

    async def _present(self, ref: MessageRef, user: Any, emoji: str) -> ReactionEvent:
        user_id = int(user["id"])
        if user_id not in self._roles and self.settings.maintainer_roles:
            await self._fetch_member(ref, user_id)  # roles: the reaction itself does not say
        name = self._names.get(user_id) or user.get("global_name") or user.get("username", "")
        roles = self._roles.get(user_id, ())
        return ReactionEvent(
            "discord",
            ref.channel,
            ref.message_id,
            str(user_id),
            emoji,
            True,
            roles=roles,
            user_name=name,
        )

    async def _fetch_member(self, ref: MessageRef, user_id: int) -> None:
        channel = self.client.get_channel(int(ref.channel))
        guild = self.settings.guild_id or str(getattr(getattr(channel, "guild", None), "id", ""))
        if not guild:
            return
        try:
            member = await self.client.http.get_member(guild, user_id)
        except discord.NotFound:  # left the server: no roles
            self._roles[user_id] = ()
            return
        self._roles[user_id] = tuple(str(r) for r in member.get("roles", []) if str(r) != guild)
        user = member.get("user") or {}
        name = member.get("nick") or user.get("global_name") or user.get("username")
        if name:
            self._names[user_id] = str(name)

    # ---------------------------------------------------------------- ChatOut

    async def post(self, channel: str, card: Card) -> MessageRef:
        """Post a card to a channel."""
        return await self._send(channel, render_card(card))

    async def post_keyed(self, channel: str, card: Card, key: str) -> MessageRef:
        """Post a card carrying a nonce for `key`: Discord returns the earlier message instead
        of posting again when the same nonce comes back within a few minutes. The key is also
        tagged in the message, so `find_post` knows it later (history shows no nonce)."""
        payload = render_card(card)
        payload.update(nonce=nonce_for(key), enforce_nonce=True)
        tag_payload(payload, key)
        return await self._send(channel, payload)

    async def edit(self, ref: MessageRef, card: Card) -> None:
        """Replace a posted card."""
        params = MultipartParameters(payload=render_card(card), multipart=None, files=None)
        await self.client.http.edit_message(ref.channel, ref.message_id, params=params)

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Add the bot's reaction to a message."""
        await self.client.http.add_reaction(ref.channel, ref.message_id, emoji)

    async def find_post(
        self, channel: str, key: str, card: Card, since: datetime
    ) -> MessageRef | None:
        """The bot's recent message in `channel` tagged with `key` (after a crash mid-post); never
        matched on the title, which two candidates can share."""
        me, before = self.client.user, None
        while True:  # page back until the messages are older than the post's record
            page = await self.client.http.logs_from(channel, HISTORY_PAGE, before=before)
            for message in page:
                if discord.utils.parse_time(message["timestamp"]) < since - CLOCK_SKEW:
                    return None
                mine = me is not None and message["author"]["id"] == str(me.id)
                if mine and is_tagged(message, key):
                    return MessageRef(self.platform, channel, str(message["id"]))
            if len(page) < HISTORY_PAGE:
                return None
            before = page[-1]["id"]

    async def _send(self, channel: str, payload: dict[str, Any]) -> MessageRef:
        params = MultipartParameters(payload=payload, multipart=None, files=None)
        data = await self.client.http.send_message(channel, params=params)
        return MessageRef(self.platform, channel, str(data["id"]))


def _log_end(task: asyncio.Task[None]) -> None:
    """A gateway task that dies must say why, or Discord goes quiet without a trace."""
    if not task.cancelled() and task.exception() is not None:
        log.error("discord: gateway connection ended", exc_info=task.exception())


def _reply_kwargs(reply: Reply) -> dict[str, Any]:
    payload = render_reply(reply)
    return {
        "content": payload.get("content") or (None if payload["embeds"] else "Done."),
        "embeds": [discord.Embed.from_dict(e) for e in payload["embeds"]],
        "ephemeral": reply.ephemeral,
        "allowed_mentions": discord.AllowedMentions.none(),
    }


# ----------------------------------------------------------------------- rendering cards as embeds
#
# Cards as Discord embeds, inside Discord's limits, with every mention and link from text inert.
#
# Untrusted text gets markdown escaped, `@everyone`/`@here` and `<@…>`, `<#…>`, `<@&…>`, `</…>`
# broken with a zero-width space, and `://` broken so bare URLs do not link; `allowed_mentions`
# is empty on every message, so even a mention that slipped through pings nobody.

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
