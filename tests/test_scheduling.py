import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.date import DateTrigger

from bot.core.health import JobRunner
from bot.errors import ConfigError
from bot.infra.job_store import JobStore
from bot.infra.state import Database
from bot.scheduling import (
    ANNOUNCE,
    ARXIV,
    DIGEST,
    PULL,
    JobSpec,
    Scheduler,
    build_triggers,
    crontab,
    is_due,
)
from bot.settings import ScheduleSettings
from tests.fakes import FakeClock, FakePoster

NY = ZoneInfo("America/New_York")


def test_arxiv_watch_runs_after_the_2000_new_york_announcement_sunday_to_thursday() -> None:
    trigger = build_triggers(ScheduleSettings())[ARXIV]
    friday_night = datetime(2026, 11, 27, 21, 0, tzinfo=NY)
    assert trigger.get_next_fire_time(None, friday_night) == datetime(
        2026, 11, 29, 20, 15, tzinfo=NY
    )
    thursday = datetime(2026, 11, 26, 12, 0, tzinfo=NY)
    assert trigger.get_next_fire_time(None, thursday) == datetime(2026, 11, 26, 20, 15, tzinfo=NY)


def test_digest_runs_monday_0900_in_the_lab_time_zone_with_crontab_weekday_numbers() -> None:
    settings = ScheduleSettings(timezone="Europe/Berlin", digest_cron="0 9 * * 1")
    trigger = build_triggers(settings)[DIGEST]
    after = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert trigger.get_next_fire_time(None, after) == datetime(2026, 11, 30, 9, 0, tzinfo=berlin)
    sunday = crontab("0 9 * * 0", "UTC", "x").get_next_fire_time(None, after)
    assert sunday is not None
    assert sunday.strftime("%a") == "Sun"


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        (ScheduleSettings(digest_cron="0 9 * mon"), "schedule.digest_cron"),
        (ScheduleSettings(arxiv_cron="99 20 * * *"), "schedule.arxiv_cron"),
        (ScheduleSettings(announce_minutes=0), "schedule.announce_minutes"),
    ],
)
def test_a_bad_schedule_fails_naming_the_key(settings: ScheduleSettings, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        build_triggers(settings)


def test_a_cron_job_is_due_when_its_last_scheduled_time_passed_since_its_last_run() -> None:
    digest = build_triggers(ScheduleSettings())[DIGEST]
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # Thursday; Monday 23rd 09:00 was missed
    assert is_due(digest, datetime(2026, 11, 16, 9, 0, tzinfo=UTC), now)
    assert not is_due(digest, datetime(2026, 11, 23, 9, 0, 2, tzinfo=UTC), now)
    announce = build_triggers(ScheduleSettings(announce_minutes=10))[ANNOUNCE]
    assert not is_due(announce, now - timedelta(minutes=9), now)
    assert is_due(announce, now - timedelta(minutes=10), now)
    assert is_due(announce, None, now)


def _scheduler(
    clock: FakeClock, runs: list[str], store: JobStore | None = None
) -> tuple[Scheduler, JobStore]:
    store = store or JobStore(Database(":memory:"))
    triggers = build_triggers(ScheduleSettings())

    def job(name: str) -> JobSpec:
        async def run() -> str:
            runs.append(name)
            return "ok"

        return JobSpec(name, triggers[name], run, 60)

    specs = [job(name) for name in (DIGEST, ARXIV, ANNOUNCE, PULL)]
    return Scheduler(specs, JobRunner(store, FakePoster(), clock), store, clock), store


async def test_run_due_runs_missed_jobs_once_in_order_and_not_again() -> None:
    clock, runs = FakeClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC)), []
    scheduler, store = _scheduler(clock, runs)
    assert await scheduler.run_due() == [PULL, ANNOUNCE]  # cron jobs wait for their first time
    assert store.get(DIGEST).next_run == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    clock.advance(minutes=5)
    assert await scheduler.run_due() == []
    clock.current = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # down over Monday 09:00 and 20:15 NY
    assert await scheduler.run_due() == [PULL, ANNOUNCE, ARXIV, DIGEST]
    assert await scheduler.run_due() == []
    assert runs.count(DIGEST) == 1


async def test_the_scheduler_fires_jobs_and_a_stop_lets_the_run_in_flight_finish() -> None:
    clock = FakeClock()
    store = JobStore(Database(":memory:"))
    started, release, finished = asyncio.Event(), asyncio.Event(), []

    async def slow() -> str:
        started.set()
        await release.wait()
        finished.append("slow")
        return "ok"

    soon = DateTrigger(run_date=datetime.now(UTC) + timedelta(milliseconds=5))
    spec = JobSpec("slow", soon, slow, 60)
    scheduler = Scheduler([spec], JobRunner(store, FakePoster(), clock), store, clock)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 2)
    stopping = asyncio.create_task(scheduler.stop(timeout=5))
    await asyncio.sleep(0)
    assert not stopping.done()
    release.set()
    await asyncio.wait_for(stopping, 2)
    assert finished == ["slow"]
    assert store.get("slow").last_result == "ok"
    assert await scheduler.run_job("slow") is None  # no new work after stop
