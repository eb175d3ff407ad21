"""A fake OpenAI-compatible chat endpoint on 127.0.0.1 (what Ollama, vLLM, DeepSeek serve).

`POST /v1/chat/completions` answers from a script, one reply per call, in order; when the script
is empty it answers `relevant` with a reason. Replies: `answer(text)`, `status(429)`, `slow()`
(the answer never comes before the test ends, so the client's deadline fires), `raw(body)` (any
bytes, e.g. broken JSON), `echo_key()` (the Authorization header sent back as the answer, as a
careless proxy might, or in an error body). Every request is recorded in `fake.requests`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.local import serve_locally

if TYPE_CHECKING:
    from bot.infra.llm import LlmClient

MakeLlm = Callable[..., "LlmClient"]
"""Builds a client of the fake server: `make_llm(server.base_url, timeout=…, cap=…)`."""
KEY = "sk-fake-llm-key-for-redaction-test"
"""The LLM key the tests give; it must never show in an answer, an error or a log."""


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    content: str | None = None
    body: bytes | None = None
    slow: bool = False
    echo_key: bool = False


def answer(text: str) -> Reply:
    """A 200 with `text` as the assistant's message."""
    return Reply(content=text)


def status(code: int, body: str = '{"error": {"message": "fake failure"}}') -> Reply:
    """An error status with a small JSON body."""
    return Reply(status=code, body=body.encode())


def slow() -> Reply:
    """No answer until the server closes: the client's deadline must end the call."""
    return Reply(slow=True)


def raw(body: bytes) -> Reply:
    """A 200 whose body is exactly `body`."""
    return Reply(body=body)


def echo_key(code: int = 200) -> Reply:
    """The Authorization header sent, repeated: in the answer (200) or the error body."""
    return Reply(status=code, echo_key=True)


@dataclass
class Request:
    headers: dict[str, str]
    json: Any

    @property
    def messages(self) -> list[dict[str, str]]:
        return list(self.json.get("messages") or [])

    @property
    def prompt(self) -> str:
        """All messages' text, joined, for asserting what the model was shown."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class FakeOpenAI:
    """`await start()`, point the client at `base_url`, queue replies in `script`."""

    script: list[Reply] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    default: Reply = field(default_factory=lambda: answer("relevant\nIt detects video anomalies."))
    by_text: dict[str, Reply] = field(default_factory=dict)
    """Replies chosen by what the prompt contains (calls made at once arrive in any order)."""
    port: int = 0
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        self._runner, self.port = await serve_locally(app)

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _complete(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(Request(dict(request.headers), body))
        prompt = self.requests[-1].prompt if isinstance(body, dict) else ""
        chosen = [r for text, r in self.by_text.items() if text in prompt]
        reply = chosen[0] if chosen else self.script.pop(0) if self.script else self.default
        if reply.slow:
            await self._release.wait()
            return web.Response(status=503)
        if reply.echo_key:
            sent = request.headers.get("Authorization", "")
            if reply.status != 200:
                return web.Response(status=reply.status, text=f"bad credentials: {sent}")
            return _completion(f"relevant\nYour header was {sent}")
        if reply.body is not None:
            return web.Response(status=reply.status, body=reply.body)
        return _completion(reply.content or "")


def _completion(text: str) -> web.Response:
    """The shape every OpenAI-compatible server answers with (trimmed to what clients read)."""
    payload = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": "fake-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    return web.Response(text=json.dumps(payload), content_type="application/json")
