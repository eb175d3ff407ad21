"""The watch job over fake ports: never twice, never missed, stale feeds reported."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.core.arxiv.watch import (
    FEED_DATE_KEY,
    VALIDATORS_KEY,
    CatalogPapers,
    Feed,
    build_known_papers,
    build_rules,
    describe,
    expected_feed_date,
    is_listed,
    run_watch,
)
from bot.core.models import Catalog, Entry, Paper
from bot.errors import FeedError
from tests.fakes import FakeClock
from tests.fakes.arxiv import OTHER_PAPERS, VAD_PAPERS, FakeFeedSource, FakePaperStore, Item

RULES = build_rules()
NOTHING = CatalogPapers()


def as_paper(item: Item, **changes: object) -> Paper:
    paper = Paper(item.arxiv_id, item.title, item.abstract, item.version, "new")
    return replace(paper, **changes)  # type: ignore[arg-type]


def feed(day: date, *papers: Paper) -> Feed:
    return Feed(papers=papers, date=day, validators={"etag": f'"{day}"'})


def at(day: int, hour: int = 9) -> FakeClock:
    """A clock on that day of November 2026, `hour` UTC (09:00 UTC = 04:00 in New York)."""
    return FakeClock(datetime(2026, 11, day, hour, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 23, 9, tzinfo=UTC), date(2026, 11, 23)),  # Mon morning: Sun's
        (datetime(2026, 11, 24, 0, 30, tzinfo=UTC), date(2026, 11, 23)),  # Mon 19:30 NY
        (datetime(2026, 11, 24, 1, 30, tzinfo=UTC), date(2026, 11, 24)),  # Mon 20:30 NY
        (datetime(2026, 11, 21, 15, tzinfo=UTC), date(2026, 11, 20)),  # Saturday: Thursday's
        (datetime(2026, 11, 22, 23, tzinfo=UTC), date(2026, 11, 20)),  # Sunday 18:00 NY
    ],
)
def test_expected_feed_day_follows_the_announcement_schedule(now: datetime, expected: date) -> None:
    assert expected_feed_date(now) == expected


async def test_first_run_saves_matching_papers_and_sets_a_baseline() -> None:
    papers = [as_paper(i) for i in (*VAD_PAPERS, *OTHER_PAPERS)]
    source, store = FakeFeedSource([feed(date(2026, 11, 23), *papers)]), FakePaperStore()
    report = await run_watch(source, store, store, at(23), NOTHING, RULES)
    assert [c.paper.arxiv_id for c in report.candidates] == [i.arxiv_id for i in VAD_PAPERS]
    assert report.ok
    assert not report.gap
    assert source.searches == []
    assert store.facts[FEED_DATE_KEY] == "2026-11-23"
    assert store.facts[VALIDATORS_KEY] == {"etag": '"2026-11-23"'}
    assert report.candidates[0].match.terms  # what chat shows as "matched: …"


async def test_v2_and_cross_list_of_a_seen_paper_are_not_new() -> None:
    first, second = as_paper(VAD_PAPERS[0]), as_paper(VAD_PAPERS[1])
    v2 = replace(first, version=2, announce_type="replace")
    cross = replace(second, announce_type="cross")
    source = FakeFeedSource(
        [feed(date(2026, 11, 23), first, second), feed(date(2026, 11, 24), v2, cross)]
    )
    store = FakePaperStore()
    await run_watch(source, store, store, at(23), NOTHING, RULES)
    report = await run_watch(source, store, store, at(24, 9), NOTHING, RULES)
    assert report.candidates == ()
    assert report.read == 2
    assert report.ok
    assert store.seen[first.arxiv_id] == 2
    assert source.validators_seen[1] == {"etag": '"2026-11-23"'}


async def test_rejected_candidate_never_comes_back() -> None:
    paper = as_paper(VAD_PAPERS[0])
    store = FakePaperStore()
    source = FakeFeedSource([feed(date(2026, 11, 23), paper)])
    first = await run_watch(source, store, store, at(23), NOTHING, RULES)
    store.candidates[paper.arxiv_id] = replace(first.candidates[0], status="rejected")
    store.seen.clear()  # even if the seen row were lost, the candidate row remembers
    source.feeds.append(feed(date(2026, 11, 24), replace(paper, version=2)))
    again = await run_watch(source, store, store, at(24), NOTHING, RULES)
    assert again.candidates == ()


async def test_paper_in_the_catalog_by_id_or_title_is_not_a_candidate() -> None:
    by_id, by_title, fresh = (as_paper(i) for i in VAD_PAPERS)
    catalog = Catalog(
        "list",
        "",
        (
            Entry(
                "a",
                "paper",
                "Other title",
                links={"arxiv": f"https://arxiv.org/abs/{by_id.arxiv_id}v1"},
            ),
            Entry("b", "paper", by_title.title.upper() + " !"),
        ),
    )
    source = FakeFeedSource([feed(date(2026, 11, 23), by_id, by_title, fresh)])
    report = await run_watch(
        source, papers := FakePaperStore(), papers, at(23), build_known_papers(catalog), RULES
    )
    assert [c.paper.arxiv_id for c in report.candidates] == [fresh.arxiv_id]


def test_a_list_title_with_a_short_name_suffix_is_the_arxiv_paper() -> None:
    real = "Harnessing Large Language Models for Training-free Video Anomaly Detection"
    catalog = Catalog("list", "", (Entry("lavad", "paper", f"{real} (LAVAD)"),))
    paper = Paper("2404.01014", real, "We detect anomalies without training.")
    assert is_listed(paper, build_known_papers(catalog))


async def test_empty_weekend_feed_is_a_normal_quiet_day() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-20"})
    source = FakeFeedSource([feed(date(2026, 11, 22))])  # Sunday, no items
    report = await run_watch(source, store, store, at(22, 12), NOTHING, RULES)
    assert report.ok
    assert not report.stale
    assert report.gap == ()
    assert source.searches == []


async def test_feed_that_did_not_advance_is_stale_and_the_day_is_filled_from_the_api() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-23"})
    late = as_paper(VAD_PAPERS[2], published=datetime(2026, 11, 23, 15, tzinfo=UTC))
    source = FakeFeedSource([feed(date(2026, 11, 23))], api=[late])
    report = await run_watch(
        source, store, store, at(24, 9), NOTHING, RULES
    )  # Tue: expects Tue's feed
    assert report.stale
    assert not report.ok
    assert report.gap == (date(2026, 11, 24),)
    assert [c.paper.arxiv_id for c in report.candidates] == [late.arxiv_id]


async def test_three_missed_weekdays_are_filled_from_the_api() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-16"})  # last good: Monday
    missed = [
        as_paper(item, published=datetime(2026, 11, day, 14, tzinfo=UTC))
        for item, day in zip(VAD_PAPERS, (14, 16, 17), strict=True)
    ]
    friday = feed(date(2026, 11, 20), as_paper(OTHER_PAPERS[0]))
    source = FakeFeedSource([friday], api=missed)
    report = await run_watch(source, store, store, at(20), NOTHING, RULES)
    assert report.gap == (date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 19))
    assert {c.paper.arxiv_id for c in report.candidates} == {p.arxiv_id for p in missed}
    start, end = source.searches[0]
    assert start < missed[0].published < end  # type: ignore[operator]
    assert end == datetime(2026, 11, 18, 20, tzinfo=end.tzinfo)
    assert report.ok
    assert store.facts[FEED_DATE_KEY] == "2026-11-20"


async def test_failed_gap_fill_is_retried_on_the_next_run() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-16"})
    source = FakeFeedSource([feed(date(2026, 11, 18)), feed(date(2026, 11, 19))], fail_search=True)
    report = await run_watch(source, store, store, at(18), NOTHING, RULES)
    assert report.errors
    assert report.gap == ()
    source.fail_search = False
    again = await run_watch(source, store, store, at(19), NOTHING, RULES)
    assert date(2026, 11, 17) in again.gap


async def test_not_modified_feed_changes_nothing() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-23", VALIDATORS_KEY: {"etag": '"x"'}})
    source = FakeFeedSource([Feed(papers=(), not_modified=True)])
    report = await run_watch(source, store, store, at(23, 15), NOTHING, RULES)
    assert report.not_modified
    assert report.ok
    assert report.candidates == ()
    assert source.validators_seen == [{"etag": '"x"'}]
    assert store.facts[VALIDATORS_KEY] == {"etag": '"x"'}


async def test_feed_failure_is_reported_and_remembers_nothing() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-20"})
    source = FakeFeedSource([FeedError("arXiv answered 503 ×5")])
    report = await run_watch(source, store, store, at(23), NOTHING, RULES)
    assert report.errors == ("feed: arXiv answered 503 ×5",)
    assert store.facts == {FEED_DATE_KEY: "2026-11-20"}


async def test_report_describes_stale_feeds_gaps_and_errors_in_words() -> None:
    store = FakePaperStore(facts={FEED_DATE_KEY: "2026-11-20"})
    source = FakeFeedSource([feed(date(2026, 11, 20))], fail_search=True)
    report = await run_watch(source, store, store, at(24), NOTHING, RULES)
    lines = describe(report)
    assert lines[0] == "0 new candidate(s) from 0 paper(s)"
    assert "feed is stale: shows 2026-11-20, expected 2026-11-24" in lines
    assert any(line.startswith("error: gap 2026-11-23…2026-11-24") for line in lines)
