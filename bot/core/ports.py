"""The small interfaces the core needs from the outside world. Infra and adapters implement them;
tests use the fakes in `tests/fakes/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.models import Card, MessageRef, ReactionEvent

# ---------------------------------------------------------------------------- time


class Clock(Protocol):
    """Tells the time; injected so that tests never wait."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


# ---------------------------------------------------------------------------- chat


class ChatOut(Protocol):
    """One chat platform's outgoing side: post, edit and react. Adapters implement it."""

    platform: str

    async def post(self, channel: str, card: Card) -> MessageRef:
        """Post a card; returns where it landed once the platform has confirmed it."""
        ...

    async def edit(self, ref: MessageRef, card: Card) -> None:
        """Replace the content of a posted message."""
        ...

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Add the bot's own reaction to a posted message."""
        ...


class Poster(Protocol):
    """Posts a card to every platform's channel for a purpose, exactly once per key.

    `purpose` is one of: papers (new entries), candidates, digest, admin.
    `key` names what the card is about ("entry:<id>", "candidate:<n>", "digest:<week>"): posting
    the same key twice posts once. Returns when every platform has confirmed (or the post is
    safely queued for retry in the outbox).
    """

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        """Post `card` for `purpose` once per platform; the refs of the confirmed posts."""
        ...

    async def update(self, key: str, card: Card) -> None:
        """Edit every post made for `key`, on every platform."""
        ...


# ---- chat


class ReactionSink(Protocol):
    """Receives every reaction added or removed on any platform (the votes area implements it)."""

    async def on_reaction(self, event: ReactionEvent) -> None:
        """Handle one reaction event; the same `event_id` twice must change nothing."""
        ...
