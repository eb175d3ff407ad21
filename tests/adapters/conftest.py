"""Fake platforms and a small catalog for the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.commands import CommandRouter, build_router
from bot.core.models import Entry, ReactionEvent
from bot.core.search import SearchIndex
from bot.infra.yaml_files import load_catalog
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack


@dataclass
class RecordingSink:
    """A ReactionSink that keeps every event it receives."""

    events: list[ReactionEvent] = field(default_factory=list)

    async def on_reaction(self, event: ReactionEvent) -> None:
        self.events.append(event)


@pytest.fixture(scope="session")
def catalog_entries() -> tuple[Entry, ...]:
    """The project's own catalog (the seed list), so searches run on real data."""
    return load_catalog(Path(__file__).resolve().parents[2] / "catalog").entries


@pytest.fixture
def router(catalog_entries: tuple[Entry, ...]) -> CommandRouter:
    return build_router(SearchIndex(catalog_entries))


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
