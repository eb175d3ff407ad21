"""The real clock, for the composition root and the commands; tests inject a FakeClock."""

from __future__ import annotations

from datetime import UTC, datetime


class UtcClock:
    """The real clock (implements `bot.core.ports.Clock`)."""

    def now(self) -> datetime:
        return datetime.now(UTC)
