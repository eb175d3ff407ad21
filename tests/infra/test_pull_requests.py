"""Publishing approvals: a bare remote whose pre-receive hook protects main, and fake GitHub and
GitLab APIs on 127.0.0.1. The writer, the book (SQLite) and the publisher are the real ones."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.models import SignOff
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.forge import Forge, GitHubForge, GitLabForge, RepoRef
from bot.infra.git import GitRepo
from bot.infra.pull_requests import PullRequestPublisher
from bot.infra.state import Database
from bot.infra.stores import PullRequestBook
from tests.fakes import FakeClock
from tests.fakes.github_api import FakeForgeServer, FakeGitHub
from tests.fakes.gitlab_api import FakeGitLab
from tests.git_repo import git
from tests.support_votes import make_candidate, make_catalog_repo

GITHUB_URL = "https://github.com/lab/awesome-vad.git"
GITLAB_URL = "git@gitlab.com:lab/group/awesome-vad.git"
PROTECT_MAIN = """#!/bin/sh
while read old new ref; do
  if [ "$ref" = "refs/heads/main" ]; then
    echo "GH006: Protected branch update failed for refs/heads/main." >&2
    exit 1
  fi
done
"""


def protected_repo(tmp_path: Path, url: str) -> tuple[Path, Path]:
    """A work tree whose `origin` is `url` (rewritten by git to a local bare repository whose
    pre-receive hook refuses pushes to main, as GitHub's branch protection does)."""
    repo, remote = make_catalog_repo(tmp_path)
    assert remote is not None
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(PROTECT_MAIN, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    git(repo, "remote", "set-url", "origin", url)
    git(repo, "config", f"url.{remote}.insteadOf", url)
    git(repo, "fetch", "-q", "origin")
    return repo, remote


def post(n: int) -> str:
    return f"https://discord.com/channels/1/2/{n}"


@dataclass
class Setup:
    repo: Path
    remote: Path
    db: Database
    clock: FakeClock
    fake: FakeForgeServer
    forges: list[Forge]

    def writer(self, per_entry: bool = False) -> CatalogWriter:
        """What `vadbot run` builds at start-up: call again to "restart"."""
        book = PullRequestBook(self.db, self.clock)
        return CatalogWriter(
            GitRepo(self.repo),
            "catalog",
            remote="origin",
            pull_requests=book,
            pr_per_entry=per_entry,
            bot_email="vadbot@lab.example",
        )

    def publisher(self, writer: CatalogWriter, token: str | None = None) -> PullRequestPublisher:
        forge: Forge
        if isinstance(self.fake, FakeGitLab):
            ref = RepoRef("gitlab.com", "lab/group/awesome-vad")
            forge = GitLabForge(self.fake.url, ref, token or self.fake.token, now=self.clock.now)
        else:
            ref = RepoRef("github.com", "lab/awesome-vad")
            forge = GitHubForge(self.fake.url, ref, token or self.fake.token, now=self.clock.now)
        self.forges.append(forge)
        assert writer.pending is not None
        return PullRequestPublisher(writer, forge, PullRequestBook(self.db, self.clock), self.clock)


async def make_setup(tmp_path: Path, fake: FakeForgeServer, url: str) -> AsyncIterator[Setup]:
    repo, remote = protected_repo(tmp_path, url)
    fake.remote = remote
    await fake.start()
    db = Database(tmp_path / "state.sqlite3")
    setup = Setup(repo, remote, db, FakeClock(), fake, [])
    yield setup
    for forge in setup.forges:
        await forge.aclose()
    await fake.close()
    db.close()


@pytest.fixture
async def gh(tmp_path: Path) -> AsyncIterator[Setup]:
    async for setup in make_setup(tmp_path, FakeGitHub(), GITHUB_URL):
        yield setup


@pytest.fixture
async def gl(tmp_path: Path) -> AsyncIterator[Setup]:
    async for setup in make_setup(tmp_path, FakeGitLab(), GITLAB_URL):
        yield setup


PAPER_A = make_candidate(1, "2501.00001", "VERA: Explainable Video Anomaly Detection")
PAPER_B = make_candidate(2, "2501.00002", "Holmes Returns: Long Video Anomaly Reasoning")


# ---------------------------------------------------------------------------- push mode


def test_push_mode_against_a_protected_main_is_reported_not_kept_quietly(tmp_path: Path) -> None:
    repo, remote = protected_repo(tmp_path, GITHUB_URL)
    before = git(remote, "rev-parse", "main")
    writer = CatalogWriter(GitRepo(repo), "catalog", remote="origin")

    approval = writer.approve(PAPER_A, SignOff("ana", "discord"))

    assert approval.problem is not None
    assert approval.problem.kind == "protected"
    assert not approval.problem.retryable
    assert approval.problem.message.startswith(
        "the remote refused the push: main is protected — set catalog.publish: pull-request"
    )
    assert approval.added.push_error == approval.problem.message
    assert git(remote, "rev-parse", "main") == before  # nothing reached main
    assert git(repo, "rev-parse", "HEAD") == approval.added.commit  # and nothing was lost


# ---------------------------------------------------------------------------- pull-request mode


async def test_two_approvals_make_one_rolling_pull_request(gh: Setup) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    head = git(gh.repo, "rev-parse", "HEAD")

    first = writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    report = await publisher.publish()
    second = writer.approve(PAPER_B, SignOff("bo", "slack", post(12)))
    again = await publisher.publish()

    assert (first.branch, second.branch) == ("vadbot/updates", "vadbot/updates")
    assert [p.number for p in report.opened] == [1]
    assert (again.opened, [p.number for p in again.updated]) == ([], [1])
    assert len(gh.fake.pulls) == 1
    pr = gh.fake.pulls[1]
    assert (pr.head, pr.base) == ("vadbot/updates", "main")
    assert pr.title == "vadbot: add 2 papers approved in chat"
    assert "VERA: Explainable Video Anomaly Detection** (`vera`), approved by ana" in pr.body
    assert "approved by bo — [candidate post](https://discord.com/channels/1/2/12)" in pr.body
    # both commits are on the remote's bot branch; main and the work tree did not move
    log = git(gh.remote, "log", "--format=%s", "vadbot/updates").splitlines()
    assert [line.split(" (")[0] for line in log[:2]] == [
        "Add Holmes Returns: Long Video Anomaly Reasoning",
        "Add VERA: Explainable Video Anomaly Detection",
    ]
    assert git(gh.repo, "rev-parse", "HEAD") == head
    assert git(gh.repo, "status", "--porcelain") == ""
    states = {(e.entry_id, e.number, e.state) for e in PullRequestBook(gh.db, gh.clock).all()}
    assert states == {("vera", 1, "open"), ("holmes-returns", 1, "open")}


async def test_per_entry_mode_opens_one_pull_request_per_paper(gh: Setup) -> None:
    writer = gh.writer(per_entry=True)
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    writer.approve(PAPER_B, SignOff("bo", "slack", post(12)))
    report = await publisher.publish()

    assert [p.number for p in report.opened] == [1, 2]
    assert {(p.head, p.title) for p in gh.fake.pulls.values()} == {
        ("vadbot/vera", "vadbot: add VERA: Explainable Video Anomaly Detection"),
        ("vadbot/holmes-returns", "vadbot: add Holmes Returns: Long Video Anomaly Reasoning"),
    }
    files = git(gh.remote, "show", "--name-only", "--format=", "vadbot/holmes-returns")
    assert files.split() == ["catalog/papers/2025/holmes-returns.yaml"]  # not vera's


async def test_a_merged_pull_request_is_noticed_once(gh: Setup) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    writer.approve(PAPER_B, SignOff("bo", "slack", post(12)))
    await publisher.publish()
    assert (await publisher.check()).changes == []

    gh.fake.merge_pull(1)
    report = await publisher.check()

    assert {
        (c.entry_id, c.candidate_id, c.approver, c.post_url, c.number, c.state)
        for c in report.changes
    } == {
        ("vera", 1, "ana", post(11), 1, "merged"),
        ("holmes-returns", 2, "bo", post(12), 1, "merged"),
    }
    assert report.changes[0].url == "https://github.com/lab/awesome-vad/pull/1"
    assert (await publisher.check()).changes == []  # told once


async def test_a_pull_request_closed_unmerged_is_noticed_and_the_next_approval_starts_afresh(
    gh: Setup,
) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    await publisher.publish()
    gh.fake.close_pull(1)

    report = await publisher.check()
    assert [(c.entry_id, c.state) for c in report.changes] == [("vera", "closed")]

    # the candidate went back to pending and is approved again: a new PR from main, alone
    writer.approve(PAPER_B, SignOff("bo", "slack", post(12)))
    again = await publisher.publish()
    assert [p.number for p in again.opened] == [2]
    assert "vera" not in gh.fake.pulls[2].body
    log = git(gh.remote, "log", "--format=%s", "main..vadbot/updates").splitlines()
    assert len(log) == 1
    assert log[0].startswith("Add Holmes Returns")


# ---------------------------------------------------------------------------- failures


async def test_a_refused_token_is_reported_and_nothing_is_lost(gh: Setup) -> None:
    writer = gh.writer()
    wrong = gh.publisher(writer, token="ghp-expired")
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))

    report = await wrong.publish()

    assert report.problem is not None
    assert report.problem.kind == "unauthorized"
    assert report.problem.message == (
        "GitHub refused the token (401): set a valid GITHUB_TOKEN in the bot's environment "
        "and restart it"
    )
    assert "ghp-expired" not in report.problem.message
    assert gh.fake.pulls == {}
    assert git(gh.remote, "rev-parse", "vadbot/updates")  # the commit is safe on the remote
    fixed = await gh.publisher(writer).publish()  # after a restart with the right token
    assert [p.number for p in fixed.opened] == [1]


async def test_a_token_without_the_scope_says_which_scope(gh: Setup) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    gh.fake.answer_next(200, [])  # no open PR for the branch
    gh.fake.answer_next(
        403,
        {"message": "Resource not accessible by personal access token"},
        {"X-Accepted-GitHub-Permissions": "pull_requests=write"},
    )
    report = await publisher.publish()

    assert report.problem is not None
    assert report.problem.kind == "forbidden"
    assert "Pull requests read & write" in report.problem.message
    assert "Resource not accessible by personal access token" in report.problem.message
    assert "\n" not in report.problem.message
    assert [p.number for p in (await publisher.publish()).opened] == [1]  # retried later


async def test_a_pull_request_that_already_exists_is_found_and_updated(gh: Setup) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    gh.fake.answer_next(200, [])  # no open PR yet
    gh.fake.lose_next_answer()  # GitHub opens it, but the answer never arrives
    assert (await publisher.publish()).problem is not None
    writer.approve(PAPER_B, SignOff("bo", "slack", post(12)))
    gh.fake.answer_next(200, [])  # a search that lags: no open PR listed, so a POST → 422
    report = await publisher.publish()

    assert report.problem is None
    assert [p.number for p in report.updated] == [1]
    assert len(gh.fake.pulls) == 1
    assert gh.fake.calls.count(("POST", "/repos/lab/awesome-vad/pulls")) == 2
    assert "Holmes Returns" in gh.fake.pulls[1].body
    assert "VERA" in gh.fake.pulls[1].body


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_the_service_down_is_reported_and_retried(gh: Setup, status: int) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    gh.fake.answer_next(status, {"message": "Server Error"})
    report = await publisher.publish()

    assert report.problem is not None
    assert (report.problem.kind, report.problem.retryable) == ("unavailable", True)
    assert report.problem.message == (
        f"GitHub is failing ({status}); nothing is lost, the bot retries at the next catalog pull"
    )
    assert [p.number for p in (await publisher.publish()).opened] == [1]


async def test_a_rate_limit_is_waited_out_without_asking_again(gh: Setup) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    reset = int(gh.clock.now().timestamp()) + 600
    gh.fake.answer_next(
        403,
        {"message": "API rate limit exceeded"},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    report = await publisher.publish()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.retry_after) == ("rate_limited", 600)
    assert "in 10 min" in report.problem.message

    calls = len(gh.fake.calls)
    gh.clock.advance(minutes=5)
    waiting = await publisher.publish()
    checked = await publisher.check()
    assert waiting.problem is not None
    assert checked.problem is not None
    assert waiting.problem.kind == "rate_limited"
    assert len(gh.fake.calls) == calls  # it did not ask while limited

    gh.clock.advance(minutes=6)
    assert [p.number for p in (await publisher.publish()).opened] == [1]


async def test_a_restart_in_the_middle_doubles_nothing(gh: Setup) -> None:
    writer = gh.writer()
    publisher = gh.publisher(writer)
    first = writer.approve(PAPER_A, SignOff("ana", "discord", post(11)))
    gh.fake.answer_next(200, [])
    gh.fake.lose_next_answer()  # the PR is created; the bot dies before it learns the number
    assert (await publisher.publish()).problem is not None
    assert len(gh.fake.pulls) == 1

    restarted = gh.writer()  # a new process: same state file, same repository
    again = restarted.approve(PAPER_A, SignOff("ana", "discord", post(11)))  # the ✅ is replayed
    report = await gh.publisher(restarted).publish()

    assert (again.added.created, again.added.entry_id) == (False, first.added.entry_id)
    assert git(gh.remote, "rev-list", "--count", "main..vadbot/updates") == "1"
    assert len(gh.fake.pulls) == 1
    assert [p.number for p in report.updated] == [1]
    assert [(e.entry_id, e.number, e.state) for e in PullRequestBook(gh.db, gh.clock).all()] == [
        ("vera", 1, "open")
    ]


# ---------------------------------------------------------------------------- GitLab


async def test_gitlab_two_approvals_one_merge_request_then_merged(gl: Setup) -> None:
    writer = gl.writer()
    publisher = gl.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "slack", post(11)))
    await publisher.publish()
    writer.approve(PAPER_B, SignOff("bo", "slack", post(12)))
    report = await publisher.publish()

    assert [p.number for p in report.updated] == [1]
    assert len(gl.fake.pulls) == 1
    assert gl.fake.pulls[1].head == "vadbot/updates"
    assert "Merge this MR" in gl.fake.pulls[1].body
    gl.fake.merge_pull(1)
    changes = (await publisher.check()).changes
    assert {(c.entry_id, c.state) for c in changes} == {
        ("vera", "merged"),
        ("holmes-returns", "merged"),
    }
    assert changes[0].url == "https://gitlab.com/lab/group/awesome-vad/-/merge_requests/1"


async def test_gitlab_existing_merge_request_409_is_updated(gl: Setup) -> None:
    writer = gl.writer()
    publisher = gl.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "slack", post(11)))
    gl.fake.answer_next(200, [])
    gl.fake.lose_next_answer()  # created, answer lost
    await publisher.publish()
    gl.fake.answer_next(200, [])  # a lagging list → POST → 409 → found → updated
    report = await publisher.publish()
    assert report.problem is None
    assert [p.number for p in report.updated] == [1]
    assert len(gl.fake.pulls) == 1


async def test_gitlab_429_retry_after_and_missing_role(gl: Setup) -> None:
    writer = gl.writer()
    publisher = gl.publisher(writer)
    writer.approve(PAPER_A, SignOff("ana", "slack", post(11)))
    gl.fake.answer_next(429, {"message": "Retry later"}, {"Retry-After": "90"})
    limited = await publisher.publish()
    assert limited.problem is not None
    assert (limited.problem.kind, limited.problem.retry_after) == ("rate_limited", 90)
    gl.clock.advance(seconds=91)
    gl.fake.answer_next(200, [])
    gl.fake.answer_next(403, {"message": "403 Forbidden"})
    forbidden = await publisher.publish()
    assert forbidden.problem is not None
    assert forbidden.problem.message == (
        "GitLab refused the token (403: 403 Forbidden): give it the api scope and at least "
        "the Developer role on gitlab.com/lab/group/awesome-vad"
    )
