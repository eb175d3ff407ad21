"""The state store: one SQLite file (WAL), versioned migrations, and the schema of every table.

This module owns the schema. Stores (`stores.py` and the `*_store.py` beside it) run their queries
through `Database`; a new table or column is a new entry at the end of MIGRATIONS, never an edit
of an old one. A file written by a newer vadbot (higher `user_version`) is refused, not
silently downgraded.

Tables
    kv            small named facts: cursors, feed validators, last digest (key → JSON text)
    announced     catalog entries already announced (id, arXiv id, normalised title)
    papers_seen   arXiv papers met in any feed, by version-less id
    candidates    papers proposed for the list and their decision; status 'maybe' is the maybe
                  lane (kept, ranked by `lane_rank`, `why` it was kept, promotable by 👍/✅)
    reactions     vote reactions on candidates' posts, one row per (platform, message, user, emoji)
    posts         the outbox: every post, recorded before sending, confirmed with its id after
    events_seen   delivery ids already handled (Slack retries, gateway replays)
    jobs          each scheduled job's last run, result and failure streak
    llm_calls     calls made to the optional LLM endpoint per UTC day, for its daily cap
    pr_entries    approved entries sent to a pull request (pull-request mode): branch, PR, state
    ranker        the learned ranker's model and the fingerprint of what it learned from
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bot.errors import ConfigError
from bot.settings import Settings

MIGRATIONS: tuple[str, ...] = (
    # 1: everything the first release needs
    """
    CREATE TABLE kv (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE announced (
        entry_id     TEXT PRIMARY KEY,
        arxiv_id     TEXT,
        title_key    TEXT NOT NULL,
        commit_sha   TEXT,
        announced_at TEXT NOT NULL
    );
    CREATE INDEX announced_arxiv ON announced(arxiv_id);
    CREATE INDEX announced_title ON announced(title_key);
    CREATE TABLE papers_seen (
        arxiv_id      TEXT PRIMARY KEY,
        version       INTEGER NOT NULL,
        title_key     TEXT NOT NULL,
        announce_type TEXT NOT NULL,
        first_seen    TEXT NOT NULL,
        last_seen     TEXT NOT NULL
    );
    CREATE TABLE candidates (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        arxiv_id         TEXT NOT NULL UNIQUE,
        title_key        TEXT NOT NULL,
        paper            TEXT NOT NULL,
        score            REAL NOT NULL,
        terms            TEXT NOT NULL,
        source           TEXT NOT NULL,
        suggested_by     TEXT,
        status           TEXT NOT NULL DEFAULT 'pending',
        created_at       TEXT NOT NULL,
        decided_at       TEXT,
        decided_by       TEXT,
        decided_platform TEXT,
        entry_id         TEXT,
        commit_sha       TEXT
    );
    CREATE INDEX candidates_status ON candidates(status);
    CREATE TABLE reactions (
        platform     TEXT NOT NULL,
        channel      TEXT NOT NULL,
        message_id   TEXT NOT NULL,
        user_id      TEXT NOT NULL,
        emoji        TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        candidate_id INTEGER NOT NULL,
        PRIMARY KEY (platform, message_id, user_id, emoji)
    );
    CREATE INDEX reactions_candidate ON reactions(candidate_id);
    CREATE TABLE posts (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        key        TEXT NOT NULL,
        purpose    TEXT NOT NULL,
        platform   TEXT NOT NULL,
        channel    TEXT NOT NULL,
        card       TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',
        message_id TEXT,
        attempts   INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at    TEXT,
        UNIQUE (key, platform, channel)
    );
    CREATE INDEX posts_status ON posts(status);
    CREATE INDEX posts_message ON posts(platform, message_id);
    CREATE TABLE events_seen (
        key     TEXT PRIMARY KEY,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE jobs (
        name          TEXT PRIMARY KEY,
        last_run      TEXT,
        last_result   TEXT,
        last_error    TEXT,
        next_run      TEXT,
        failing_since TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,
        alerted       INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 2: an approval committed but not pushed is a column of its candidate, not a kv blob
    """
    ALTER TABLE candidates ADD COLUMN unpushed_path TEXT;
    UPDATE candidates SET unpushed_path = (
        SELECT j.value FROM kv, json_each(kv.value) AS j
        WHERE kv.key = 'votes:unpushed' AND j.key = CAST(candidates.id AS TEXT)
    );
    DELETE FROM kv WHERE key = 'votes:unpushed';
    """,
    # 3: the optional LLM's daily cap survives restarts
    """
    CREATE TABLE llm_calls (
        day   TEXT PRIMARY KEY,
        calls INTEGER NOT NULL
    );
    """,
    # 4: catalog.publish: pull-request (bot/infra/pull_requests.py)
    """
    CREATE TABLE pr_entries (
        entry_id     TEXT PRIMARY KEY,
        candidate_id INTEGER NOT NULL,
        title        TEXT NOT NULL,
        approver     TEXT NOT NULL,
        post_url     TEXT NOT NULL DEFAULT '',
        branch       TEXT NOT NULL,
        pr_number    INTEGER,
        pr_url       TEXT,
        state        TEXT NOT NULL DEFAULT 'unpublished',
        added_at     TEXT NOT NULL,
        changed_at   TEXT NOT NULL
    );
    CREATE INDEX pr_entries_candidate ON pr_entries(candidate_id);
    CREATE INDEX pr_entries_pr ON pr_entries(pr_number, state);
    """,
    # 5: the maybe lane (status 'maybe', ranked, promotable) and the learned ranker (issue 12)
    """
    ALTER TABLE candidates ADD COLUMN lane_rank REAL;
    ALTER TABLE candidates ADD COLUMN why TEXT;
    ALTER TABLE candidates ADD COLUMN promoted_by TEXT;
    CREATE TABLE ranker (
        name        TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        model       BLOB NOT NULL,
        trained_at  TEXT NOT NULL
    );
    """,
    # 6: the catalog refresh's proposals (bot/core/refresh.py); a dismissed one never returns
    """
    CREATE TABLE catalog_fixes (
        key        TEXT PRIMARY KEY,
        entry_id   TEXT NOT NULL,
        name       TEXT NOT NULL,
        field      TEXT NOT NULL,
        value      TEXT NOT NULL,
        before     TEXT NOT NULL DEFAULT '',
        source     TEXT NOT NULL DEFAULT '',
        status     TEXT NOT NULL DEFAULT 'open',
        decided_by TEXT
    );
    """,
    # 7: a post's own reactions are done (a kill between "sent" and them is finished at start);
    # posts sent before this migration count as done
    """
    ALTER TABLE posts ADD COLUMN reacted INTEGER NOT NULL DEFAULT 1;
    """,
)


RESTORE = "restore it from a backup, or move it aside to start afresh (votes and posts are lost)"


class Database:
    """One SQLite connection shared by the stores; safe to use from worker threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._refuse_foreign()
            self.migrate()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise ConfigError(f"state.path {self.path}: {_cause(exc)}") from None

    def _refuse_foreign(self) -> None:
        """A SQLite file of another program (tables, but no vadbot schema) is left alone."""
        if self.version != 0:
            return
        tables = [r[0] for r in self._conn.execute("SELECT name FROM sqlite_master LIMIT 4")]
        if tables:
            raise ConfigError(
                f"state.path {self.path}: not a vadbot state file (it holds "
                f"{', '.join(tables[:3])} of another program); give vadbot a file of its own"
            )

    @property
    def version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema up to date; refuse a file from a newer vadbot."""
        current = self.version
        if current > len(MIGRATIONS):
            raise ConfigError(
                f"{self.path}: state schema {current} is newer than this vadbot knows "
                f"({len(MIGRATIONS)}); upgrade vadbot instead of downgrading the state"
            )
        for number, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self._lock:
                self._conn.executescript(
                    f"BEGIN;\n{script}\nPRAGMA user_version={number};\nCOMMIT;"
                )

    def quick_check(self) -> None:
        """Refuse a damaged state file at start (`PRAGMA quick_check`), in one clear line."""
        try:
            rows = self.query("PRAGMA quick_check")
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"state.path {self.path}: the state file is damaged ({exc}); {RESTORE}"
            ) from None
        problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
        if problems:
            raise ConfigError(
                f"state.path {self.path}: the state file is damaged ({problems[0]}); {RESTORE}"
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE … COMMIT, or ROLLBACK on error)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement in its own transaction (autocommit)."""
        with self._lock:
            return self._conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """All rows of a query."""
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -------------------------------------------------------------------- kv

    def get(self, key: str, default: Any = None) -> Any:
        """A small named fact (JSON), or `default`."""
        rows = self.query("SELECT value FROM kv WHERE key = ?", (key,))
        return json.loads(rows[0]["value"]) if rows else default

    def put(self, key: str, value: Any) -> None:
        """Store a small named fact as JSON; None forgets it."""
        if value is None:
            self.execute("DELETE FROM kv WHERE key = ?", (key,))
            return
        self.execute(
            "INSERT INTO kv(key, value) VALUES(?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    def first_time(self, key: str, now: str) -> bool:
        """True the first time a delivery key is seen, False on every repeat."""
        cursor = self.execute(
            "INSERT OR IGNORE INTO events_seen(key, seen_at) VALUES(?, ?)", (key, now)
        )
        return cursor.rowcount == 1


def _cause(exc: BaseException) -> str:
    """What is wrong with the state file, in words a person can act on."""
    text = str(exc).lower()
    if isinstance(exc, OSError):
        return f"its folder cannot be made ({exc.strerror or exc})"
    if "not a database" in text:
        return "not a SQLite database (is state.path pointing at another file?)"
    if "malformed" in text or "corrupt" in text:
        return "the state file is damaged; move it aside and restore a backup"
    if "readonly" in text or "read-only" in text:
        return "read-only: vadbot must be able to write its state there"
    if "locked" in text:
        return "locked by another program; is another vadbot running on it?"
    if "unable to open" in text:
        return "cannot be opened (does its folder exist, and may vadbot write there?)"
    return str(exc)


def open_state(settings: Settings, *, create: bool = True) -> Database:
    """The state at `state.path`. A command that only reads (`create=False`) never makes the
    file: where there is none yet, it reads an empty state in memory."""
    path = settings.resolve(settings.state.path)
    if not create and not path.exists():
        return Database(":memory:")
    return Database(path)


class StateLock:
    """`<state file>.lock`, held (flock) by the one vadbot process that sends: the service, or
    a one-shot command while no service runs. Released when the process ends, even by kill -9."""

    def __init__(self, state_path: str | Path) -> None:
        self.path = Path(f"{state_path}.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another process (or another Bot here) holds it."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def holder(self) -> str:
        """The process id written by the holder ("?" when unknown)."""
        try:
            return self.path.read_text(encoding="utf-8").strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
