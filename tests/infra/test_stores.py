"""Candidates and seen papers in the SQLite state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.core.models import Match, Paper, Placement
from bot.infra.state import Database
from bot.infra.stores import CandidateStore

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
PAPER = Paper(
    "2611.01234",
    "Reasoning About Rare Events: Multimodal LLMs for Video Anomaly Detection",
    "We propose …",
    version=1,
    authors=("A. Author", "B. Author"),
    categories=("cs.CV", "cs.AI"),
    published=NOW,
    abs_url="https://arxiv.org/abs/2611.01234",
    pdf_url="https://arxiv.org/pdf/2611.01234",
    code_url="https://github.com/lab/rare",
)


def store_at(path: Path) -> CandidateStore:
    return CandidateStore(Database(path / "state.sqlite3"))


def test_candidate_round_trips_and_is_found_by_any_form_of_its_id(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    saved = store.add_candidate(PAPER, Match(0.91, ("video anomaly", "MLLM")), NOW)
    assert saved.status == "pending"
    assert saved.paper == PAPER
    assert saved.match == Match(0.91, ("video anomaly", "MLLM"))
    assert store.get(saved.id) == saved
    assert store.get_by_arxiv("https://arxiv.org/abs/2611.01234v3") == saved
    assert store.list("pending") == [saved]
    assert store.list("rejected") == []


def test_same_paper_twice_is_one_candidate(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    first = store.add_candidate(PAPER, Match(0.9, ()), NOW)
    again = store.add_candidate(PAPER, Match(0.5, ()), NOW, Placement(source="suggest"))
    assert again == first
    assert len(store.list()) == 1


def test_rejected_candidate_stays_seen_after_a_restart(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    saved = store.add_candidate(PAPER, Match(0.9, ()), NOW)
    store.db.execute("UPDATE candidates SET status = 'rejected' WHERE id = ?", (saved.id,))
    store.db.close()
    reopened = store_at(tmp_path)
    assert reopened.seen_ids(["2611.01234", "2611.99999"]) == {"2611.01234"}
    assert reopened.get(saved.id).status == "rejected"  # type: ignore[union-attr]


def test_seen_papers_keep_their_latest_version(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.mark_seen([PAPER], NOW)
    store.mark_seen([Paper(PAPER.arxiv_id, PAPER.title, "", version=2)], NOW)
    store.mark_seen([Paper(PAPER.arxiv_id, PAPER.title, "", version=1)], NOW)
    rows = store.db.query("SELECT version, first_seen FROM papers_seen")
    assert [(r["version"], r["first_seen"]) for r in rows] == [(2, NOW.isoformat())]


def test_many_ids_are_checked_in_chunks(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    papers = [Paper(f"2611.{n:05d}", f"t{n}", "") for n in range(1200)]
    store.mark_seen(papers[::2], NOW)
    assert len(store.seen_ids([p.arxiv_id for p in papers])) == 600


def test_facts_survive_a_restart(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.db.put("arxiv.validators", {"etag": '"x"'})
    store.db.close()
    assert store_at(tmp_path).db.get("arxiv.validators") == {"etag": '"x"'}
