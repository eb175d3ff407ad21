"""Catalog diffs by entry id, commit by commit, on real repositories and in memory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.catalog.history import (
    Change,
    Commit,
    FileChange,
    FileVersion,
    Step,
    build_changes,
    changed_fields,
    diff_entries,
    is_worth_announcing,
)
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from tests.git_repo import CatalogRepo, make_entry

COMMIT = Commit("a" * 40, "Ada", datetime(2026, 11, 23, tzinfo=UTC), "edit")


def changes_between(repo: CatalogRepo, since: str) -> list[Change]:
    changes, _ = build_changes(GitCatalogHistory(GitRepo(repo.root)).steps(since, "HEAD"))
    return changes


@pytest.fixture
def repo(tmp_path: Path) -> CatalogRepo:
    return CatalogRepo(tmp_path / "work")


def test_changed_fields_are_dotted_names() -> None:
    old = make_entry("alpha", venue="arXiv", links={"paper": "https://a.org/p"})
    new = make_entry(
        "alpha", venue="ICCV", links={"paper": "https://a.org/p", "code": "https://g.com/x"}
    )
    assert changed_fields(old, new) == ("venue", "links.code")


def test_moving_an_entry_to_another_file_is_not_a_change() -> None:
    old = make_entry("alpha", path="papers/2024/alpha.yaml", year=2025)
    new = make_entry("alpha", path="papers/2025/alpha.yaml", year=2025)
    assert diff_entries({"alpha": old}, {"alpha": new}, COMMIT) == []


def test_a_pull_request_adding_two_papers_and_fixing_a_typo(repo: CatalogRepo) -> None:
    base = repo.add(make_entry("third", summary="A sumary."))
    repo.put(make_entry("first"))
    repo.put(make_entry("second"))
    repo.put(make_entry("third", summary="A summary."))
    sha = repo.commit("Merge the reading group's papers", author="Grace Hopper")
    changes = changes_between(repo, base)
    assert [(c.change, c.entry.id, c.fields) for c in changes] == [
        ("added", "first", ()),
        ("added", "second", ()),
        ("updated", "third", ("summary",)),
    ]
    assert {(c.commit.sha, c.commit.author) for c in changes} == {(sha, "Grace Hopper")}
    assert not any(is_worth_announcing(c, ("links.code", "venue")) for c in changes)


def test_each_change_is_credited_to_its_own_commit(repo: CatalogRepo) -> None:
    base = repo.add(make_entry("alpha"))
    repo.add(make_entry("beta"), author="Grace Hopper")
    repo.put(make_entry("alpha", links={"paper": "https://a.org", "code": "https://g.com/a"}))
    repo.commit("code for alpha", author="Alan Turing")
    repo.remove("papers/2025/beta.yaml")
    repo.commit("drop beta", author="Ada Lovelace")
    changes = changes_between(repo, base)
    assert [(c.change, c.entry.id, c.commit.author) for c in changes] == [
        ("added", "beta", "Grace Hopper"),
        ("updated", "alpha", "Alan Turing"),
        ("removed", "beta", "Ada Lovelace"),
    ]
    assert changes[1].fields == ("links.code", "links.paper")


def test_a_commit_that_breaks_a_file_is_reported_once_and_the_fix_adds_its_entries(
    repo: CatalogRepo,
) -> None:
    base = repo.add(make_entry("alpha"))
    repo.write("papers/2025/beta.yaml", "id: beta\ntitle: [unclosed\n")
    broke = repo.commit("add beta (broken)")
    repo.write("papers/2025/beta.yaml", "id: beta\ntitle: [still unclosed\n")
    repo.commit("try again")
    repo.put(make_entry("beta"))
    fixed = repo.commit("fix beta", author="Grace Hopper")
    changes, broken = build_changes(GitCatalogHistory(GitRepo(repo.root)).steps(base, "HEAD"))
    assert [b.commit.sha for b in broken] == [broke]
    assert "beta.yaml" in broken[0].problems[0]
    assert [(c.change, c.entry.id, c.commit.sha) for c in changes] == [("added", "beta", fixed)]


def test_breaking_an_existing_entry_neither_removes_nor_re_adds_it() -> None:
    alpha = make_entry("alpha", path="papers/2025/alpha.yaml")
    fixed = make_entry("alpha", path="papers/2025/alpha.yaml", venue="ICCV")
    good = FileVersion((alpha,))
    broken = FileVersion((), ("papers/2025/alpha.yaml:2: YAML syntax error",))
    steps = [
        Step(COMMIT, (FileChange("papers/2025/alpha.yaml", good, broken),)),
        Step(COMMIT, (FileChange("papers/2025/alpha.yaml", broken, FileVersion((fixed,))),)),
    ]
    changes, reports = build_changes(steps)
    assert len(reports) == 1
    assert [(c.change, c.fields) for c in changes] == [("updated", ("venue",))]


def test_updates_worth_announcing_follow_the_setting() -> None:
    old = make_entry("alpha", venue="arXiv")
    new = make_entry("alpha", venue="ICCV", summary="Fixed a typo.")
    [change] = diff_entries({"alpha": old}, {"alpha": new}, COMMIT)
    assert is_worth_announcing(change, ("venue",))
    assert not is_worth_announcing(change, ("links.code",))
    assert is_worth_announcing(change, ("summary",))
    code = make_entry(
        "alpha", venue="arXiv", links={"paper": "https://p.org", "code": "https://c.org"}
    )
    [link_change] = diff_entries({"alpha": old}, {"alpha": code}, COMMIT)
    assert is_worth_announcing(link_change, ("links",))
