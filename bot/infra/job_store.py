"""The `jobs` table: each scheduled job's last run, result, next run and failure streak."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.core.models import JobHealth
from bot.infra.state import Database


class JobStore:
    """The JobLog port on the state database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, name: str) -> JobHealth:
        """The job's recorded health, or a blank one."""
        rows = self.db.query("SELECT * FROM jobs WHERE name = ?", (name,))
        return _parse(rows[0]) if rows else JobHealth(name)

    def all(self) -> list[JobHealth]:
        """Every job ever recorded, by name."""
        return [_parse(row) for row in self.db.query("SELECT * FROM jobs ORDER BY name")]

    def save(self, health: JobHealth) -> None:
        """Insert or replace the job's row."""
        self.db.execute(
            "INSERT OR REPLACE INTO jobs(name, last_run, last_result, last_error, next_run, "
            "failing_since, failures, alerted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                health.name,
                _iso(health.last_run),
                health.last_result,
                health.last_error,
                _iso(health.next_run),
                _iso(health.failing_since),
                health.failures,
                int(health.alerted),
            ),
        )


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _parse(row: sqlite3.Row) -> JobHealth:
    return JobHealth(
        name=row["name"],
        last_run=_time(row["last_run"]),
        last_result=row["last_result"] or "",
        last_error=row["last_error"] or "",
        next_run=_time(row["next_run"]),
        failing_since=_time(row["failing_since"]),
        failures=row["failures"],
        alerted=bool(row["alerted"]),
    )


def count_pending_candidates(db: Database) -> int:
    """Candidates waiting for a decision."""
    return int(db.query("SELECT count(*) AS n FROM candidates WHERE status = 'pending'")[0]["n"])


def count_unsent_posts(db: Database) -> int:
    """Posts recorded in the outbox but not confirmed by their platform."""
    rows = db.query("SELECT count(*) AS n FROM posts WHERE status != 'sent'")
    return int(rows[0]["n"])


def failing_posts(db: Database, min_attempts: int) -> list[tuple[str, str]]:
    """(platform, last error) of unsent posts tried at least `min_attempts` times."""
    rows = db.query(
        "SELECT platform, last_error FROM posts WHERE status != 'sent' AND attempts >= ?",
        (min_attempts,),
    )
    return [(row["platform"], row["last_error"] or "unknown error") for row in rows]
