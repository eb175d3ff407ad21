from datetime import UTC, datetime, timedelta

from bot.core.health import JobRunner, find_problems
from bot.core.shutdown import ShuttingDown
from bot.errors import FeedError
from bot.infra.job_store import JobStore
from bot.infra.state import Database
from tests.fakes import FakeClock, FakePoster

NEXT = datetime(2026, 11, 24, 20, 15, tzinfo=UTC)


def _runner() -> tuple[JobRunner, JobStore, FakePoster, FakeClock]:
    store, poster, clock = JobStore(Database(":memory:")), FakePoster(), FakeClock()
    return JobRunner(store, poster, clock), store, poster, clock


async def _fail() -> str:
    raise FeedError("arXiv answered 503")


async def _ok() -> str:
    return "ok, 3 new"


async def test_a_failing_job_is_reported_once_per_streak_and_once_on_recovery() -> None:
    runner, store, poster, clock = _runner()
    for _ in range(4):
        await runner.run("arxiv-watch", _fail, lambda: NEXT)
        clock.advance(hours=1)
    health = store.get("arxiv-watch")
    assert (health.failures, health.last_result, health.next_run) == (4, "FAILED", NEXT)
    assert health.last_error == "FeedError: arXiv answered 503"
    assert [p for p, _, _ in poster.published] == ["admin"]
    assert "arxiv-watch is failing" in poster.published[0][2].title
    assert "503" in poster.published[0][2].body

    await runner.run("arxiv-watch", _ok)
    await runner.run("arxiv-watch", _ok)
    assert len(poster.published) == 2
    assert "works again" in poster.published[1][2].title
    assert store.get("arxiv-watch").failures == 0

    await runner.run("arxiv-watch", _fail)  # a new streak is a new report
    assert len(poster.published) == 3


async def test_a_report_that_could_not_be_posted_is_tried_again_at_the_next_failure() -> None:
    runner, store, poster, _ = _runner()
    poster.fail_next = 1
    await runner.run("announce", _fail)
    assert not poster.published
    assert not store.get("announce").alerted
    await runner.run("announce", _fail)
    assert len(poster.published) == 1


async def test_a_failure_never_escapes_and_other_jobs_keep_their_own_health() -> None:
    runner, store, poster, _ = _runner()

    async def crash() -> str:
        raise KeyError("payload with xoxb-secret")

    await runner.run("announce", crash)
    await runner.run("digest", _ok)
    assert store.get("announce").last_error == "KeyError"  # foreign text never reaches chat
    assert "secret" not in poster.published[0][2].body
    assert store.get("digest").last_result == "ok, 3 new"


async def test_a_job_stopped_by_shutdown_is_not_a_failure() -> None:
    runner, store, poster, _ = _runner()

    async def stopped() -> str:
        raise ShuttingDown()

    await runner.run("announce", stopped)
    assert store.get("announce").failures == 0
    assert not poster.published


async def test_job_health_survives_a_restart(tmp_path: object) -> None:
    path = f"{tmp_path}/state.sqlite3"
    store = JobStore(Database(path))
    runner = JobRunner(store, FakePoster(), FakeClock())
    await runner.run("announce", _fail)
    reopened = JobStore(Database(path)).get("announce")
    assert (reopened.failures, reopened.alerted) == (1, True)


NOW = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


def test_the_service_needs_a_fresh_heartbeat_but_a_cron_user_of_run_once_needs_none() -> None:
    stale = NOW - timedelta(minutes=20)
    assert find_problems([], None, NOW) == [
        "no heartbeat: vadbot run has not run with this state file"
    ]
    assert "vadbot run is down" in find_problems([], stale, NOW)[0]
    assert find_problems([], None, NOW, last_once=NOW - timedelta(minutes=10)) == []
    assert find_problems([], stale, NOW, last_once=stale + timedelta(minutes=1)) == []
    # The service was started after the last --once: its heartbeat counts again.
    problems = find_problems([], stale, NOW, last_once=stale - timedelta(days=1))
    assert problems == [f"no heartbeat since {stale:%Y-%m-%d %H:%M} UTC: vadbot run is down"]
