"""GitRepo and GitCatalogHistory against real throwaway repositories."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.errors import GitError
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from tests.git_repo import CatalogRepo, git, make_entry


@pytest.fixture
def repo(tmp_path: Path) -> CatalogRepo:
    return CatalogRepo(tmp_path / "work")


def test_head_and_rev_parse_answer_none_instead_of_failing(repo: CatalogRepo) -> None:
    git_repo = GitRepo(repo.root)
    assert git_repo.head() is None
    sha = repo.add(make_entry("alpha"))
    assert git_repo.head() == sha
    assert git_repo.rev_parse("main") == sha
    assert git_repo.rev_parse("no-such-branch") is None
    assert git_repo.rev_parse("0123456789abcdef0123456789abcdef01234567") is None


def test_is_ancestor_follows_history_and_tolerates_unknown_commits(repo: CatalogRepo) -> None:
    first = repo.add(make_entry("alpha"))
    second = repo.add(make_entry("beta"))
    git_repo = GitRepo(repo.root)
    assert git_repo.is_ancestor(first, second)
    assert git_repo.is_ancestor(second, second)
    assert not git_repo.is_ancestor(second, first)
    assert not git_repo.is_ancestor("0123456789abcdef0123456789abcdef01234567", second)


def test_commits_are_oldest_first_with_author_and_subject(repo: CatalogRepo) -> None:
    first = repo.add(make_entry("alpha"), author="Ada Lovelace", message="Add alpha")
    repo.add(make_entry("beta"), author="Grace Hopper", message="Add beta")
    repo.add(make_entry("gamma"), author="Alan Turing", message="Add gamma")
    commits = GitRepo(repo.root).commits(first, "HEAD", "catalog")
    assert [(c.author, c.subject) for c in commits] == [
        ("Grace Hopper", "Add beta"),
        ("Alan Turing", "Add gamma"),
    ]
    assert commits[0].date.tzinfo is not None


def test_catalog_files_at_an_old_revision_ignore_later_commits_and_the_work_tree(
    repo: CatalogRepo,
) -> None:
    repo.write("list.yaml", "title: Ünïcode list\n")
    repo.write("papers/2025/異常.yaml", "id: x\n")
    old = repo.commit("first")
    repo.add(make_entry("beta"))
    repo.write("papers/2025/uncommitted.yaml", "id: y\n")
    files = GitRepo(repo.root).catalog_files(old, "catalog")
    assert files == {"list.yaml": "title: Ünïcode list\n", "papers/2025/異常.yaml": "id: x\n"}


def test_changed_files_between_two_revisions(repo: CatalogRepo) -> None:
    first = repo.add(make_entry("alpha"))
    repo.add(make_entry("beta"))
    (repo.root / "README.md").write_text("not the catalog\n")
    last = repo.commit("docs")
    assert GitRepo(repo.root).changed_files(first, last, "catalog") == [
        "catalog/papers/2025/beta.yaml"
    ]


def test_a_failing_command_raises_git_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git log failed in"):
        GitRepo(tmp_path).run("log")


def test_a_failed_fetch_says_what_went_wrong_not_only_git_advice(repo: CatalogRepo) -> None:
    with pytest.raises(GitError) as caught:
        GitRepo(repo.root).fetch("nowhere", "main")
    message = str(caught.value)
    assert message.startswith(f"git fetch failed in {repo.root}: fatal: 'nowhere' does not appear")
    assert "Could not read from remote repository" in message
    assert "and the repository exists" not in message


def test_read_blobs_returns_each_text(repo: CatalogRepo) -> None:
    repo.write("a.yaml", "first\n")
    repo.write("b.yaml", "second with ü\n")
    repo.commit("two files")
    git_repo = GitRepo(repo.root)
    tree = git_repo.tree("HEAD", "catalog")
    texts = git_repo.read_blobs(tree.values())
    assert sorted(texts.values()) == ["first\n", "second with ü\n"]


def test_steps_parse_each_commit_s_files_before_and_after(repo: CatalogRepo) -> None:
    base = repo.add(make_entry("alpha"))
    repo.put(make_entry("alpha", venue="ICCV"))
    repo.write("papers/2025/broken.yaml", "id: [unclosed\n")
    repo.commit("edit alpha, break a file", author="Grace Hopper")
    steps = GitCatalogHistory(GitRepo(repo.root)).steps(base, "HEAD")
    assert len(steps) == 1
    assert steps[0].commit.author == "Grace Hopper"
    files = {f.path: f for f in steps[0].files}
    alpha = files["papers/2025/alpha.yaml"]
    assert alpha.before is not None
    assert alpha.before.entries[0].venue == "CVPR"
    assert alpha.after is not None
    assert alpha.after.entries[0].venue == "ICCV"
    broken = files["papers/2025/broken.yaml"]
    assert broken.before is None
    assert broken.after is not None
    assert broken.after.is_broken


# ---------------------------------------------------------------------------- remotes


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    return bare


def test_fast_forward_brings_the_remote_s_commits(tmp_path: Path, remote: Path) -> None:
    author = CatalogRepo.clone(remote, tmp_path / "author")
    author.add(make_entry("alpha"))
    author.git("push", "-q", "origin", "main")
    bot = CatalogRepo.clone(remote, tmp_path / "bot")
    new = author.add(make_entry("beta"))
    author.git("push", "-q", "origin", "main")
    assert GitRepo(bot.root).fast_forward("origin", "main") == new
    assert (bot.root / "catalog/papers/2025/beta.yaml").is_file()


def test_fast_forward_follows_a_force_push_when_nothing_local_is_lost(
    tmp_path: Path, remote: Path
) -> None:
    author = CatalogRepo.clone(remote, tmp_path / "author")
    first = author.add(make_entry("alpha"))
    author.add(make_entry("beta"))
    author.git("push", "-q", "origin", "main")
    bot = CatalogRepo.clone(remote, tmp_path / "bot")
    author.git("reset", "-q", "--hard", first)
    rewritten = author.add(make_entry("gamma"))
    author.git("push", "-q", "--force", "origin", "main")
    assert GitRepo(bot.root).fast_forward("origin", "main") == rewritten


def test_fast_forward_refuses_to_drop_unpublished_local_commits(
    tmp_path: Path, remote: Path
) -> None:
    author = CatalogRepo.clone(remote, tmp_path / "author")
    author.add(make_entry("alpha"))
    author.git("push", "-q", "origin", "main")
    bot = CatalogRepo.clone(remote, tmp_path / "bot")
    local = bot.add(make_entry("local-only"))
    author.add(make_entry("beta"))
    author.git("push", "-q", "origin", "main")
    with pytest.raises(GitError, match="diverged"):
        GitRepo(bot.root).fast_forward("origin", "main")
    assert GitRepo(bot.root).head() == local


def test_fetch_from_a_missing_remote_raises_git_error(repo: CatalogRepo, tmp_path: Path) -> None:
    repo.add(make_entry("alpha"))
    repo.git("remote", "add", "origin", str(tmp_path / "nowhere.git"))
    with pytest.raises(GitError, match="git fetch failed"):
        GitRepo(repo.root).fast_forward("origin", "main")


# ---------------------------------------------------------------------------- remotes that hang


def _remote(repo: CatalogRepo, url: str) -> None:
    repo.add(make_entry("alpha"))
    git(repo.root, "config", "protocol.ext.allow", "always")
    git(repo.root, "remote", "add", "origin", url)


def test_a_remote_that_hangs_fails_after_the_timeout_and_frees_the_lock(
    repo: CatalogRepo,
) -> None:
    _remote(repo, "ext::sleep 30")  # connects, then never answers
    git_repo = GitRepo(repo.root, network_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(GitError, match="git fetch timed out"):
        git_repo.fast_forward("origin", "main")
    assert time.monotonic() - started < 5
    assert git_repo.lock.acquire(blocking=False)  # approvals are not stalled behind it
    with pytest.raises(GitError, match="git push timed out"):
        git_repo.run("-c", "user.name=x", "push", "origin", "HEAD:refs/heads/main")
    assert git_repo.run("log", "-1", "--format=%s").strip()  # local commands have no timeout


def test_commands_that_reach_a_remote_never_wait_for_a_password(
    repo: CatalogRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    monkeypatch.delenv("GIT_SSH", raising=False)
    seen = tmp_path / "env.txt"
    helper = tmp_path / "dump-env.sh"
    helper.write_text(f"#!/bin/sh\nenv > {seen}\nexit 1\n", encoding="utf-8")
    helper.chmod(0o755)
    _remote(repo, f"ext::{helper}")
    with pytest.raises(GitError):
        GitRepo(repo.root).fetch("origin", "main")
    env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_SSH_COMMAND"] == "ssh -o BatchMode=yes -o ConnectTimeout=20"

    git(repo.root, "config", "core.sshCommand", "ssh -i deploy-key")  # the lab's own choice
    with pytest.raises(GitError):
        GitRepo(repo.root).fetch("origin", "main")
    env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert "GIT_SSH_COMMAND" not in env  # so git uses core.sshCommand
