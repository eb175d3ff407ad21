"""Papers seen and candidates, in the state database (tables `papers_seen` and `candidates`).

A paper is remembered by its version-less arXiv id, so a v2 or a cross-list of a paper met
before is not new; a candidate row is kept forever (rejected ones too), so a rejected paper is
never proposed again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from bot.core.models import (
    Candidate,
    CandidateStatus,
    Match,
    Paper,
    normalise_title,
    parse_arxiv_id,
)
from bot.infra.state import Database

_CHUNK = 500  # SQLite's limit on bound parameters is far above; keeps statements small


class CandidateStore:
    """The watch's PaperStore and the candidates' reader, over a `Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ seen

    def seen_ids(self, arxiv_ids: Collection[str]) -> set[str]:
        """Those of `arxiv_ids` already seen or already candidates."""
        ids = list(dict.fromkeys(arxiv_ids))
        found: set[str] = set()
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT arxiv_id FROM papers_seen WHERE arxiv_id IN ({marks}) "
                f"UNION SELECT arxiv_id FROM candidates WHERE arxiv_id IN ({marks})"
            )
            found.update(r["arxiv_id"] for r in self.db.query(sql, chunk + chunk))
        return found

    def mark_seen(self, papers: Sequence[Paper], now: datetime) -> None:
        """Remember papers by version-less id; a later version only updates the row."""
        rows = [
            (p.arxiv_id, p.version, normalise_title(p.title), p.announce_type, now.isoformat())
            for p in papers
        ]
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO papers_seen(arxiv_id, version, title_key, announce_type, first_seen,"
                " last_seen) VALUES(?, ?, ?, ?, ?, ?5) ON CONFLICT(arxiv_id) DO UPDATE SET"
                " version = max(version, excluded.version), last_seen = excluded.last_seen",
                rows,
            )

    # ------------------------------------------------------------------ candidates

    def add_candidate(
        self,
        paper: Paper,
        match: Match,
        source: str,
        now: datetime,
        suggested_by: str | None = None,
    ) -> Candidate:
        """Save a pending candidate, or return the one already saved for that arXiv id."""
        self.db.execute(
            "INSERT OR IGNORE INTO candidates(arxiv_id, title_key, paper, score, terms, source,"
            " suggested_by, status, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            (
                paper.arxiv_id,
                normalise_title(paper.title),
                json.dumps(paper_to_json(paper), ensure_ascii=False),
                match.score,
                json.dumps(list(match.terms), ensure_ascii=False),
                source,
                suggested_by,
                now.isoformat(),
            ),
        )
        found = self.get_by_arxiv(paper.arxiv_id)
        assert found is not None  # just inserted or already there
        return found

    def get(self, candidate_id: int) -> Candidate | None:
        """The candidate with this number, or None."""
        rows = self.db.query("SELECT * FROM candidates WHERE id = ?", (candidate_id,))
        return _candidate(rows[0]) if rows else None

    def get_by_arxiv(self, arxiv_id: str) -> Candidate | None:
        """The candidate for this arXiv id (any version, any form of the id), or None."""
        found = parse_arxiv_id(arxiv_id)
        key = found[0] if found else arxiv_id
        rows = self.db.query("SELECT * FROM candidates WHERE arxiv_id = ?", (key,))
        return _candidate(rows[0]) if rows else None

    def list(self, status: CandidateStatus | None = None) -> list[Candidate]:
        """Candidates, oldest first; only those with `status` when given."""
        if status is None:
            rows = self.db.query("SELECT * FROM candidates ORDER BY id")
        else:
            rows = self.db.query("SELECT * FROM candidates WHERE status = ? ORDER BY id", (status,))
        return [_candidate(r) for r in rows]

    # ------------------------------------------------------------------ facts

    def get_fact(self, key: str) -> Any:
        """A small named fact of the watch, or None."""
        return self.db.get(key)

    def put_fact(self, key: str, value: Any) -> None:
        """Store a small named fact of the watch."""
        self.db.put(key, value)


def paper_to_json(paper: Paper) -> dict[str, Any]:
    """A Paper as JSON-able data (dates as ISO text)."""
    return {
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "abstract": paper.abstract,
        "version": paper.version,
        "announce_type": paper.announce_type,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "published": paper.published.isoformat() if paper.published else None,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "code_url": paper.code_url,
    }


def paper_from_json(data: dict[str, Any]) -> Paper:
    """The Paper that `paper_to_json` wrote."""
    published = data.get("published")
    return Paper(
        arxiv_id=data["arxiv_id"],
        title=data["title"],
        abstract=data.get("abstract", ""),
        version=int(data.get("version", 1)),
        announce_type=data.get("announce_type", "new"),
        authors=tuple(data.get("authors", ())),
        categories=tuple(data.get("categories", ())),
        published=datetime.fromisoformat(published) if published else None,
        abs_url=data.get("abs_url", ""),
        pdf_url=data.get("pdf_url", ""),
        code_url=data.get("code_url"),
    )


def _candidate(row: sqlite3.Row) -> Candidate:
    return Candidate(
        id=int(row["id"]),
        paper=paper_from_json(json.loads(row["paper"])),
        match=Match(float(row["score"]), tuple(json.loads(row["terms"]))),
        status=row["status"],
        source=row["source"],
        created_at=_time(row["created_at"]),
        decided_by=row["decided_by"],
        decided_platform=row["decided_platform"],
        decided_at=_time(row["decided_at"]),
        entry_id=row["entry_id"],
        commit=row["commit_sha"],
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
