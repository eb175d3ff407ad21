"""The announcer's memory in SQLite: the cursor (kv) and the entries announced (`announced`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.models import Entry, normalise_title
from bot.infra.state import Database

CURSOR_KEY = "announce.cursor"
_FLAG_PREFIX = "announce."


class AnnounceStore:
    """The `AnnounceState` port over the shared state `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def cursor(self) -> str | None:
        value = self.db.get(CURSOR_KEY)
        return str(value) if value else None

    def set_cursor(self, sha: str) -> None:
        self.db.put(CURSOR_KEY, sha)

    def announced(self, entries: Sequence[Entry]) -> set[str]:
        """Ids among `entries` already announced under their id, arXiv id or title."""
        if not entries:
            return set()
        ids, arxiv_ids, titles = self._known()
        return {
            e.id
            for e in entries
            if e.id in ids
            or (e.arxiv_id and e.arxiv_id in arxiv_ids)
            or normalise_title(e.title) in titles
        }

    def _known(self) -> tuple[set[str], set[str], set[str]]:
        # One scan beats a query per entry once a fallback compares thousands of entries.
        rows = self.db.query("SELECT entry_id, arxiv_id, title_key FROM announced")
        return (
            {r["entry_id"] for r in rows},
            {r["arxiv_id"] for r in rows if r["arxiv_id"]},
            {r["title_key"] for r in rows},
        )

    def mark_announced(self, entries: Sequence[Entry], commit: str, at: datetime) -> None:
        rows = [
            (e.id, e.arxiv_id, normalise_title(e.title), commit, at.isoformat()) for e in entries
        ]
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO announced"
                "(entry_id, arxiv_id, title_key, commit_sha, announced_at) VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def get(self, key: str, default: Any = None) -> Any:
        return self.db.get(_FLAG_PREFIX + key, default)

    def put(self, key: str, value: Any) -> None:
        self.db.put(_FLAG_PREFIX + key, value)
