"""`vadbot status`: each job's last run, result and next run, the queues, and whether it is healthy.

Exit 0 when healthy, 1 when not (see `find_problems`), so Docker's HEALTHCHECK can run it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.common import print_json
from bot.clock import UtcClock
from bot.core.health import (
    CATALOG_KEY,
    FIRST_RUN_PENDING,
    HEARTBEAT_KEY,
    ONCE_KEY,
    find_problems,
    is_run_from_cron,
)
from bot.core.models import JobHealth, describe_counts
from bot.infra.announce_store import CURSOR_KEY
from bot.infra.job_store import JobStore, count_pending_candidates, count_unsent_posts
from bot.infra.state import Database, open_state
from bot.infra.stores import PullRequestBook
from bot.settings import Settings

RESULT_WIDTH = 36


def register(sub: Any) -> None:
    """Add `status` to the parser."""
    parser = sub.add_parser(
        "status",
        help="jobs' last and next runs, queues, last error; exit 1 when unhealthy",
        description="Show what the service did and will do. Exit status 1 means unhealthy: "
        "no heartbeat from `vadbot run` for 5 minutes (none is needed when vadbot last ran as "
        "`vadbot run --once`, from cron), a job failed 3 times in a row, or a job is 30 minutes "
        "past its next run.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object for scripts")
    parser.set_defaults(handler=run_status)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    report = build_report(settings, datetime.now(UTC))
    if args.json:
        print_json(report)
    else:
        sys.stdout.write(render_report(report, ZoneInfo(settings.schedule.timezone)))
    return 0 if report["healthy"] else 1


def build_report(settings: Settings, now: datetime) -> dict[str, Any]:
    """Everything `vadbot status` shows, as JSON-able data."""
    db = open_state(settings, create=False)
    try:
        jobs = JobStore(db).all()
        beat, once = db.get(HEARTBEAT_KEY), db.get(ONCE_KEY)
        problems = find_problems(jobs, _parse(beat), now, _parse(once))
        return {
            "healthy": not problems,
            "problems": problems,
            "now": now.isoformat(),
            "heartbeat": beat,
            "last_once": once,
            "from_cron": is_run_from_cron(_parse(beat), _parse(once)),
            "jobs": [_job_json(job) for job in jobs],
            "candidates_pending": count_pending_candidates(db),
            "outbox_unsent": count_unsent_posts(db),
            "catalog": _catalog_json(db.get(CATALOG_KEY), db.get(CURSOR_KEY)),
            "pull_requests": _pull_requests_json(db),
        }
    finally:
        db.close()


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _job_json(job: JobHealth) -> dict[str, Any]:
    def iso(when: datetime | None) -> str | None:
        return when.isoformat() if when else None

    # A cron job never run keeps a baseline `last_run` for catch-up; it did not run then.
    last_run = None if job.last_result == FIRST_RUN_PENDING else job.last_run
    return {
        "name": job.name,
        "last_run": iso(last_run),
        "result": job.last_result,
        "next_run": iso(job.next_run),
        "failures": job.failures,
        "failing_since": iso(job.failing_since),
        "last_error": job.last_error,
    }


def _catalog_json(stored: dict[str, Any] | None, cursor: str | None) -> dict[str, Any]:
    """The catalog as the service last read it (it stores the counts at start and each pull)."""
    if stored is None:
        return {"counts": None, "announced_at": cursor}
    return {**stored, "announced_at": cursor}


def _pull_requests_json(db: Database) -> list[dict[str, Any]]:
    """The PRs waiting to be merged, from the PR book (no network: status stays fast)."""
    prs: dict[str, dict[str, Any]] = {}
    for entry in PullRequestBook(db, UtcClock()).all():
        if entry.state not in ("open", "unpublished"):
            continue
        key = f"#{entry.number}" if entry.state == "open" else entry.branch
        pr = prs.setdefault(
            key,
            {
                "number": entry.number,
                "url": entry.url,
                "state": entry.state,
                "branch": entry.branch,
                "entries": [],
            },
        )
        pr["entries"].append(entry.entry_id)
    return list(prs.values())


def _pull_request_line(pr: dict[str, Any]) -> str:
    count = f"{len(pr['entries'])} entr{'y' if len(pr['entries']) == 1 else 'ies'}"
    if pr["state"] == "open":
        return f"pull request #{pr['number']}: open, {count}, waiting to be merged · {pr['url']}"
    return f"pull request for {pr['branch']}: not opened yet ({count} committed), retried"


def render_report(report: dict[str, Any], tz: ZoneInfo) -> str:
    """The report as the table `vadbot status` prints."""
    now = datetime.fromisoformat(report["now"])
    lines = [f"{'job':<14} {'last run':<24} {'result':<{RESULT_WIDTH}} next run"]
    for job in report["jobs"]:
        result = job["result"] + (f" ×{job['failures']}" if job["failures"] > 1 else "")
        last = _when(job["last_run"], now, tz, ago=True)
        shown = result if len(result) <= RESULT_WIDTH else result[: RESULT_WIDTH - 1] + "…"
        upcoming = _when(job["next_run"], now, tz)
        lines.append(f"{job['name']:<14} {last:<24} {shown:<{RESULT_WIDTH}} {upcoming}")
    if not report["jobs"]:
        lines.append("(no job has run yet)")
    lines.append(_summary(report))
    lines += [_pull_request_line(pr) for pr in report.get("pull_requests", [])]
    failing = [j for j in report["jobs"] if j["failures"] and j["last_error"]]
    lines += [f"last error ({j['name']}): {j['last_error']}" for j in failing]
    if report["from_cron"]:
        lines.append(f"last `vadbot run --once`: {_when(report['last_once'], now, tz, ago=True)}")
    lines.append("healthy" if report["healthy"] else "UNHEALTHY: " + "; ".join(report["problems"]))
    return "\n".join(lines) + "\n"


def _summary(report: dict[str, Any]) -> str:
    catalog = report["catalog"]
    if catalog.get("error"):
        served = f"; serving {catalog['serving'][:7]}" if catalog.get("serving") else ""
        listed = f"catalog: BROKEN ({catalog['error']}){served}"
    else:
        counts = (
            describe_counts(catalog["counts"])
            if catalog["counts"] is not None
            else "not read yet (vadbot run counts it)"
        )
        at = f" at {catalog['announced_at'][:7]}" if catalog["announced_at"] else ""
        listed = f"catalog: {counts or 'empty'}{at}"
    return (
        f"candidates: {report['candidates_pending']} pending · "
        f"outbox: {report['outbox_unsent']} unsent · {listed}"
    )


def _when(text: str | None, now: datetime, tz: ZoneInfo, ago: bool = False) -> str:
    if not text:
        return "never" if ago else "-"
    when = datetime.fromisoformat(text)
    local, today = when.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        shown = f"{local:%H:%M %Z}"
    elif local.date() == today + timedelta(days=1):
        shown = f"tomorrow {local:%H:%M %Z}"
    elif abs((local.date() - today).days) < 7:
        shown = f"{local:%a %H:%M %Z}"
    else:
        shown = f"{local:%Y-%m-%d %H:%M %Z}"
    minutes = int((now - when).total_seconds() // 60)
    return f"{shown} ({minutes} min ago)" if ago and 0 <= minutes < 120 else shown
