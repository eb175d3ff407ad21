"""Job health: every scheduled run is recorded, and maintainers hear of a failure once.

A job is a coroutine returning a one-line result ("ok, 2 new"). `JobRunner.run` records it in the
job log; a failing job is reported to the `admin` channel once per streak of failures and once
when it recovers, never once per retry. One job's failure never escapes the runner, so it cannot
stop the scheduler or the other jobs.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from bot.core.models import Card, CardField, JobHealth
from bot.core.ports import Clock, JobLog, Poster
from bot.core.shutdown import ShuttingDown
from bot.errors import VadbotError

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[str]]
MAX_ERROR = 300


def describe_error(exc: BaseException) -> str:
    """A short text for chat: our own errors' messages, only the type of anything else."""
    if isinstance(exc, VadbotError) and str(exc):
        text = f"{type(exc).__name__}: {exc}"
    else:
        text = type(exc).__name__  # foreign exception text may hold URLs or payloads
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


class JobRunner:
    """Runs jobs, records their health and tells maintainers when one starts or stops failing."""

    def __init__(
        self,
        jobs: JobLog,
        poster: Poster,
        clock: Clock,
        redact: Callable[[str], str] = lambda text: text,
    ) -> None:
        self.jobs = jobs
        self.poster = poster
        self.clock = clock
        self.redact = redact

    async def run(
        self, name: str, job: Job, next_run: Callable[[], datetime | None] = lambda: None
    ) -> JobHealth:
        """Run one job to its end; returns the health recorded (never raises but on cancel)."""
        before = self.jobs.get(name)
        started = self.clock.now()
        try:
            result = await job()
        except ShuttingDown:
            log.info("job %s stopped: the service is shutting down", name, extra={"job": name})
            return before
        except Exception as exc:
            log.exception("job %s failed", name, extra={"job": name})
            health = await self._failed(before, started, exc)
        else:
            log.info("job %s: %s", name, result, extra={"job": name})
            health = await self._succeeded(before, started, result)
        health = dataclasses.replace(health, next_run=next_run())
        self.jobs.save(health)
        return health

    async def _succeeded(self, before: JobHealth, started: datetime, result: str) -> JobHealth:
        if before.failures and before.alerted:
            await self._tell(
                f"recovered:{before.name}:{_stamp(before.failing_since)}",
                _recovered_card(before, result),
            )
        return dataclasses.replace(
            before,
            last_run=started,
            last_result=result or "ok",
            failing_since=None,
            failures=0,
            alerted=False,
        )

    async def _failed(self, before: JobHealth, started: datetime, exc: Exception) -> JobHealth:
        error = self.redact(describe_error(exc))
        health = dataclasses.replace(
            before,
            last_run=started,
            last_result="FAILED",
            last_error=error,
            failing_since=before.failing_since or started,
            failures=before.failures + 1,
        )
        if not health.alerted:
            key = f"job-failed:{health.name}:{_stamp(health.failing_since)}"
            alerted = await self._tell(key, _failed_card(health))
            health = dataclasses.replace(health, alerted=alerted)
        return health

    async def _tell(self, key: str, card: Card) -> bool:
        """Post to the maintainers; a failure here is logged, and tried again next run."""
        try:
            await self.poster.publish("admin", key, card)
        except Exception:
            log.exception("could not tell maintainers (%s)", key)
            return False
        return True


def _stamp(when: datetime | None) -> str:
    return when.strftime("%Y%m%dT%H%M%SZ") if when else "unknown"


def _failed_card(health: JobHealth) -> Card:
    since = health.failing_since.strftime("%Y-%m-%d %H:%M UTC") if health.failing_since else "?"
    return Card(
        title=f"⚠️ Job {health.name} is failing",
        body=f"{health.last_error}\nvadbot retries at the next run; `vadbot status` shows more.",
        fields=(CardField("since", since),),
        footer="You will hear once more when it works again.",
        kind="alert",
    )


def _recovered_card(before: JobHealth, result: str) -> Card:
    return Card(
        title=f"✅ Job {before.name} works again",
        body=f"After {before.failures} failed run(s); last error: {before.last_error}",
        fields=(CardField("result", result or "ok"),),
        kind="alert",
    )


# ---------------------------------------------------------------------------- assessment

HEARTBEAT_KEY = "service:heartbeat"
ONCE_KEY = "service:last-once"
CATALOG_KEY = "service:catalog"
"""What the service last read of the catalog: {"counts": {kind: n}, "head": sha, "error": …},
so `vadbot status` (Docker's health check, every minute) never parses the catalog itself."""
"""When `vadbot run --once` last ran (cron users have no heartbeat: their job runs speak)."""
FIRST_RUN_PENDING = "waiting for its first scheduled run"
"""The result of a cron job that never ran: its `last_run` is only the baseline for catch-up."""
STALE_HEARTBEAT = timedelta(minutes=5)
OVERDUE = timedelta(minutes=30)
FAILURES_UNHEALTHY = 3


def find_problems(
    jobs: Sequence[JobHealth],
    heartbeat: datetime | None,
    now: datetime,
    last_once: datetime | None = None,
) -> list[str]:
    """Why the service is unhealthy; empty when it is healthy.

    Unhealthy means: `vadbot run` wrote no heartbeat for 5 minutes (not running, or its loop is
    stuck), a job failed 3 times in a row, or a job is more than 30 minutes past its next run
    (hung, or the scheduler stopped firing). When vadbot last ran as `vadbot run --once` (from
    cron), no heartbeat is expected: a cron that stopped shows as jobs overdue.
    """
    problems = [] if is_run_from_cron(heartbeat, last_once) else _heartbeat_problems(heartbeat, now)
    for job in jobs:
        if job.failures >= FAILURES_UNHEALTHY:
            problems.append(f"job {job.name} failed {job.failures} times in a row")
        if job.next_run is not None and now - job.next_run > OVERDUE:
            problems.append(f"job {job.name} is overdue since {job.next_run:%Y-%m-%d %H:%M}")
    return problems


def is_run_from_cron(heartbeat: datetime | None, last_once: datetime | None) -> bool:
    """Whether vadbot last ran as `vadbot run --once` rather than as the long-running service."""
    return last_once is not None and (heartbeat is None or last_once >= heartbeat)


def _heartbeat_problems(heartbeat: datetime | None, now: datetime) -> list[str]:
    if heartbeat is None:
        return ["no heartbeat: vadbot run has not run with this state file"]
    if now - heartbeat > STALE_HEARTBEAT:
        return [f"no heartbeat since {heartbeat:%Y-%m-%d %H:%M} UTC: vadbot run is down"]
    return []
