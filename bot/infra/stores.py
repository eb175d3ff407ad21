"""Papers seen, candidates and their votes, in the state database (`papers_seen`,
`candidates`, `reactions`): the one store of a candidate's life.

A paper is remembered by its version-less arXiv id, so a v2 or a cross-list of a paper met
before is not new; a candidate row is kept forever (rejected ones too), so a rejected paper is
never proposed again. A vote is a reaction row (platform, message, user, emoji) tied to its
candidate; adding it twice or removing it twice changes nothing, and an event's delivery id is
remembered so a delayed retry of an old event cannot undo a newer one. Decisions go into the
candidate's row, and only a pending candidate can be decided: the second of two approvals finds
it taken.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from bot.core.candidates.reactions import Decision, VoteReaction, normalise_emoji
from bot.core.models import (
    Candidate,
    CandidateStatus,
    Match,
    Paper,
    Placement,
    ReactionEvent,
    SignOff,
    normalise_title,
    parse_arxiv_id,
)
from bot.infra.state import Database

if TYPE_CHECKING:
    from bot.core.ports import Clock
    from bot.infra.forge import PullRequest

_CHUNK = 500  # SQLite's limit on bound parameters is far above; keeps statements small


class CandidateStore:
    """Candidates from the watch's first sight of a paper to the decision, over a `Database`."""

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
        self, paper: Paper, match: Match, now: datetime, placement: Placement | None = None
    ) -> Candidate:
        """Save a pending candidate (or, with status `maybe`, a paper of the maybe lane), or
        return the one already saved for that arXiv id."""
        placement = placement or Placement()  # a pending candidate, posted for votes
        why = {
            "evidence": list(placement.evidence),
            "reason": placement.reason,
            "llm": placement.llm_reason,
        }
        self.db.execute(
            "INSERT OR IGNORE INTO candidates(arxiv_id, title_key, paper, score, terms, source,"
            " suggested_by, status, created_at, lane_rank, why)"
            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                paper.arxiv_id,
                normalise_title(paper.title),
                json.dumps(paper_to_json(paper), ensure_ascii=False),
                match.score,
                json.dumps(list(match.terms), ensure_ascii=False),
                placement.source,
                placement.suggested_by,
                placement.status,
                now.isoformat(),
                placement.rank,
                json.dumps(why, ensure_ascii=False),
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

    # ------------------------------------------------------------------ the maybe lane

    def maybe(self) -> Sequence[Candidate]:
        """The papers of the maybe lane, best ranked first (then the newest)."""
        rows = self.db.query(
            "SELECT * FROM candidates WHERE status = 'maybe'"
            " ORDER BY coalesce(lane_rank, 0) DESC, id DESC"
        )
        return [_candidate(r) for r in rows]

    def promote(self, candidate_id: int, by: str, now: datetime) -> Candidate | None:
        """Make a maybe paper a pending candidate; None if it is not (or no longer) maybe."""
        cursor = self.db.execute(
            "UPDATE candidates SET status = 'pending', promoted_by = ?, created_at = ?"
            " WHERE id = ? AND status = 'maybe'",
            (by, now.isoformat(), candidate_id),
        )
        return self.get(candidate_id) if cursor.rowcount == 1 else None

    def set_ranks(self, ranks: Mapping[int, float]) -> None:
        """Store new lane ranks (after the ranker learned something)."""
        with self.db.transaction() as conn:
            conn.executemany(
                "UPDATE candidates SET lane_rank = ? WHERE id = ?",
                [(rank, number) for number, rank in ranks.items()],
            )

    # ------------------------------------------------------------------ votes and decisions

    def record_vote(self, event: ReactionEvent, candidate_id: int, now: datetime) -> bool:
        """Add or remove one vote reaction; False when it changed nothing (a repeat)."""
        with self.db.transaction() as conn:
            if event.event_id:
                seen = conn.execute(
                    "INSERT OR IGNORE INTO events_seen(key, seen_at) VALUES(?, ?)",
                    (f"reaction:{event.platform}:{event.event_id}", now.isoformat()),
                )
                if seen.rowcount == 0:
                    return False
            if event.added:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO reactions(platform, channel, message_id, user_id,"
                    " emoji, created_at, candidate_id) VALUES(?, ?, ?, ?, ?, ?, ?)",
                    (*_row_key(event), now.isoformat(), candidate_id),
                )
            else:
                cursor = conn.execute(
                    "DELETE FROM reactions WHERE platform = ? AND channel = ? AND message_id = ?"
                    " AND user_id = ? AND emoji = ?",
                    _row_key(event),
                )
            return cursor.rowcount == 1

    def vote_reactions(self, candidate_id: int) -> Sequence[VoteReaction]:
        """Every vote reaction still on the candidate's posts, oldest first."""
        rows = self.db.query(
            "SELECT platform, user_id, emoji FROM reactions WHERE candidate_id = ?"
            " ORDER BY created_at, rowid",
            (candidate_id,),
        )
        return [VoteReaction(r["platform"], r["user_id"], r["emoji"]) for r in rows]

    def post_votes(self, platform: str, message_id: str) -> set[tuple[str, str]]:
        """(user id, emoji) of the vote reactions recorded on one post."""
        rows = self.db.query(
            "SELECT user_id, emoji FROM reactions WHERE platform = ? AND message_id = ?",
            (platform, message_id),
        )
        return {(r["user_id"], r["emoji"]) for r in rows}

    def decide(
        self, candidate_id: int, decision: Decision, entry_id: str | None, at: datetime
    ) -> bool:
        """Record a decision on a pending candidate; False if it was already decided."""
        cursor = self.db.execute(
            "UPDATE candidates SET status = ?, decided_at = ?, decided_by = ?,"
            " decided_platform = ?, entry_id = ?, commit_sha = ? WHERE id = ? AND status = ?",
            (
                decision.status,
                at.isoformat(),
                decision.by,
                decision.platform,
                entry_id,
                decision.commit,
                candidate_id,
                "pending",
            ),
        )
        return cursor.rowcount == 1

    def reopen(self, candidate_id: int) -> bool:
        """An approved candidate back to pending (its PR was closed unmerged); False if it was
        not approved."""
        cursor = self.db.execute(
            "UPDATE candidates SET status = 'pending', decided_at = NULL, decided_by = NULL,"
            " decided_platform = NULL, entry_id = NULL, commit_sha = NULL"
            " WHERE id = ? AND status = 'approved'",
            (candidate_id,),
        )
        return cursor.rowcount == 1

    # ---------------------------------------------------------------- pushes to do

    def mark_unpushed(self, candidate_id: int, path: str) -> None:
        """Remember that the approved candidate's entry (at `path`) is committed, not pushed."""
        self.db.execute(
            "UPDATE candidates SET unpushed_path = ? WHERE id = ?", (path, candidate_id)
        )

    def unpushed(self) -> Sequence[tuple[int, str]]:
        """The approved candidates whose entries wait for a push, with their entry files."""
        rows = self.db.query(
            "SELECT id, unpushed_path FROM candidates WHERE unpushed_path IS NOT NULL ORDER BY id"
        )
        return [(int(r["id"]), str(r["unpushed_path"])) for r in rows]

    def set_pushed(self, candidate_id: int, commit: str | None) -> None:
        """The entry went out: keep the commit the remote has and forget the push to do."""
        self.db.execute(
            "UPDATE candidates SET commit_sha = ?, unpushed_path = NULL WHERE id = ?",
            (commit, candidate_id),
        )


class RankerStore:
    """The learned ranker's model, with the fingerprint of the examples it learned from."""

    def __init__(self, db: Database, name: str = "arxiv") -> None:
        self.db = db
        self.name = name

    def load_model(self) -> tuple[str, bytes] | None:
        """(fingerprint, model bytes) of the saved model, or None."""
        rows = self.db.query("SELECT fingerprint, model FROM ranker WHERE name = ?", (self.name,))
        return (str(rows[0]["fingerprint"]), bytes(rows[0]["model"])) if rows else None

    def save_model(self, fingerprint: str, model: bytes, now: datetime) -> None:
        """Keep a newly trained model."""
        self.db.execute(
            "INSERT INTO ranker(name, fingerprint, model, trained_at) VALUES(?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET fingerprint = excluded.fingerprint,"
            " model = excluded.model, trained_at = excluded.trained_at",
            (self.name, fingerprint, model, now.isoformat()),
        )


def _row_key(event: ReactionEvent) -> tuple[str, str, str, str, str]:
    # stored normalised so "+1" and "+1::skin-tone-2" on one message are one vote, not two
    return (
        event.platform,
        event.channel,
        event.message_id,
        event.user_id,
        normalise_emoji(event.emoji),
    )


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
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
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
        comment=data.get("comment"),
        journal_ref=data.get("journal_ref"),
    )


def _candidate(row: sqlite3.Row) -> Candidate:
    why = json.loads(row["why"]) if row["why"] else {}
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
        rank=row["lane_rank"],
        evidence=tuple(why.get("evidence") or ()),
        reason=str(why.get("reason") or ""),
        llm_reason=str(why.get("llm") or ""),
        promoted_by=row["promoted_by"],
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# ---------------------------------------------------------------------------- pull requests

RowState = Literal["unpublished", "open", "merged", "closed"]


@dataclass(frozen=True, slots=True)
class PrEntry:
    """One approved entry waiting in (or gone through) a PR."""

    entry_id: str
    candidate_id: int
    title: str
    approver: str
    post_url: str
    branch: str
    number: int | None
    url: str | None
    state: RowState


class PullRequestBook:
    """The `pr_entries` table: which entry went to which branch and PR, and its state."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(
        self, candidate: Candidate, entry_id: str, title: str, sign_off: SignOff, branch: str
    ) -> None:
        """Remember that the entry waits on `branch` (replacing a closed earlier try)."""
        now = self.clock.now().isoformat()
        self.db.execute(
            "INSERT INTO pr_entries(entry_id, candidate_id, title, approver, post_url, branch,"
            " state, added_at, changed_at) VALUES(?, ?, ?, ?, ?, ?, 'unpublished', ?, ?)"
            " ON CONFLICT(entry_id) DO UPDATE SET candidate_id = excluded.candidate_id,"
            " title = excluded.title, approver = excluded.approver,"
            " post_url = excluded.post_url, branch = excluded.branch, pr_number = NULL,"
            " pr_url = NULL, state = 'unpublished', changed_at = excluded.changed_at",
            (entry_id, candidate.id, title, sign_off.approver, sign_off.post_url, branch, now, now),
        )

    def branch_of(self, candidate_id: int) -> tuple[str, str] | None:
        rows = self.db.query(
            "SELECT branch, entry_id FROM pr_entries WHERE candidate_id = ?"
            " AND state IN ('unpublished', 'open')",
            (candidate_id,),
        )
        return (rows[0]["branch"], rows[0]["entry_id"]) if rows else None

    def live_ids(self) -> Collection[str]:
        rows = self.db.query(
            "SELECT entry_id FROM pr_entries WHERE state IN ('unpublished', 'open')"
        )
        return {row["entry_id"] for row in rows}

    def has_live(self, branch: str) -> bool:
        return bool(self.live(branch))

    def live(self, branch: str) -> list[PrEntry]:
        """The entries on `branch` not merged nor closed, oldest first."""
        return self._entries("branch = ? AND state IN ('unpublished', 'open')", (branch,))

    def branches_to_publish(self) -> list[str]:
        """Branches with an entry not yet in its PR's body."""
        rows = self.db.query(
            "SELECT branch FROM pr_entries WHERE state = 'unpublished'"
            " GROUP BY branch ORDER BY MIN(added_at), branch"
        )
        return [row["branch"] for row in rows]

    def open_numbers(self) -> list[int]:
        """The PRs the book believes open."""
        rows = self.db.query(
            "SELECT DISTINCT pr_number FROM pr_entries WHERE state = 'open' ORDER BY pr_number"
        )
        return [int(row["pr_number"]) for row in rows]

    def all(self, state: RowState | None = None) -> list[PrEntry]:
        """Every entry (of one state), oldest first: for `vadbot status` and the tests."""
        return self._entries("state = ?", (state,)) if state else self._entries("1", ())

    def merged_approver(self, entry_id: str) -> str | None:
        """Who approved the entry, once its PR is merged (for the announcement's credit)."""
        rows = self.db.query(
            "SELECT approver FROM pr_entries WHERE entry_id = ? AND state = 'merged'", (entry_id,)
        )
        return str(rows[0]["approver"]) if rows else None

    def set_open(self, branch: str, pr: PullRequest, entry_ids: Collection[str]) -> None:
        """The PR on `branch` now lists these entries."""
        now = self.clock.now().isoformat()
        with self.db.transaction() as conn:
            for entry_id in entry_ids:
                conn.execute(
                    "UPDATE pr_entries SET pr_number = ?, pr_url = ?, state = 'open',"
                    " changed_at = ? WHERE entry_id = ? AND branch = ?"
                    " AND state IN ('unpublished', 'open')",
                    (pr.number, pr.url, now, entry_id, branch),
                )

    def close(self, pr: PullRequest) -> list[PrEntry]:
        """Mark the open entries of a merged or closed PR; the entries that changed."""
        rows = self._entries("pr_number = ? AND state = 'open'", (pr.number,))
        self.db.execute(
            "UPDATE pr_entries SET state = ?, changed_at = ?"
            " WHERE pr_number = ? AND state = 'open'",
            (pr.state, self.clock.now().isoformat(), pr.number),
        )
        return rows

    def _entries(self, where: str, params: Sequence[object]) -> list[PrEntry]:
        rows = self.db.query(
            f"SELECT * FROM pr_entries WHERE {where} ORDER BY added_at, entry_id", params
        )
        names = (
            "entry_id",
            "candidate_id",
            "title",
            "approver",
            "post_url",
            "branch",
            "pr_number",
            "pr_url",
            "state",
        )
        return [PrEntry(*(r[n] for n in names)) for r in rows]
