"""The optional LLM: an OpenAI-compatible chat client over httpx, with a daily cap in the state.

One call is `POST {base_url}/chat/completions` with the model and the messages (and the key as
a Bearer token when `LLM_API_KEY` is set), the shape Ollama, vLLM, DeepSeek and OpenAI all
serve. The whole call (connect, send, read) has ONE deadline, `llm.timeout_seconds`; the answer
is read up to MAX_RESPONSE_BYTES. Whatever goes wrong (429, 5xx, a refusal, a timeout, nothing
listening, broken JSON, a huge body, the daily cap) is one `LlmError` whose `kind` says which,
and whose text is ours: the server's words, and so the key a careless server echoes, never
reach a log, an error or chat. Each call is counted before it is made, in `llm_calls`; once
`llm.daily_cap` calls were made on a UTC day, no request is sent until the next day.

    llm = build_llm(settings, db, clock)          # None when llm.base_url is empty
    text = await llm.complete([{"role": "user", "content": "…"}])
    await llm.aclose()
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import httpx

from bot import __version__
from bot.core.llm import ChatMessage
from bot.core.ports import Clock
from bot.errors import LlmError, LlmFailure
from bot.infra.state import Database
from bot.infra.tls import ssl_context
from bot.settings import LlmSettings, Settings

MAX_RESPONSE_BYTES = 256 * 1024
"""A chat answer of a few lines is a few KB; anything past this is not an answer."""
REDACTED = "[redacted]"


class LlmUsage:
    """Calls made per UTC day, in the state file, so the cap holds across restarts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def take(self, day: str, cap: int) -> bool:
        """Count one call on `day` if fewer than `cap` were made; False (nothing counted) if not."""
        if cap <= 0:
            return False
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM llm_calls WHERE day < ?", (day,))
            cursor = conn.execute(
                "INSERT INTO llm_calls(day, calls) VALUES(?, 1) "
                "ON CONFLICT(day) DO UPDATE SET calls = calls + 1 WHERE calls < ?",
                (day, cap),
            )
            return cursor.rowcount == 1

    def count(self, day: str) -> int:
        """Calls made on `day`."""
        rows = self.db.query("SELECT calls FROM llm_calls WHERE day = ?", (day,))
        return int(rows[0]["calls"]) if rows else 0


class LlmClient:
    """An OpenAI-compatible endpoint; `complete` is the core's `Complete`."""

    def __init__(
        self,
        settings: LlmSettings,
        api_key: str | None,
        usage: LlmUsage,
        clock: Clock,
        *,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.settings = settings
        self.url = settings.base_url.rstrip("/") + "/chat/completions"
        self._key = api_key or None
        self._usage = usage
        self._clock = clock
        self._max_bytes = max_response_bytes
        self._http: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"LlmClient(url={self.url!r}, model={self.settings.model!r})"

    async def complete(self, messages: Sequence[ChatMessage]) -> str:
        """The answer's text (trimmed); LlmError when there is none or the cap is reached."""
        day = self._clock.now().date().isoformat()
        if not self._usage.take(day, self.settings.daily_cap):
            cap = self.settings.daily_cap
            raise LlmError(f"the LLM's daily cap of {cap} calls is reached", "cap")
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                status, body = await self._post(messages)
        except (TimeoutError, httpx.TimeoutException):
            seconds = self.settings.timeout_seconds
            raise self._error(f"no answer within {seconds:g} s", "timeout") from None
        except httpx.TransportError as exc:
            reason = f"cannot reach the endpoint ({type(exc).__name__})"
            raise self._error(reason, "unreachable") from None
        if body is None:
            raise self._error(f"answer larger than {self._max_bytes // 1024} KB", "too_large")
        if status == 429:
            raise self._error("rate limited (429)", "rate_limited")
        if status >= 500:
            raise self._error(f"server error ({status})", "server")
        if status != 200:
            raise self._error(f"refused the call ({status})", "refused")
        return self._redact(_answer_text(body))

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _post(self, messages: Sequence[ChatMessage]) -> tuple[int, bytes | None]:
        """Status and body, or None for a body over the size cap (read no further)."""
        headers = {"User-Agent": f"vadbot/{__version__}"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        payload = {"model": self.settings.model, "messages": list(messages), "stream": False}
        http = self._client()
        async with http.stream("POST", self.url, json=payload, headers=headers) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_bytes:
                    return response.status_code, None
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            timeout = httpx.Timeout(self.settings.timeout_seconds)
            self._http = httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, verify=ssl_context()
            )
        return self._http

    def _error(self, reason: str, kind: LlmFailure) -> LlmError:
        return LlmError(self._redact(f"LLM {self.settings.model}: {reason}"), kind)

    def _redact(self, text: str) -> str:
        return text.replace(self._key, REDACTED) if self._key else text


def _answer_text(body: bytes) -> str:
    """`choices[0].message.content` of an OpenAI-style answer, trimmed; LlmError otherwise."""
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, LookupError, TypeError):
        raise LlmError("LLM answer is not an OpenAI-style chat completion", "malformed") from None
    if not isinstance(content, str):
        raise LlmError("LLM answer has no text", "malformed")
    return content.strip()


def build_llm(settings: Settings, db: Database, clock: Clock) -> LlmClient | None:
    """The configured client, or None when `llm.base_url` is empty (the default: off)."""
    if not settings.llm.enabled:
        return None
    return LlmClient(settings.llm, settings.secrets.llm_api_key, LlmUsage(db), clock)
