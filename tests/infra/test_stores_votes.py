"""Votes and decisions in a real SQLite state file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.candidates.reactions import Decision, VoteReaction
from bot.core.models import ReactionEvent
from bot.infra.state import Database
from bot.infra.stores import CandidateStore as VoteStore

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> VoteStore:
    db = Database(tmp_path / "state.sqlite3")
    db.execute(
        "INSERT INTO candidates(id, arxiv_id, title_key, paper, score, terms, source, created_at)"
        " VALUES(12, '2501.01234', 'x', '{}', 1.0, '[]', 'watch', ?)",
        (NOW.isoformat(),),
    )
    return VoteStore(db)


def reaction(
    message: str, user: str, emoji: str, added: bool = True, event_id: str = ""
) -> ReactionEvent:
    platform = "slack" if "." in message else "discord"
    return ReactionEvent(platform, "C", message, user, emoji, added, event_id=event_id)


def test_adding_twice_counts_once_and_removing_takes_the_vote_away(store: VoteStore) -> None:
    assert store.record_vote(reaction("900", "7", "👍"), 12, NOW)
    assert not store.record_vote(reaction("900", "7", "👍"), 12, NOW)
    assert store.record_vote(reaction("1700000000.0001", "U1", "+1"), 12, NOW)
    assert store.vote_reactions(12) == [
        VoteReaction("discord", "7", "👍"),
        VoteReaction("slack", "U1", "👍"),
    ]
    assert store.record_vote(reaction("900", "7", "👍", added=False), 12, NOW)
    assert not store.record_vote(reaction("900", "7", "👍", added=False), 12, NOW)
    assert store.vote_reactions(12) == [VoteReaction("slack", "U1", "👍")]


def test_a_redelivered_event_cannot_undo_a_newer_one(store: VoteStore) -> None:
    assert store.record_vote(reaction("900", "7", "👍", event_id="e1"), 12, NOW)
    assert store.record_vote(reaction("900", "7", "👍", added=False, event_id="e2"), 12, NOW)
    assert not store.record_vote(reaction("900", "7", "👍", event_id="e1"), 12, NOW)
    assert store.vote_reactions(12) == []


def test_reactions_come_oldest_first(store: VoteStore) -> None:
    store.record_vote(reaction("900", "7", "👎"), 12, NOW + timedelta(seconds=5))
    store.record_vote(reaction("900", "7", "👍"), 12, NOW)
    assert [r.emoji for r in store.vote_reactions(12)] == ["👍", "👎"]


def test_only_a_pending_candidate_can_be_decided(store: VoteStore) -> None:
    approved = Decision("approved", "ana", "slack", "3f2a9c1", "catalog/papers/2025/x.yaml")
    assert store.decide(12, approved, "x", NOW)
    assert not store.decide(12, Decision("rejected", "bo", "discord"), None, NOW)
    row = store.db.query("SELECT * FROM candidates WHERE id = 12")[0]
    assert (row["status"], row["decided_by"], row["decided_platform"]) == (
        "approved",
        "ana",
        "slack",
    )
    assert (row["entry_id"], row["commit_sha"]) == ("x", "3f2a9c1")
