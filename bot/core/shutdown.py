"""Stopping cleanly: once the service is told to stop, no job starts a new post.

Jobs post through a `PostGate` around the real Poster. Closing the gate lets the post in flight
finish (it is confirmed and recorded, so nothing is doubled on restart) and makes the next one
raise `ShuttingDown`, which ends the job early; its cursor has not moved past what was posted,
so the next start carries on where this one stopped.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Card, MessageRef
from bot.core.ports import Poster
from bot.errors import VadbotError


class ShuttingDown(VadbotError):
    """The service is stopping: a job meets this instead of starting a new post."""


class PostGate:
    """A Poster that refuses new posts once closed, and lets the one in flight finish."""

    def __init__(self, poster: Poster) -> None:
        self.poster = poster
        self.closed = False
        self.in_flight = 0

    def close(self) -> None:
        """Refuse every post from now on."""
        self.closed = True

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        """Post through the real Poster, unless the service is stopping."""
        self._check(key)
        self.in_flight += 1
        try:
            return await self.poster.publish(purpose, key, card)
        finally:
            self.in_flight -= 1

    async def update(self, key: str, card: Card) -> None:
        """Edit through the real Poster, unless the service is stopping."""
        self._check(key)
        await self.poster.update(key, card)

    def _check(self, key: str) -> None:
        if self.closed:
            raise ShuttingDown(f"not posting {key}: vadbot is shutting down")
