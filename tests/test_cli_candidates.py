"""`vadbot candidates list` as a user runs it, on a real state file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.candidates.reactions import Decision
from bot.core.models import Match, ReactionEvent
from bot.infra.state import Database
from bot.infra.stores import CandidateStore
from bot.infra.stores import CandidateStore as VoteStore
from tests.support_votes import make_candidate

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "state.sqlite3"
    monkeypatch.setenv("VADBOT_STATE__PATH", str(path))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    db = Database(path)
    store, votes = CandidateStore(db), VoteStore(db)
    for n, title in ((1, "Liked Paper"), (2, "Quiet Paper"), (3, "Approved Paper")):
        paper = make_candidate(n, f"2501.0000{n}", title).paper
        store.add_candidate(paper, Match(1.0, ("anomaly",)), NOW)
    for user, emoji in (("U1", "+1"), ("U2", "+1"), ("U3", "-1")):
        votes.record_vote(ReactionEvent("slack", "C", "17.1", user, emoji, True), 1, NOW)
    decision = Decision("approved", "ana", "slack", "3f2a9c1d", "catalog/papers/2025/a.yaml")
    votes.decide(3, decision, "approved-paper", NOW)
    db.close()
    return path


def test_pending_candidates_with_their_votes(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["candidates", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("#1")
    assert "👍 2 · 👎 1 (Slack 3)" in lines[0]
    assert lines[0].endswith("Liked Paper")
    assert "Quiet Paper" in lines[1]


def test_json_for_scripts_and_a_status_filter(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["candidates", "list", "--status", "approved", "--json"]) == 0
    [approved] = json.loads(capsys.readouterr().out)
    assert approved["id"] == 3
    assert approved["status"] == "approved"
    assert (approved["decided_by"], approved["decided_platform"]) == ("ana", "slack")
    assert (approved["entry_id"], approved["commit"]) == ("approved-paper", "3f2a9c1d")
    assert main(["candidates", "list", "--status", "all", "--json"]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in everything] == [1, 2, 3]
    assert everything[0]["votes"] == {"up": 2, "down": 1, "by_platform": {"slack": 3}}


def test_an_empty_list_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "empty.sqlite3"))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["candidates", "list", "--status", "rejected"]) == 0
    assert capsys.readouterr().out == "no rejected candidates\n"


def test_a_state_file_that_is_not_sqlite_gets_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database, someone copied a log here\n" * 100)
    monkeypatch.setenv("VADBOT_STATE__PATH", str(path))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    assert main(["candidates", "list"]) == 2  # a setting to fix, like every config error
    err = capsys.readouterr().err
    assert f"state.path {path}: not a SQLite database" in err  # the path and the cause
    assert "Traceback" not in err
