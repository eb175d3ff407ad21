"""Fake platforms and a small catalog for the adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.commands import CommandRouter, build_router
from bot.core.models import Entry
from bot.core.search.engine import SearchIndex
from bot.infra.yaml_files import load_catalog
from tests.fakes.discord import FakeDiscord
from tests.fakes.platforms import FakeReactionSink
from tests.fakes.slack import FakeSlack


@pytest.fixture(scope="session")
def catalog_entries() -> tuple[Entry, ...]:
    """The project's own catalog (the seed list), so searches run on real data."""
    return load_catalog(Path(__file__).resolve().parents[2] / "catalog").entries


@pytest.fixture
def router(catalog_entries: tuple[Entry, ...]) -> CommandRouter:
    return build_router(SearchIndex(catalog_entries))


@pytest.fixture
def sink() -> FakeReactionSink:
    return FakeReactionSink()


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
