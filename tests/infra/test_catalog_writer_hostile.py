"""Approval of papers with hostile titles and authors: real throwaway git repos."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.core.models import SignOff
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.yaml_files import load_catalog
from tests.support_votes import make_candidate, make_catalog_repo


def writer(repo: Path) -> CatalogWriter:
    return CatalogWriter(GitRepo(repo), "catalog", bot_email="vadbot@lab.example")


def test_a_300_character_title_is_approved_with_a_short_id(tmp_path: Path) -> None:
    title = "Anomaly" * 43 + " in video with LLMs"  # a 301-character first word
    assert len(title) >= 300
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    added = writer(repo).add_candidate(make_candidate(title=title), SignOff("ana", "slack"))
    assert added.created
    assert len(added.entry_id) <= 80 + len("-2025")  # room for a year made unique
    assert len(Path(added.path).name) < 100
    entry = load_catalog(repo / "catalog").by_id()[added.entry_id]
    assert entry.title == title


def test_a_paper_titled_null_by_an_author_named_tilde_can_be_approved(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    candidate = make_candidate(title="null")
    candidate = replace(candidate, paper=replace(candidate.paper, authors=("~", "Null")))
    added = writer(repo).add_candidate(candidate, SignOff("ana", "slack"))
    entry = load_catalog(repo / "catalog").by_id()[added.entry_id]
    assert (entry.title, entry.authors) == ("null", ("~", "Null"))


def test_two_papers_titled_only_with_different_emoji_are_two_papers(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    w = writer(repo)
    first = w.add_candidate(make_candidate(1, "2501.00001", "🔥🔥🔥"), SignOff("ana", "slack"))
    second = w.add_candidate(make_candidate(2, "2501.00002", "🚀"), SignOff("ana", "slack"))
    assert first.created
    assert second.created
    assert first.entry_id != second.entry_id
    assert len(load_catalog(repo / "catalog").entries) == 3
