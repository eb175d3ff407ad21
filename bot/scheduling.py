"""The schedule: the one module that imports APScheduler (3.x; 4.x is alpha).

Jobs are core coroutines run through `JobRunner`, each with explicit `max_instances=1`,
`coalesce=True` and a `misfire_grace_time`. APScheduler keeps its jobs in memory only: whether a
run was missed while vadbot was down is decided from OUR state (each job's last run in the
`jobs` table, the last digest period in kv), because re-adding a persisted job loses its missed
run. `Scheduler.run_due()` runs every job whose last scheduled time passed since its last run;
`vadbot run` calls it once at start-up and `vadbot run --once` calls only it. On the very first
start an interval job runs at once; a cron job (arXiv watch, digest) waits for its first time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.health import FIRST_RUN_PENDING, Job, JobRunner
from bot.core.models import JobHealth
from bot.core.ports import Clock, JobLog
from bot.errors import ConfigError
from bot.settings import ScheduleSettings

log = logging.getLogger(__name__)

PULL, ANNOUNCE, ARXIV, DIGEST = "catalog-pull", "announce", "arxiv-watch", "digest"
REFRESH = "catalog-refresh"
JOB_ORDER = (PULL, ANNOUNCE, ARXIV, DIGEST, REFRESH)
"""Catch-up order: pull before announcing, and the digest last so it sees today's entries."""
HEARTBEAT_SECONDS = 60
LOOKBACK = timedelta(days=8)
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A scheduled job: its name, when it runs, what it runs, and how late it may still run."""

    name: str
    trigger: BaseTrigger
    run: Job
    misfire_grace_seconds: int


def crontab(expr: str, timezone: str, where: str) -> CronTrigger:
    """A cron trigger from a standard crontab line (weekday 0 and 7 are Sunday, as in cron)."""
    fields = expr.split()
    if len(fields) != 5:
        raise ConfigError(f"{where}: a crontab line has 5 fields, got {expr!r}")
    try:
        fields[4] = _weekdays(fields[4])
        return CronTrigger.from_crontab(" ".join(fields), timezone=ZoneInfo(timezone))
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{where}: {exc} in {expr!r}") from None


def _weekdays(field: str) -> str:
    """A crontab weekday field as a list of day names.

    APScheduler 3.x numbers weekdays from Monday=0 and cannot wrap a range past Sunday
    ("sun-thu" fails); crontab numbers from Sunday=0. Names in a plain list mean the same to both.
    """
    if field == "*":
        return field
    days: list[int] = []
    for part in field.split(","):
        span, _, step = part.partition("/")
        first, _, last = ("0-6" if span == "*" else span).partition("-")
        low, high = _day(first), _day(last or first, end=bool(last))
        count = (high - low) % 7 + 1 if high != low + 7 else 8
        days += [(low + i) % 7 for i in range(0, count, int(step or 1))]
    return ",".join(_WEEKDAYS[d] for d in sorted(set(days)))


def _day(token: str, end: bool = False) -> int:
    token = token.strip().lower()
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) if end else int(token) % 7
    if token[:3] in _WEEKDAYS and token.isalpha():
        return _WEEKDAYS.index(token[:3])
    raise ValueError(f"unknown weekday {token!r}")


def build_triggers(schedule: ScheduleSettings) -> dict[str, BaseTrigger]:
    """The trigger of each job, from `settings.schedule`."""
    return {
        PULL: IntervalTrigger(minutes=_positive(schedule.pull_minutes, "pull_minutes")),
        ANNOUNCE: IntervalTrigger(minutes=_positive(schedule.announce_minutes, "announce_minutes")),
        ARXIV: crontab(schedule.arxiv_cron, schedule.arxiv_timezone, "schedule.arxiv_cron"),
        DIGEST: crontab(schedule.digest_cron, schedule.timezone, "schedule.digest_cron"),
        REFRESH: crontab(schedule.refresh_cron, schedule.timezone, "schedule.refresh_cron"),
    }


def every(minutes: int) -> BaseTrigger:
    """A trigger firing every `minutes`."""
    return IntervalTrigger(minutes=minutes)


def grace_seconds(trigger: BaseTrigger) -> int:
    """How late a run may start and still run: half an interval, or six hours for a cron job."""
    if isinstance(trigger, IntervalTrigger):
        return max(int(trigger.interval.total_seconds() // 2), 1)
    return 6 * 3600


def _positive(value: int, key: str) -> int:
    if value < 1:
        raise ConfigError(f"schedule.{key}: must be at least 1 minute")
    return value


def previous_fire_time(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The last time a cron trigger fired at or before `now` (looking back eight days)."""
    last = None
    when = trigger.get_next_fire_time(None, now - LOOKBACK)
    while when is not None and when <= now:
        last = when
        when = trigger.get_next_fire_time(when, when + timedelta(seconds=1))
    return last


def is_due(trigger: BaseTrigger, last_run: datetime | None, now: datetime) -> bool:
    """Whether a job missed a run: never ran, or its last scheduled time is after its last run."""
    if last_run is None:
        return True
    if isinstance(trigger, IntervalTrigger):
        return bool(now - last_run >= trigger.interval)
    fired = previous_fire_time(trigger, now)
    return fired is not None and fired > last_run


class Scheduler:
    """APScheduler's AsyncIOScheduler around our jobs, with catch-up and a clean stop."""

    def __init__(
        self,
        specs: Sequence[JobSpec],
        runner: JobRunner,
        jobs: JobLog,
        clock: Clock,
        timezone: str = "UTC",
        heartbeat: Callable[[datetime], None] | None = None,
    ) -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.runner, self.jobs, self.clock = runner, jobs, clock
        self.heartbeat = heartbeat
        self._scheduler = AsyncIOScheduler(timezone=ZoneInfo(timezone))
        self._locks = {name: asyncio.Lock() for name in self.specs}
        self._inflight: set[asyncio.Task[object]] = set()
        self._stopping = False

    def start(self) -> None:
        """Add every job and start firing them (needs the running event loop)."""
        for spec in self.specs.values():
            self._scheduler.add_job(
                self._fire,
                spec.trigger,
                args=(spec.name,),
                id=spec.name,
                name=spec.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=spec.misfire_grace_seconds,
            )
        if self.heartbeat is not None:
            self._scheduler.add_job(
                self._beat,
                IntervalTrigger(seconds=HEARTBEAT_SECONDS),
                id="heartbeat",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=HEARTBEAT_SECONDS,
            )
            self._beat()
        self._scheduler.start()
        for name in self.specs:
            self._record_next_run(name)

    def next_run(self, name: str) -> datetime | None:
        """When the job runs next."""
        job = self._scheduler.get_job(name) if self._scheduler.running else None
        if job is not None:
            scheduled: datetime | None = job.next_run_time
            return scheduled
        when: datetime | None = self.specs[name].trigger.get_next_fire_time(None, self.clock.now())
        return when

    async def run_due(self) -> list[str]:
        """Run, in order, every job that missed a run; the names of those run."""
        ran = []
        for name in sorted(self.specs, key=_order):
            if self._stopping:
                break
            health = self.jobs.get(name)
            trigger = self.specs[name].trigger
            if health.last_run is None and not isinstance(trigger, IntervalTrigger):
                self._baseline(health)
            elif is_due(trigger, health.last_run, self.clock.now()):
                await self.run_job(name)
                ran.append(name)
        return ran

    def _baseline(self, health: JobHealth) -> None:
        """A cron job never run waits for its first time; from now on, a missed run is due."""
        self.jobs.save(
            dataclasses.replace(
                health,
                last_run=self.clock.now(),
                last_result=FIRST_RUN_PENDING,
                next_run=self.next_run(health.name),
            )
        )

    async def run_job(self, name: str) -> JobHealth | None:
        """Run one job now, unless it is already running (then None)."""
        lock = self._locks[name]
        if lock.locked() or self._stopping:
            log.info("job %s skipped: already running or stopping", name, extra={"job": name})
            return None
        async with lock:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                spec = self.specs[name]
                return await self.runner.run(name, spec.run, lambda: self.next_run(name))
            finally:
                if task is not None:
                    self._inflight.discard(task)

    async def stop(self, timeout: float = 30.0) -> None:
        """Take no more work; let the runs in flight end (cancelled after `timeout` seconds)."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.pause()  # shutdown() would cancel the runs in flight
        current = asyncio.current_task()
        tasks = {t for t in self._inflight if t is not current}
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                log.warning("job still running after %ss: cancelled", timeout)
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def _fire(self, name: str) -> None:
        await self.run_job(name)

    def _beat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat(self.clock.now())

    def _record_next_run(self, name: str) -> None:
        health = self.jobs.get(name)
        self.jobs.save(dataclasses.replace(health, next_run=self.next_run(name)))


def _order(name: str) -> int:
    return JOB_ORDER.index(name) if name in JOB_ORDER else len(JOB_ORDER)
