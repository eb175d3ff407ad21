"""Votes and decisions in the state store.

A vote is a reaction row (platform, message, user, emoji) tied to its candidate; adding it twice
or removing it twice changes nothing, and an event's delivery id is remembered so a delayed
retry of an old event cannot undo a newer one. Decisions go into the candidate's row, and only
a pending candidate can be decided: the second of two approvals finds it taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.candidates.reactions import Decision, VoteReaction, normalise_emoji
from bot.core.models import ReactionEvent
from bot.infra.state import Database

UNPUSHED_KEY = "votes:unpushed"
"""kv: {candidate id: entry file} of approvals committed while the push failed."""


class VoteStore:
    """Votes and decisions, over the shared Database."""

    def __init__(self, db: Database) -> None:
        self.db = db

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

    # ---------------------------------------------------------------- pushes to do

    def mark_unpushed(self, candidate_id: int, path: str) -> None:
        """Remember that the approved candidate's entry (at `path`) is committed, not pushed."""
        waiting = dict(self.db.get(UNPUSHED_KEY, {}))
        waiting[str(candidate_id)] = path
        self.db.put(UNPUSHED_KEY, waiting)

    def unpushed(self) -> Sequence[tuple[int, str]]:
        """The approved candidates whose entries wait for a push, with their entry files."""
        waiting: dict[str, str] = self.db.get(UNPUSHED_KEY, {})
        return [(int(number), path) for number, path in sorted(waiting.items())]

    def set_pushed(self, candidate_id: int, commit: str | None) -> None:
        """The entry went out: keep the commit the remote has and forget the push to do."""
        self.db.execute("UPDATE candidates SET commit_sha = ? WHERE id = ?", (commit, candidate_id))
        waiting = dict(self.db.get(UNPUSHED_KEY, {}))
        waiting.pop(str(candidate_id), None)
        self.db.put(UNPUSHED_KEY, waiting)


def _row_key(event: ReactionEvent) -> tuple[str, str, str, str, str]:
    # stored normalised so "+1" and "+1::skin-tone-2" on one message are one vote, not two
    return (
        event.platform,
        event.channel,
        event.message_id,
        event.user_id,
        normalise_emoji(event.emoji),
    )
