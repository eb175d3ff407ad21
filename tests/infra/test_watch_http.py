"""The watch end to end: real client over MockTransport, real SQLite state, fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from bot.core.arxiv.watch import FEED_DATE_KEY, CatalogPapers, WatchReport, build_rules, run_watch
from bot.infra.arxiv_http import ArxivClient
from bot.infra.state import Database
from bot.infra.stores import CandidateStore
from bot.settings import ArxivSettings
from tests.fakes import FakeClock
from tests.fakes.arxiv import OTHER_PAPERS, VAD_PAPERS, api_feed, rss_feed

DATA = Path(__file__).resolve().parents[1] / "data"


@dataclass
class FakeArxiv:
    """Serves one RSS body (with an ETag) and one API answer; logs every request."""

    rss: bytes = b""
    api: bytes = field(default_factory=lambda: api_feed([]).encode())
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.startswith("/api/"):
            return httpx.Response(200, content=self.api)
        etag = f'"{hash(self.rss)}"'
        if request.headers.get("If-None-Match") == etag:
            return httpx.Response(304)
        return httpx.Response(200, content=self.rss, headers={"ETag": etag})

    def api_calls(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/api/")]


async def poll(arxiv: FakeArxiv, store: CandidateStore, now: datetime) -> WatchReport:
    settings = ArxivSettings(
        rss_url="https://rss.test/rss/", api_url="https://export.test/api/query", contact="x@y"
    )

    async def no_sleep(seconds: float) -> None:
        pass

    rules = build_rules()
    transport = httpx.MockTransport(arxiv)
    async with ArxivClient(settings, rules, transport=transport, sleep=no_sleep) as client:
        return await run_watch(client, store, store.db, FakeClock(now), CatalogPapers(), rules)


def store_at(tmp_path: Path, last_day: str | None = None) -> CandidateStore:
    store = CandidateStore(Database(tmp_path / "state.sqlite3"))
    if last_day:
        store.db.put(FEED_DATE_KEY, last_day)
    return store


async def test_empty_weekend_feed_is_quiet_not_stale(tmp_path: Path) -> None:
    arxiv = FakeArxiv((DATA / "rss2_cs_empty_weekend_2026-03-29_albatros.xml").read_bytes())
    store = store_at(tmp_path, "2026-03-27")
    report = await poll(arxiv, store, datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert report.ok
    assert report.candidates == ()
    assert arxiv.api_calls() == []


async def test_stale_feed_is_reported_and_its_day_asked_of_the_api(tmp_path: Path) -> None:
    arxiv = FakeArxiv((DATA / "rss2_cs.AI_2026-04-27_distill.xml").read_bytes())
    store = store_at(tmp_path, "2026-04-27")
    report = await poll(arxiv, store, datetime(2026, 4, 28, 9, tzinfo=UTC))  # Tuesday
    assert report.stale
    assert report.feed_date == date(2026, 4, 27)
    assert report.expected_date == date(2026, 4, 28)
    assert len(arxiv.api_calls()) == 1


async def test_three_missed_weekdays_are_filled_from_the_api(tmp_path: Path) -> None:
    arxiv = FakeArxiv(
        rss_feed(date(2026, 11, 20), OTHER_PAPERS).encode(), api_feed(VAD_PAPERS).encode()
    )
    store = store_at(tmp_path, "2026-11-16")
    report = await poll(arxiv, store, datetime(2026, 11, 20, 9, tzinfo=UTC))
    assert report.gap == (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19))
    assert sorted(c.paper.arxiv_id for c in report.candidates) == [i.arxiv_id for i in VAD_PAPERS]
    query = arxiv.api_calls()[0].url.params["search_query"]
    assert "submittedDate:[202611130100 TO 202611190100]" in query
    assert [c.paper.arxiv_id for c in store.list("pending")] == [
        c.paper.arxiv_id for c in report.candidates
    ]


async def test_v2_and_cross_list_of_seen_papers_are_not_proposed_again(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    arxiv = FakeArxiv(rss_feed(date(2026, 11, 23), VAD_PAPERS[:2]).encode())
    first = await poll(arxiv, store, datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert len(first.candidates) == 2
    v2 = replace(VAD_PAPERS[0], version=2, announce="replace")
    cross = replace(VAD_PAPERS[1], announce="cross", categories=("cs.AI", "cs.CV"))
    arxiv.rss = rss_feed(date(2026, 11, 24), [v2, cross]).encode()
    second = await poll(arxiv, store, datetime(2026, 11, 24, 9, tzinfo=UTC))
    assert second.ok
    assert second.candidates == ()
    assert len(store.list()) == 2


async def test_second_poll_of_an_unchanged_feed_is_a_304(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    arxiv = FakeArxiv(rss_feed(date(2026, 11, 23), VAD_PAPERS).encode())
    await poll(arxiv, store, datetime(2026, 11, 23, 9, tzinfo=UTC))
    again = await poll(arxiv, store, datetime(2026, 11, 23, 15, tzinfo=UTC))
    assert again.not_modified
    assert again.ok
    assert again.candidates == ()
