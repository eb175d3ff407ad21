"""Fixtures the core's LLM tests share: a fake OpenAI-compatible server and clients of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.infra.llm import LlmClient, LlmUsage
from bot.infra.state import Database
from bot.settings import LlmSettings
from tests.fakes import FakeClock
from tests.fakes.openai_server import KEY, FakeOpenAI, MakeLlm


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def make_llm(tmp_path: Path) -> AsyncIterator[MakeLlm]:
    clients: list[LlmClient] = []

    def make(base_url: str, *, timeout: float = 5.0, cap: int = 200) -> LlmClient:
        settings = LlmSettings(base_url, "qwen2.5:7b", timeout_seconds=timeout, daily_cap=cap)
        db = Database(tmp_path / "state.sqlite3")
        clients.append(LlmClient(settings, KEY, LlmUsage(db), FakeClock()))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()
