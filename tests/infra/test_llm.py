"""The OpenAI-compatible client against a fake endpoint on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.llm import ChatMessage
from bot.errors import LlmError
from bot.infra.llm import LlmClient, LlmUsage, build_llm
from bot.infra.state import Database
from bot.settings import LlmSettings, load_settings
from tests.fakes import FakeClock
from tests.fakes.openai_server import FakeOpenAI, answer, echo_key, raw, slow, status

KEY = "sk-fake-llm-key-for-redaction-test"
HELLO: list[ChatMessage] = [{"role": "user", "content": "Say hello."}]


@pytest.fixture
async def server() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "state.sqlite3")


def client(
    base_url: str,
    db: Database,
    clock: FakeClock | None = None,
    *,
    key: str | None = KEY,
    timeout: float = 5.0,
    cap: int = 200,
) -> LlmClient:
    settings = LlmSettings(base_url, "qwen2.5:7b", timeout_seconds=timeout, daily_cap=cap)
    return LlmClient(settings, key, LlmUsage(db), clock or FakeClock())


async def test_answer_text_comes_back_and_the_key_goes_as_bearer(
    server: FakeOpenAI, db: Database
) -> None:
    server.script = [answer("  Hello there.\n")]
    llm = client(server.base_url, db)
    try:
        assert await llm.complete(HELLO) == "Hello there."
    finally:
        await llm.aclose()
    sent = server.requests[0]
    assert sent.headers["Authorization"] == f"Bearer {KEY}"
    assert sent.json["model"] == "qwen2.5:7b"
    assert sent.messages == HELLO


async def test_no_key_sends_no_authorization(server: FakeOpenAI, db: Database) -> None:
    llm = client(server.base_url, db, key=None)
    try:
        await llm.complete(HELLO)
    finally:
        await llm.aclose()
    assert "Authorization" not in server.requests[0].headers


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (status(429), "rate_limited"),
        (status(500), "server"),
        (status(503), "server"),
        (status(401), "refused"),
        (raw(b"{not json"), "malformed"),
        (raw(b'{"choices": []}'), "malformed"),
        (raw(b'{"choices": [{"message": {"content": null}}]}'), "malformed"),
        (raw(b"[" * 300_000), "too_large"),
    ],
)
async def test_every_failure_is_one_typed_error(
    server: FakeOpenAI, db: Database, reply: object, kind: str
) -> None:
    server.script = [reply]  # type: ignore[list-item]
    llm = client(server.base_url, db)
    try:
        with pytest.raises(LlmError) as caught:
            await llm.complete(HELLO)
    finally:
        await llm.aclose()
    assert caught.value.kind == kind
    assert "fake failure" not in str(caught.value)  # the server's text never reaches us


async def test_a_slow_server_is_cut_at_the_deadline(server: FakeOpenAI, db: Database) -> None:
    server.script = [slow()]
    llm = client(server.base_url, db, timeout=0.5)
    try:
        with pytest.raises(LlmError) as caught:
            await llm.complete(HELLO)
    finally:
        await llm.aclose()
    assert caught.value.kind == "timeout"


async def test_nothing_listening_is_unreachable(db: Database) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    llm = client(f"http://127.0.0.1:{port}/v1", db)
    try:
        with pytest.raises(LlmError) as caught:
            await llm.complete(HELLO)
    finally:
        await llm.aclose()
    assert caught.value.kind == "unreachable"


async def test_daily_cap_makes_no_request_and_resets_next_day(
    server: FakeOpenAI, db: Database, tmp_path: Path
) -> None:
    clock = FakeClock()
    llm = client(server.base_url, db, clock, cap=2)
    await llm.complete(HELLO)
    await llm.complete(HELLO)
    await llm.aclose()
    # A restart keeps the count: it lives in the state file.
    again = client(server.base_url, Database(tmp_path / "state.sqlite3"), clock, cap=2)
    try:
        with pytest.raises(LlmError) as caught:
            await again.complete(HELLO)
        assert caught.value.kind == "cap"
        assert len(server.requests) == 2
        clock.advance(days=1)
        await again.complete(HELLO)
    finally:
        await again.aclose()
    assert len(server.requests) == 3


async def test_key_never_in_answers_errors_or_logs(
    server: FakeOpenAI, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script = [echo_key(), echo_key(500), slow()]
    llm = client(server.base_url, db, timeout=0.5)
    errors: list[str] = []
    try:
        echoed = await llm.complete(HELLO)
        for _ in range(2):
            try:
                await llm.complete(HELLO)
            except LlmError as exc:
                errors.append(f"{exc!s} {exc!r}")
    finally:
        await llm.aclose()
    assert "Your header was" in echoed
    assert KEY not in echoed
    assert len(errors) == 2
    assert all(KEY not in e for e in errors)
    assert KEY not in caplog.text
    assert KEY not in repr(llm)


def test_build_llm_is_none_when_off_and_a_client_when_configured(db: Database) -> None:
    assert build_llm(load_settings(None, {}), db, FakeClock()) is None
    env = {"VADBOT_LLM__BASE_URL": "http://127.0.0.1:9/v1", "VADBOT_LLM__MODEL": "m"}
    assert isinstance(build_llm(load_settings(None, env), db, FakeClock()), LlmClient)
