import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.digest import (
    LAST_PERIOD_KEY,
    Digest,
    DigestJob,
    NewEntry,
    Voted,
    assemble_digest,
    build_digest_card,
    build_digest_command,
    format_counts,
    format_period,
)
from bot.core.digest_markdown import render_digest_markdown
from bot.core.models import Candidate, Entry, Match, Paper, Request, Tally
from tests.fakes import FakeClock, FakePoster

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _candidate(n: int, title: str, status: str = "pending", by: str | None = None) -> Candidate:
    paper = Paper(f"2611.0{n}000", title, "abstract", abs_url=f"https://arxiv.org/abs/2611.0{n}000")
    return Candidate(n, paper, Match(0.9, ("video anomaly",)), status=status, decided_by=by)  # type: ignore[arg-type]


def _digest() -> Digest:
    holmes = Entry(
        "holmes-vau",
        "paper",
        "Holmes-VAU: Towards Long-term Video Anomaly Understanding",
        venue="CVPR",
        year=2025,
        links={
            "paper": "https://arxiv.org/abs/2412.06171",
            "code": "https://github.com/pipixin321/HolmesVAU",
        },
    )
    ucf = Entry("ucf-crime", "dataset", "UCF-Crime", links={"data": "https://www.crcv.ucf.edu/"})
    rare = "Rare Events: Multimodal LLMs for *Open-Set* VAD"
    approved = replace(_candidate(1, rare, "approved", "@ada (Slack)"), entry_id="rare-events")
    committed = Entry(
        "rare-events", "paper", rare, year=2026, links={"arxiv": "https://arxiv.org/abs/2611.01000"}
    )
    rejected = _candidate(2, "LLMs for Log Anomalies", "rejected", "@bob (Discord)")
    waiting = [_candidate(n, f"Waiting paper {n} <script>") for n in (3, 4, 5, 6, 7, 8)]
    tallies = {3: Tally(1, 0), 4: Tally(4, 1, {"discord": 3, "slack": 2}), 5: Tally(0, 2)}
    return Digest(
        start=START,
        end=END,
        added=(
            NewEntry(holmes, "3f2a9c1", "ada"),
            NewEntry(ucf, "9c1d2e4"),
            NewEntry(committed, "7e5b3d2", "vadbot"),
        ),
        proposed=(Voted(approved, Tally(3, 0)), Voted(waiting[-1])),
        decided=(Voted(approved, Tally(3, 0)), Voted(rejected, Tally(0, 2))),
        waiting=tuple(Voted(c, tallies.get(c.id, Tally())) for c in waiting),
        counts={"paper": 33, "dataset": 7, "resource": 1},
    )


def test_markdown_digest_matches_the_golden_file() -> None:
    text = render_digest_markdown(_digest(), BERLIN)
    golden = GOLDEN / "digest.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_digest_card_lists_entries_decisions_and_the_best_waiting_with_tallies() -> None:
    card = build_digest_card(_digest(), BERLIN)
    assert card.title == "🗞️ LLM4VAD weekly · 16–22 Nov 2026"  # 7 days, Monday 09:00 to Monday
    assert card.footer == "The list now holds 33 papers, 7 datasets, 1 resource."
    assert "Decided: 1 added, 1 rejected" in card.body
    assert "Waiting for your votes: 6" in card.body
    kinds = [item.kind for item in card.items]
    assert kinds == ["entry", "entry", "entry", "decided", *["waiting"] * 5, "more"]
    assert card.items[-1].title == "… and 1 more waiting"  # every platform says what is left out
    # The approved paper is shown once: its new-entry line says who approved it.
    titles = [item.title for item in card.items]
    assert titles.count("Rare Events: Multimodal LLMs for *Open-Set* VAD") == 1
    assert (
        card.items[2].body == "📚 new in the list · 2026 · ✅ approved by @ada (Slack) · 👍 3 👎 0"
    )
    assert card.items[3].body.startswith("❌ rejected by @bob (Discord)")
    first_waiting = card.items[4]
    assert first_waiting.title == "Waiting paper 4 <script>"  # most net votes first
    assert "👍 4 👎 1" in first_waiting.body
    assert [link.label for link in card.items[0].links] == ["paper", "code"]


def test_period_and_count_wording() -> None:
    assert format_period(date(2026, 11, 28), date(2026, 12, 5)) == "28 Nov – 5 Dec 2026"
    assert format_period(date(2026, 12, 29), date(2027, 1, 5)) == "29 Dec 2026 – 5 Jan 2027"
    assert format_period(date(2026, 11, 24), date(2026, 11, 24)) == "24 Nov 2026"
    assert format_counts({"paper": 1}) == "The list now holds 1 paper."
    assert format_counts({}) == "The list now holds no entries yet."


class DictKV:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def put(self, key: str, value: Any) -> None:
        self.data[key] = value


class StaticSource:
    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []

    async def collect(self, start: datetime, end: datetime) -> Digest:
        self.asked.append((start, end))
        return Digest(start=start, end=end, counts={"paper": 33})


def _mondays_0900(now: datetime) -> datetime:
    local = now.astimezone(BERLIN)
    monday = local.date() - timedelta(days=local.weekday())
    due = datetime(monday.year, monday.month, monday.day, 9, 0, tzinfo=BERLIN)
    return due if due <= now else due - timedelta(days=7)


def _job(clock: FakeClock, kv: DictKV) -> tuple[DigestJob, FakePoster, StaticSource]:
    poster, source = FakePoster(), StaticSource()
    return DigestJob(source, poster, kv, clock, _mondays_0900, BERLIN), poster, source


async def test_a_digest_missed_while_down_is_sent_once_when_back_and_never_twice() -> None:
    kv = DictKV()
    kv.put(LAST_PERIOD_KEY, "2026-11-16")
    clock = FakeClock(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))  # back on Wednesday
    job, poster, source = _job(clock, kv)
    assert (await job()).startswith("sent digest 2026-11-23")
    assert [key for _, key, _ in poster.published] == ["digest:2026-11-23"]
    assert source.asked == [
        (datetime(2026, 11, 16, 9, 0, tzinfo=BERLIN), datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN))
    ]
    restarted, poster2, _ = _job(clock, kv)  # a restart: same state, new objects
    assert await restarted() == "digest 2026-11-23 already sent"
    assert not poster2.published


async def test_the_first_digest_ever_is_posted_and_the_next_monday_posts_again() -> None:
    kv = DictKV()
    clock = FakeClock(datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC))  # Monday 09:00:05 in Berlin
    job, poster, _ = _job(clock, kv)
    await job()
    clock.current = datetime(2026, 11, 30, 8, 0, 5, tzinfo=UTC)
    await job()
    await job()
    assert [key for _, key, _ in poster.published] == ["digest:2026-11-23", "digest:2026-11-30"]
    assert poster.published[0][0] == "digest"


def test_assemble_sorts_candidates_into_proposed_decided_and_waiting_by_time() -> None:
    def at(day: int) -> datetime:
        return datetime(2026, 11, day, 12, 0, tzinfo=UTC)

    old = replace(_candidate(1, "Old, still waiting"), created_at=at(2))
    fresh = replace(_candidate(2, "Fresh"), created_at=at(20))
    decided = replace(
        _candidate(3, "Decided now", "approved", "@ada"), created_at=at(3), decided_at=at(21)
    )
    late = replace(_candidate(4, "After the period"), created_at=at(24))
    digest = assemble_digest(
        START,
        END,
        [],
        [old, fresh, decided, late],
        lambda c: Tally(up=c.id),
        {"paper": 2},
    )
    assert [v.candidate.id for v in digest.proposed] == [2]
    assert [v.candidate.id for v in digest.decided] == [3]
    assert [v.candidate.id for v in digest.waiting] == [1, 2, 4]
    assert digest.decided[0].tally.up == 3


async def test_the_digest_command_answers_the_asker_with_the_last_seven_days() -> None:
    source = StaticSource()
    clock = FakeClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    handler = build_digest_command(source, clock, BERLIN)
    reply = await handler(Request("slack", "U1", "C1", "digest"))
    assert reply.ephemeral
    assert reply.cards[0].kind == "digest"
    # seven calendar days in the lab's zone, today (24 Nov) up to now included
    assert source.asked == [(datetime(2026, 11, 18, tzinfo=BERLIN), clock.now())]
    assert "18–24 Nov 2026" in reply.cards[0].title
    shared = await handler(Request("slack", "U1", "C1", "digest", text="share"))
    assert not shared.ephemeral
