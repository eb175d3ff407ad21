"""Approval writes the catalog: real throwaway git repos with a local bare remote."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

from bot.core.candidates.lifecycle import parse_trailers
from bot.core.models import SignOff
from bot.errors import GitError
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.yaml_files import load_catalog
from tests.support_votes import clone, git, make_candidate, make_catalog_repo


def writer(repo: Path, remote: Path | None = None) -> CatalogWriter:
    return CatalogWriter(
        GitRepo(repo),
        "catalog",
        bot_name="vadbot",
        bot_email="vadbot@lab.example",
        remote="origin" if remote else None,
    )


def test_approval_writes_a_valid_entry_file_and_commits_it_as_the_bot(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    added = writer(repo).add_candidate(make_candidate(), SignOff("maintainer", "slack"))

    assert added.created
    assert added.path == "catalog/papers/2025/rare-events-mllm.yaml"
    data = yaml.safe_load((repo / added.path).read_text(encoding="utf-8"))
    assert data == {
        "id": "rare-events-mllm",
        "kind": "paper",
        "title": "Rare Events, MLLM: Explaining Video Anomalies",
        "venue": "arXiv",
        "year": 2025,
        "arxiv_id": "2501.01234",
        "authors": ["Ana Silva", "Bo Chen"],
        "links": {
            "arxiv": "https://arxiv.org/abs/2501.01234",
            "pdf": "https://arxiv.org/pdf/2501.01234",
            "code": "https://github.com/lab/rare-events",
        },
        "summary": "",
    }
    assert len(load_catalog(repo / "catalog").entries) == 2  # `vadbot catalog check` passes

    log = git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%H|%B")
    author, committer, sha, message = log.split("|", 3)
    assert author == committer == "vadbot <vadbot@lab.example>"
    assert sha == added.commit
    assert message.startswith(
        "Add Rare Events, MLLM: Explaining Video Anomalies (arXiv 2501.01234)"
    )
    assert parse_trailers(message) == {"Approved-by": "maintainer (Slack)", "Candidate": "#12"}
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [added.path]
    assert git(repo, "status", "--porcelain") == ""


def test_a_link_that_is_not_code_becomes_the_project_page(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    candidate = make_candidate(code_url="https://rare-events.github.io/")
    added = writer(repo).add_candidate(candidate, SignOff("ana", "discord"))
    data = yaml.safe_load((repo / added.path).read_text(encoding="utf-8"))
    assert data["links"]["project"] == "https://rare-events.github.io/"
    assert "code" not in data["links"]


def test_approving_the_same_candidate_twice_makes_one_entry(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    w = writer(repo)
    first = w.add_candidate(make_candidate(), SignOff("ana", "discord"))
    again = w.add_candidate(make_candidate(), SignOff("bo", "slack"))
    assert not again.created
    assert (again.entry_id, again.path, again.commit) == (first.entry_id, first.path, first.commit)
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"


def test_a_paper_already_in_the_list_is_not_added_again(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    holmes = make_candidate(arxiv_id="2412.06171", title="Holmes-VAU: whatever")
    added = writer(repo).add_candidate(holmes, SignOff("ana", "discord"))
    assert (added.created, added.entry_id) == (False, "holmes-vau")
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_ids_come_from_the_short_name_and_are_never_taken_twice(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    w = writer(repo)
    titles = ["VERA: Explainable VAD", "VERA: Another Paper", "VERA: A Third One"]
    ids = [
        w.add_candidate(make_candidate(n, f"2501.0000{n}", t), SignOff("ana", "slack")).entry_id
        for n, t in enumerate(titles, start=1)
    ]
    assert ids == ["vera", "vera-2025", "vera-2"]
    same = make_candidate(4, "2501.00004", "Vera: explainable VAD!")
    assert w.add_candidate(same, SignOff("ana", "slack")).created is False  # same normalised title
    assert len(load_catalog(repo / "catalog").entries) == 4


def test_two_approvals_at_the_same_moment_make_two_clean_commits(tmp_path: Path) -> None:
    repo, remote = make_catalog_repo(tmp_path)
    w = writer(repo, remote)
    candidates = [
        make_candidate(n, f"2501.0000{n}", f"Paper number {n} on anomalies") for n in (1, 2)
    ]
    barrier = threading.Barrier(2)
    results = []

    def approve(n: int) -> None:
        barrier.wait()
        results.append(w.add_candidate(candidates[n], SignOff(f"m{n}", "slack")))

    threads = [threading.Thread(target=approve, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(r.created and r.push_error is None for r in results)
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "3"
    for sha in (r.commit for r in results):
        assert sha is not None
        assert len(git(repo, "show", "--name-only", "--format=", sha).split()) == 1
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def test_a_rejected_push_is_rebased_and_retried(tmp_path: Path) -> None:
    repo, remote = make_catalog_repo(tmp_path)
    assert remote is not None
    other = clone(remote, tmp_path / "other")
    (other / "catalog" / "note.txt").write_text("edited elsewhere\n", encoding="utf-8")
    git(other, "add", ".")
    git(other, "commit", "-qm", "Someone else's change")
    git(other, "push", "-q", "origin", "main")

    added = writer(repo, remote).add_candidate(make_candidate(), SignOff("ana", "slack"))

    assert added.push_error is None
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[0].startswith("Add Rare Events")
    assert log[1] == "Someone else's change"
    assert git(remote, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")
    assert added.commit == git(remote, "rev-parse", "main").strip()  # the rebased commit


def test_a_push_that_fails_keeps_the_commit_and_goes_out_next_time(tmp_path: Path) -> None:
    repo, remote = make_catalog_repo(tmp_path)
    assert remote is not None
    hidden = tmp_path / "remote-away.git"
    remote.rename(hidden)  # the remote is unreachable for this approval
    w = writer(repo, remote)
    added = w.add_candidate(make_candidate(), SignOff("ana", "slack"))

    assert added.created
    assert added.push_error
    assert git(repo, "log", "-1", "--format=%H").strip() == added.commit
    hidden.rename(remote)
    second = w.add_candidate(
        make_candidate(13, "2501.05678", "Another paper"), SignOff("bo", "discord")
    )
    assert second.push_error is None
    pushed = git(remote, "log", "--format=%H", "main").split()
    assert added.commit in pushed
    assert second.commit == pushed[0]


def test_push_pending_sends_what_a_failed_push_left(tmp_path: Path) -> None:
    repo, remote = make_catalog_repo(tmp_path)
    assert remote is not None
    hidden = tmp_path / "away.git"
    remote.rename(hidden)
    w = writer(repo, remote)
    added = w.add_candidate(make_candidate(), SignOff("ana", "slack"))
    assert w.push_pending() is not None
    hidden.rename(remote)
    assert w.push_pending() is None
    assert git(remote, "rev-parse", "main").strip() == added.commit


def test_a_failed_commit_leaves_no_stray_entry_file(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    hook = repo / ".git" / "index.lock"
    hook.write_text("", encoding="utf-8")  # another git process holds the index
    with pytest.raises(GitError):
        writer(repo).add_candidate(make_candidate(), SignOff("ana", "slack"))
    hook.unlink()
    assert git(repo, "status", "--porcelain") == ""
    added = writer(repo).add_candidate(make_candidate(), SignOff("ana", "slack"))
    assert added.created
    assert added.commit == git(repo, "rev-parse", "HEAD").strip()


def test_a_remote_that_hangs_does_not_stall_the_approval(tmp_path: Path) -> None:
    repo, _ = make_catalog_repo(tmp_path, with_remote=False)
    git(repo, "config", "protocol.ext.allow", "always")
    git(repo, "remote", "add", "origin", "ext::sleep 30")  # accepts, then never answers
    w = CatalogWriter(GitRepo(repo, network_timeout=0.3), "catalog", remote="origin")
    added = w.add_candidate(make_candidate(), SignOff("ana", "slack"))
    assert added.push_error is not None
    assert "timed out" in added.push_error
    assert added.commit == git(repo, "rev-parse", "HEAD").strip()  # kept, pushed later
