import asyncio
import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime

from apscheduler.triggers.interval import IntervalTrigger

from bot.core.health import JobRunner
from bot.core.models import Card, MessageRef
from bot.core.shutdown import PostGate
from bot.infra.job_store import JobStore
from bot.infra.state import Database
from bot.scheduling import JobSpec, Scheduler
from bot.service import Service
from tests.fakes import FakeClock, FakePoster


class SlowPoster:
    """Posts only when the test lets the platform answer."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.confirmed: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        self.started.append(key)
        self.entered.set()
        await self.release.wait()
        self.confirmed.append(key)
        return [MessageRef("slow", purpose, key)]

    async def update(self, key: str, card: Card) -> None:
        raise AssertionError("not used")


def _service(poster: SlowPoster, store: JobStore) -> Service:
    gate = PostGate(poster)
    announced: list[str] = []

    async def announce() -> str:
        for n in (1, 2, 3):
            await gate.publish("papers", f"entry:{n}", Card(title=f"Entry {n}"))
            announced.append(f"entry:{n}")  # the cursor would move here
        return f"ok, {len(announced)} new"

    clock = FakeClock(datetime(2026, 11, 24, 21, 0, tzinfo=UTC))
    spec = JobSpec("announce", IntervalTrigger(minutes=10), announce, 300)
    runner = JobRunner(store, FakePoster(), clock)
    return Service(Scheduler([spec], runner, store, clock), gate, stop_timeout=5)


async def test_sigterm_during_a_post_finishes_that_post_starts_no_other_and_exits() -> None:
    poster, store = SlowPoster(), JobStore(Database(":memory:"))
    service = _service(poster, store)
    remove = service.handle_signals()
    try:
        running = asyncio.create_task(service.run_forever())
        await asyncio.wait_for(poster.entered.wait(), 2)  # the catch-up run is posting entry 1
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.01)
        assert not running.done()  # it waits for the post in flight
        poster.release.set()
        await asyncio.wait_for(running, 2)
    finally:
        remove()
    assert poster.started == ["entry:1"]
    assert poster.confirmed == ["entry:1"]
    health = store.get("announce")
    assert health.failures == 0  # stopping is not a failure: no alert to maintainers
    assert health.last_run is None  # not recorded as a complete run: it is due at next start


async def test_run_once_runs_the_due_jobs_and_returns() -> None:
    poster, store = SlowPoster(), JobStore(Database(":memory:"))
    poster.release.set()
    service = _service(poster, store)
    assert await service.run_once() == ["announce"]
    assert poster.confirmed == ["entry:1", "entry:2", "entry:3"]
    assert await service.run_once() == []
