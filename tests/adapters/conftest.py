"""Fake platforms and a small catalog for the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.core.commands import CommandRouter, build_router
from bot.core.models import Entry, ReactionEvent
from bot.core.search import SearchIndex
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack

VERA = Entry(
    "vera",
    "paper",
    "VERA: Explainable Video Anomaly Detection via Verbalized Learning of Vision-Language Models",
    "CVPR",
    2025,
    {"paper": "https://arxiv.org/abs/2412.01095", "code": "https://github.com/vera-framework/VERA"},
)
HOLMES = Entry("holmes-vau", "paper", "Holmes-VAU: Towards Long-term Video Anomaly Understanding")


@dataclass
class RecordingSink:
    """A ReactionSink that keeps every event it receives."""

    events: list[ReactionEvent] = field(default_factory=list)

    async def on_reaction(self, event: ReactionEvent) -> None:
        self.events.append(event)


@pytest.fixture
def router() -> CommandRouter:
    return build_router(SearchIndex([VERA, HOLMES]))


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(roles=("555",))
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()
