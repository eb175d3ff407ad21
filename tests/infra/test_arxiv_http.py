"""The arXiv client against httpx's MockTransport: politeness, retries, broken answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from bot.errors import FeedError
from bot.infra.arxiv_http import ArxivClient
from bot.settings import ArxivSettings
from tests.fakes.arxiv import VAD_PAPERS, api_feed

DATA = Path(__file__).resolve().parents[1] / "data"
RSS = (DATA / "rss2_cs.AI_2026-04-27_distill.xml").read_bytes()
Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Timeline:
    """A fake monotonic clock that only the fake sleep moves."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def client_for(handler: Handler, timeline: Timeline, **changes: object) -> ArxivClient:
    settings = ArxivSettings(contact="lab@example.org", **changes)  # type: ignore[arg-type]
    return ArxivClient(
        settings,
        transport=httpx.MockTransport(handler),
        sleep=timeline.sleep,
        monotonic=timeline.monotonic,
    )


async def test_feed_is_one_request_for_all_categories_with_a_polite_user_agent() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, content=RSS, headers={"ETag": '"abc"', "Last-Modified": "x"})

    async with client_for(handler, Timeline()) as client:
        feed = await client.fetch_latest({})
    assert str(requests[0].url) == "https://rss.arxiv.org/rss/cs.CV+cs.AI+cs.CL+cs.MM+cs.LG+eess.IV"
    assert requests[0].headers["User-Agent"] == "vadbot/0.1.0 (+mailto:lab@example.org)"
    assert [p.arxiv_id for p in feed.papers] == ["2604.21935", "2604.21936", "2604.21937"]
    assert feed.validators == {"etag": '"abc"', "last_modified": "x"}


async def test_304_means_nothing_new() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("If-None-Match") == '"abc"':
            return httpx.Response(304)
        return httpx.Response(200, content=RSS)

    async with client_for(handler, Timeline()) as client:
        feed = await client.fetch_latest({"etag": '"abc"'})
    assert feed.not_modified
    assert feed.papers == ()
    assert feed.validators == {"etag": '"abc"'}


async def test_429_waits_as_long_as_retry_after_says() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, content=RSS)]
    timeline = Timeline()
    async with client_for(lambda r: answers.pop(0), timeline) as client:
        feed = await client.fetch_latest({})
    assert len(feed.papers) == 3
    assert 7.0 in timeline.sleeps


async def test_503_is_retried_with_growing_backoff_then_reported() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    timeline = Timeline()
    async with client_for(handler, timeline, max_retries=3) as client:
        with pytest.raises(FeedError, match="503"):
            await client.fetch_latest({})
    assert len(calls) == 4
    assert timeline.sleeps == sorted(timeline.sleeps)
    assert timeline.sleeps[0] >= 3.0


async def test_timeout_is_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, content=RSS)

    async with client_for(handler, Timeline()) as client:
        feed = await client.fetch_latest({})
    assert len(feed.papers) == 3
    assert len(calls) == 2


@pytest.mark.parametrize(
    "body",
    [RSS[: len(RSS) // 2], b"<html><body>Service unavailable</body></html>", b""],
    ids=["truncated", "html", "empty"],
)
async def test_broken_answers_raise_feed_error(body: bytes) -> None:
    async with client_for(lambda r: httpx.Response(200, content=body), Timeline()) as client:
        with pytest.raises(FeedError):
            await client.fetch_latest({})


async def test_client_error_is_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404)

    async with client_for(handler, Timeline()) as client:
        with pytest.raises(FeedError, match="404"):
            await client.fetch_latest({})
    assert len(calls) == 1


async def test_requests_are_spaced_by_the_configured_delay() -> None:
    timeline = Timeline()
    async with client_for(lambda r: httpx.Response(200, content=RSS), timeline) as client:
        await client.fetch_latest({})
        await client.fetch_latest({})
    assert timeline.sleeps == [3.0]


async def test_api_search_pages_through_every_result_three_seconds_apart() -> None:
    seen: list[httpx.Request] = []
    pages = {"0": api_feed(VAD_PAPERS[:2], total=3), "2": api_feed(VAD_PAPERS[2:], total=3)}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=pages[request.url.params["start"]].encode())

    timeline = Timeline()
    start, end = datetime(2026, 11, 17, tzinfo=UTC), datetime(2026, 11, 19, 23, 59, tzinfo=UTC)
    async with client_for(handler, timeline, api_page_size=2) as client:
        papers = await client.search(start, end)
    assert [p.arxiv_id for p in papers] == [i.arxiv_id for i in VAD_PAPERS]
    query = seen[0].url.params["search_query"]
    assert "submittedDate:[202611170000 TO 202611192359]" in query
    assert "cat:cs.CV" in query
    assert "all:anomal*" in query
    assert timeline.sleeps == [3.0]


async def test_fetch_by_ids_accepts_any_form_of_id() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=api_feed(VAD_PAPERS[:2]).encode())

    async with client_for(handler, Timeline()) as client:
        papers = await client.fetch_by_ids(["2611.01234v2", "https://arxiv.org/pdf/2611.02345"])
    assert seen[0].url.params["id_list"] == "2611.01234,2611.02345"
    assert [p.title for p in papers] == [VAD_PAPERS[0].title, VAD_PAPERS[1].title]
    assert papers[0].code_url == "https://github.com/lab/rare"


async def test_connection_refused_is_reported_at_once_naming_the_host() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    timeline = Timeline()
    async with client_for(handler, timeline, max_retries=2) as client:
        with pytest.raises(FeedError, match=r"cannot reach rss\.arxiv\.org: connection refused"):
            await client.fetch_latest({})
    assert timeline.sleeps == []


async def test_an_unknown_host_is_reported_at_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    timeline = Timeline()
    async with client_for(handler, timeline) as client:
        with pytest.raises(FeedError, match=r"cannot reach feeds\.example: its name does not"):
            await client.fetch_url("https://feeds.example/rss")
    assert timeline.sleeps == []


async def test_a_connection_dropped_mid_answer_is_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    timeline = Timeline()
    async with client_for(handler, timeline, max_retries=2) as client:
        with pytest.raises(FeedError, match=r"rss\.arxiv\.org unreachable \(ReadError\) ×3"):
            await client.fetch_latest({})
    assert len(timeline.sleeps) == 2


async def test_retry_after_as_an_http_date_is_honoured() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    answers = [
        httpx.Response(503, headers={"Retry-After": later}),
        httpx.Response(200, content=RSS),
    ]
    timeline = Timeline()
    async with client_for(lambda r: answers.pop(0), timeline) as client:
        await client.fetch_latest({})
    assert 50 < timeline.sleeps[0] <= 60


async def test_a_mistyped_url_fails_at_once_instead_of_being_retried() -> None:
    timeline = Timeline()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'htps://'.")

    async with client_for(handler, timeline) as client:
        with pytest.raises(FeedError, match="unsupported protocol"):
            await client.fetch_url("htps://rss.arxiv.org/rss/cs.CV")
    assert timeline.sleeps == []  # no backoff: retrying a typo only makes the user wait
