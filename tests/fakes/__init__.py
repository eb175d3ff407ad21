"""Fakes of the core's ports: FakeClock, FakeChat, FakePoster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.models import Card, MessageRef


@dataclass
class FakeClock:
    """A clock that only moves when a test moves it."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class FakeChat:
    """A ChatOut that records what was posted, edited and reacted."""

    platform: str = "fake"
    posts: list[tuple[str, Card]] = field(default_factory=list)
    edits: list[tuple[MessageRef, Card]] = field(default_factory=list)
    reactions: list[tuple[MessageRef, str]] = field(default_factory=list)
    fail_next: int = 0

    async def post(self, channel: str, card: Card) -> MessageRef:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("fake platform is down")
        self.posts.append((channel, card))
        return MessageRef(self.platform, channel, str(len(self.posts)))

    async def edit(self, ref: MessageRef, card: Card) -> None:
        self.edits.append((ref, card))

    async def react(self, ref: MessageRef, emoji: str) -> None:
        self.reactions.append((ref, emoji))


@dataclass
class FakePoster:
    """A Poster that records (purpose, key, card) and posts each key once."""

    published: list[tuple[str, str, Card]] = field(default_factory=list)
    updated: list[tuple[str, Card]] = field(default_factory=list)
    fail_next: int = 0

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("fake platform is down")
        if all(k != key for _, k, _ in self.published):
            self.published.append((purpose, key, card))
        return [MessageRef("fake", purpose, key)]

    async def update(self, key: str, card: Card) -> None:
        self.updated.append((key, card))


def with_platforms(outbox: Any, platforms: Any) -> Any:
    """The outbox with its platforms added, as build_bot closes the cycle."""
    outbox.add_platforms(platforms)
    return outbox
