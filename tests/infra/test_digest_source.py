from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.models import Candidate, Match, Paper, Tally
from bot.infra.digest_source import CatalogDigestSource
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from tests.git_repo import CatalogRepo, make_entry

START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _commit_on(repo: CatalogRepo, monkeypatch: pytest.MonkeyPatch, day: int, **kw: object) -> None:
    when = f"2026-11-{day:02d}T12:00:00+00:00"
    monkeypatch.setenv("GIT_COMMITTER_DATE", when)
    monkeypatch.setenv("GIT_AUTHOR_DATE", when)
    repo.add(*kw["entries"], message=str(kw.get("message", "")))  # type: ignore[misc]


async def test_the_digest_lists_the_weeks_additions_as_they_are_now_and_counts_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    _commit_on(repo, monkeypatch, 2, entries=[make_entry("old-one"), make_entry("old-two")])
    _commit_on(repo, monkeypatch, 17, entries=[make_entry("holmes-vau", title="Holmes VAU")])
    fixed = make_entry("holmes-vau", title="Holmes-VAU: fixed title")
    _commit_on(repo, monkeypatch, 18, entries=[fixed, make_entry("old-one", venue="ICCV")])
    _commit_on(repo, monkeypatch, 24, entries=[make_entry("next-week")])  # after the period
    paper = Paper("2611.01234", "A candidate", "abstract")
    candidate = Candidate(1, paper, Match(0.9, ()), created_at=datetime(2026, 11, 20, tzinfo=UTC))
    history = GitCatalogHistory(GitRepo(repo.root))
    source = CatalogDigestSource(history, lambda: [candidate], lambda c: Tally(up=2))

    digest = await source.collect(START, END)

    assert [(n.entry.id, n.entry.title) for n in digest.added] == [
        ("holmes-vau", "Holmes-VAU: fixed title")
    ]
    assert digest.added[0].author == "Ada Lovelace"
    assert digest.counts == {"paper": 3}
    assert [v.tally.up for v in digest.proposed] == [2]
