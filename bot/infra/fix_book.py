"""The catalog refresh's proposals in the state file: open, applied or dismissed for good."""

from __future__ import annotations

from bot.core.refresh import Finding
from bot.infra.state import Database


class FixBook:
    """The `catalog_fixes` table (the FixBook port of `bot/core/refresh.py`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, finding: Finding) -> None:
        """Remember a proposal posted; a key already known keeps its status."""
        f = finding
        self.db.execute(
            "INSERT OR IGNORE INTO catalog_fixes(key, entry_id, name, field, value, before, "
            "source) VALUES(?, ?, ?, ?, ?, ?, ?)",
            (f.key, f.entry_id, f.name, f.field, f.value, f.before, f.source),
        )

    def get(self, key: str) -> tuple[Finding, str] | None:
        """The proposal under this key and its status."""
        rows = self.db.query("SELECT * FROM catalog_fixes WHERE key = ?", (key,))
        if not rows:
            return None
        r = rows[0]
        finding = Finding(
            r["entry_id"], r["name"], r["field"], r["value"], r["before"], r["source"]
        )
        return finding, str(r["status"])

    def close(self, key: str, status: str, by: str) -> bool:
        """Mark an open proposal applied or dismissed; False if it was decided already."""
        cursor = self.db.execute(
            "UPDATE catalog_fixes SET status = ?, decided_by = ? WHERE key = ? AND status = 'open'",
            (status, by, key),
        )
        return cursor.rowcount == 1

    def closed(self) -> set[str]:
        """Every key decided: never proposed again."""
        rows = self.db.query("SELECT key FROM catalog_fixes WHERE status != 'open'")
        return {str(r["key"]) for r in rows}

    def open_keys(self) -> set[str]:
        """The proposals posted and not decided yet."""
        rows = self.db.query("SELECT key FROM catalog_fixes WHERE status = 'open'")
        return {str(r["key"]) for r in rows}
