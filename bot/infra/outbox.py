"""The outbox: the real `Poster`. Every post is recorded before it is sent and confirmed after.

A post row moves pending → sending → sent. A row left in `sending` (the bot died, or the call
failed, after the request may have reached the platform) is never blindly re-sent: the platform
is asked first whether the post is there (`find_post`: the channel's history paged back to the
time the post was recorded, matched on the key the message carries — Slack message metadata, a
tag in the Discord card — never on its title; and a Discord nonce with `enforce_nonce`, so a
quick resend returns the first message). So a crash between "recorded" and "confirmed" posts
exactly once, however busy the channel was meanwhile.

Posts and edits go through one queue per (platform, channel): Slack allows about one message a
second per channel, Discord a few (the bot's own reactions are not paced); a 429 (RateLimited)
waits its Retry-After. The clock and the sleep are injected, so tests never wait.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from bot.core.models import Card, CardField, Link, MessageRef
from bot.core.ports import ChatPlatform, Clock
from bot.errors import ChatError, RateLimited
from bot.infra.state import Database
from bot.settings import ChannelSettings, Settings

log = logging.getLogger(__name__)

PURPOSES = ("papers", "candidates", "digest", "admin")
INTERVALS = {"slack": 1.1, "discord": 0.25}
"""Seconds between two sends to one channel (Slack: ~1 message/s/channel; Discord: 5 per 5 s)."""
MAX_RATE_LIMITS = 5
Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class Pacer:
    """One queue per (platform, channel): sends wait their turn, spaced by the platform's pace."""

    def __init__(
        self,
        intervals: Mapping[str, float] = INTERVALS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.intervals = dict(intervals)
        self.monotonic = monotonic
        self.sleep = sleep
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._next: dict[tuple[str, str], float] = {}

    async def run(self, platform: str, channel: str, call: Callable[[], Awaitable[T]]) -> T:
        """Run `call` when the channel's turn comes; 429s wait their Retry-After and retry."""
        lane = (platform, channel)
        async with self._locks.setdefault(lane, asyncio.Lock()):
            for attempt in range(MAX_RATE_LIMITS + 1):
                wait = self._next.get(lane, 0.0) - self.monotonic()
                if wait > 0:
                    await self.sleep(wait)
                self._next[lane] = self.monotonic() + self.intervals.get(platform, 0.0)
                try:
                    return await call()
                except RateLimited as exc:
                    if attempt == MAX_RATE_LIMITS:
                        raise
                    log.warning(
                        "%s: rate limited in %s, waiting %.1f s", platform, channel, exc.retry_after
                    )
                    self._next[lane] = self.monotonic() + exc.retry_after
            raise AssertionError("unreachable")


class Outbox:
    """Posts each (purpose, key) once per platform channel, surviving crashes and 429s."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, ChannelSettings],
        clock: Clock,
        pacer: Pacer | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.db = db
        self.redact = redact
        """Errors are stored redacted: a platform (or a proxy) can echo the token back."""
        self.senders: dict[str, ChatPlatform] = {}
        self.channels = channels
        self.clock = clock
        self.pacer = pacer or Pacer()
        self._inflight: dict[int, asyncio.Future[MessageRef | None]] = {}
        self.hand_off = False
        """True in a one-shot command while the service runs: posts are only recorded, and the
        service (the one sender) sends them with its next flush."""

    def add_platforms(self, platforms: Sequence[ChatPlatform]) -> None:
        """The platforms posts go to (built after the outbox: they hand reactions to the vote
        flow, which posts through the outbox)."""
        self.senders.update((platform.platform, platform) for platform in platforms)

    # ---------------------------------------------------------------- Poster

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        """Post `card` for `purpose` once per platform; the refs of the confirmed posts."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}; one of {', '.join(PURPOSES)}")
        self._record(purpose, key, card)
        if self.hand_off:
            return []
        rows = self.db.query("SELECT * FROM posts WHERE key = ? AND purpose = ?", (key, purpose))
        results = await asyncio.gather(*(self._deliver(row) for row in rows))
        return [ref for ref in results if ref is not None]

    async def update(self, key: str, card: Card) -> None:
        """Edit every post made for `key`; posts not yet sent will go out with this card."""
        self.db.execute("UPDATE posts SET card = ? WHERE key = ?", (dump_card(card), key))
        refs = [] if self.hand_off else self.refs(key)
        results = await asyncio.gather(
            *(self._edit(ref, card) for ref in refs), return_exceptions=True
        )
        for ref, result in zip(refs, results, strict=True):
            if isinstance(result, BaseException):
                log.error("%s: editing %s failed: %s", ref.platform, key, result)

    # ---------------------------------------------------------------- lookups

    def find_key(self, platform: str, message_id: str, channel: str | None = None) -> str | None:
        """The key a platform message was posted for (the votes area maps reactions with it).
        With `channel`, only a post in that channel: a Slack ts is unique per channel only."""
        rows = self.db.query(
            "SELECT key FROM posts WHERE platform = ? AND message_id = ? "
            "AND (? IS NULL OR channel = ?)",
            (platform, message_id, channel, channel),
        )
        return str(rows[0]["key"]) if rows else None

    def refs(self, key: str) -> list[MessageRef]:
        """Where the confirmed posts of `key` live."""
        rows = self.db.query(
            "SELECT platform, channel, message_id FROM posts WHERE key = ? AND status = 'sent'",
            (key,),
        )
        return [MessageRef(r["platform"], r["channel"], r["message_id"]) for r in rows]

    def unsent(self) -> int:
        """How many posts are recorded but not confirmed (for `vadbot status`)."""
        return int(self.db.query("SELECT count(*) FROM posts WHERE status != 'sent'")[0][0])

    def unfinished(self) -> int:
        """How many posts are not confirmed or lack their own reactions (work for `flush`)."""
        query = "SELECT count(*) FROM posts WHERE status != 'sent' OR reacted = 0"
        return int(self.db.query(query)[0][0])

    async def flush(self, platforms: Collection[str] | None = None) -> int:
        """Deliver every unconfirmed post (of `platforms`, default all), and add the reactions
        a sent post lacks; how many posts went out."""
        if self.hand_off:
            return 0
        rows = self.db.query("SELECT * FROM posts WHERE status != 'sent' ORDER BY id")
        wanted = set(self.senders) if platforms is None else set(platforms) & set(self.senders)
        rows = [r for r in rows if r["platform"] in wanted]
        await self._react_missing(wanted)
        results = await asyncio.gather(*(self._deliver(row) for row in rows))
        return sum(1 for ref in results if ref is not None)

    # ---------------------------------------------------------------- delivery

    def enqueue(self, purpose: str, key: str, card: Card, platforms: Sequence[str]) -> None:
        """Record a post for `platforms` without sending it: the running service's outbox sends
        it (a one-shot command hands its posts over this way, never connecting itself)."""
        self._record(purpose, key, card, platforms)

    def _record(
        self, purpose: str, key: str, card: Card, platforms: Sequence[str] | None = None
    ) -> None:
        now = self.clock.now().isoformat()
        with self.db.transaction() as conn:
            for platform in self.senders if platforms is None else platforms:
                channel = getattr(self.channels.get(platform, ChannelSettings()), purpose)
                if channel:
                    conn.execute(
                        "INSERT OR IGNORE INTO posts(key, purpose, platform, channel, card, "
                        "created_at, reacted) VALUES(?, ?, ?, ?, ?, ?, 0)",
                        (key, purpose, platform, channel, dump_card(card), now),
                    )

    async def _deliver(self, row: Any) -> MessageRef | None:
        """Deliver one recorded post; a post already on its way is awaited, not sent twice."""
        if row["status"] == "sent":
            return MessageRef(row["platform"], row["channel"], row["message_id"])
        task = self._inflight.get(row["id"])
        if task is None:
            task = asyncio.ensure_future(self._deliver_once(row["id"]))
            self._inflight[row["id"]] = task
            task.add_done_callback(lambda _: self._inflight.pop(row["id"], None))
        return await task

    async def _deliver_once(self, row_id: int) -> MessageRef | None:
        """Send one recorded post unless it is confirmed, or found on the platform."""
        row = self.db.query("SELECT * FROM posts WHERE id = ?", (row_id,))[0]
        if row["status"] == "sent":
            return MessageRef(row["platform"], row["channel"], row["message_id"])
        sender = self.senders.get(row["platform"])
        if sender is None:
            return None
        card = parse_card(row["card"])
        try:
            ref = await self._find_or_send(sender, row, card)
        except Exception as exc:  # a platform down must not stop the others
            self.db.execute(
                "UPDATE posts SET last_error = ? WHERE id = ?",
                (self.redact(_short(exc)), row["id"]),
            )
            log.error(
                "%s: post %s to %s failed: %s",
                row["platform"],
                row["key"],
                row["channel"],
                _short(exc),
            )
            return None
        self.db.execute(
            "UPDATE posts SET status = 'sent', message_id = ?, sent_at = ?, last_error = NULL "
            "WHERE id = ?",
            (ref.message_id, self.clock.now().isoformat(), row["id"]),
        )
        await self._finish_reactions(sender, row_id, ref, card)
        return ref

    async def _finish_reactions(
        self, sender: ChatPlatform, row_id: int, ref: MessageRef, card: Card
    ) -> None:
        """Add the post's own reactions, and remember they are there (a restart adds them to a
        post that lacks them: adding one twice is harmless on both platforms)."""
        if await self._react(sender, ref, card):
            self.db.execute("UPDATE posts SET reacted = 1 WHERE id = ?", (row_id,))

    async def _react_missing(self, platforms: Collection[str]) -> None:
        rows = self.db.query("SELECT * FROM posts WHERE status = 'sent' AND reacted = 0")
        for row in rows:
            sender = self.senders.get(row["platform"])
            if sender is not None and row["platform"] in platforms:
                ref = MessageRef(row["platform"], row["channel"], row["message_id"])
                await self._finish_reactions(sender, row["id"], ref, parse_card(row["card"]))

    async def _find_or_send(self, sender: ChatPlatform, row: Any, card: Card) -> MessageRef:
        key, channel = row["key"], row["channel"]
        if row["status"] == "sending":  # it may have reached the platform before we died
            since = datetime.fromisoformat(row["created_at"])
            found = await self.pacer.run(
                sender.platform, channel, lambda: sender.find_post(channel, key, card, since)
            )
            if found is not None:
                log.info("%s: post %s was already in %s", sender.platform, key, channel)
                return found
        self.db.execute(
            "UPDATE posts SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
            (row["id"],),
        )
        ref = await self.pacer.run(
            sender.platform, channel, lambda: sender.post_keyed(channel, card, key)
        )
        return ref

    async def _react(self, sender: ChatPlatform, ref: MessageRef, card: Card) -> bool:
        # The bot's own reactions are not paced like posts (Slack allows ~50 a minute, Discord
        # rate-limits them apart from messages); a 429 still waits its Retry-After, once.
        done = True
        for emoji in card.reactions:
            try:
                try:
                    await sender.react(ref, emoji)
                except RateLimited as exc:
                    await self.pacer.sleep(exc.retry_after)
                    await sender.react(ref, emoji)
            except (ChatError, OSError) as exc:
                log.warning(
                    "%s: reaction %s on %s failed: %s", ref.platform, emoji, ref.message_id, exc
                )
                done = False
        return done

    async def _edit(self, ref: MessageRef, card: Card) -> None:
        sender = self.senders.get(ref.platform)
        if sender is not None:
            await self.pacer.run(ref.platform, ref.channel, lambda: sender.edit(ref, card))


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


# -------------------------------------------------------------------- card as JSON


def dump_card(card: Card) -> str:
    """A card as JSON text, for the posts table."""
    return json.dumps(dataclasses.asdict(card), ensure_ascii=False)


def parse_card(text: str) -> Card:
    """A card back from `dump_card` JSON."""
    return _card(json.loads(text))


def _card(data: dict[str, Any]) -> Card:
    return Card(
        title=data["title"],
        url=data.get("url"),
        body=data.get("body", ""),
        fields=tuple(CardField(**f) for f in data.get("fields", ())),
        links=tuple(Link(**link) for link in data.get("links", ())),
        footer=data.get("footer", ""),
        image=data.get("image"),
        reactions=tuple(data.get("reactions", ())),
        kind=data.get("kind", "info"),
        items=tuple(_card(item) for item in data.get("items", ())),
        edit=data.get("edit"),
    )


CONSOLE_CHANNELS = ChannelSettings(
    papers="papers", candidates="candidates", digest="digest", admin="admin"
)


def channels_of(settings: Settings) -> dict[str, ChannelSettings]:
    """Each platform's channel per purpose (the console's are fixed names)."""
    return {
        "discord": settings.discord.channels,
        "slack": settings.slack.channels,
        "console": CONSOLE_CHANNELS,
    }


def platforms_of(settings: Settings) -> list[str]:
    """The platforms `vadbot run` connects with these settings: those with a token, else the
    console."""
    secrets = settings.secrets
    found = [
        name
        for name, token in (("slack", secrets.slack_bot_token), ("discord", secrets.discord_token))
        if token
    ]
    return found or ["console"]
