"""`vadbot catalog changes` and `vadbot announce`, run through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.git_repo import CatalogRepo, make_entry


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CatalogRepo:
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return CatalogRepo(tmp_path / "catalog-repo")


def test_changes_as_json_name_change_id_fields_commit_and_author(
    repo: CatalogRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.add(make_entry("alpha"), make_entry("gone"))
    repo.put(make_entry("alpha", venue="ICCV"))
    repo.put(make_entry("beta"))
    repo.remove("papers/2025/gone.yaml")
    sha = repo.commit("A pull request", author="Grace Hopper")
    code = main(["catalog", "changes", "--since", base, "--json", "--catalog-repo", str(repo.root)])
    assert code == 0
    changes = json.loads(capsys.readouterr().out)
    day = changes[0]["date"]
    common = {"commit": sha, "date": day, "author": "Grace Hopper", "subject": "A pull request"}
    assert changes == [
        {"change": "added", "id": "beta", "title": "Beta", "fields": [], **common},
        {"change": "updated", "id": "alpha", "title": "Alpha", "fields": ["venue"], **common},
        {"change": "removed", "id": "gone", "title": "Gone", "fields": [], **common},
    ]
    # the same date and title the text output shows
    assert main(["catalog", "changes", "--since", base, "--catalog-repo", str(repo.root)]) == 0
    text = capsys.readouterr().out
    assert f"{sha[:7]}  {day}  Grace Hopper: A pull request" in text
    assert "Gone" in text


def test_changes_default_to_the_last_announced_commit(
    repo: CatalogRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "changes", "--catalog-repo", str(repo.root)]) == 1
    assert "give --since" in capsys.readouterr().err
    repo.add(make_entry("alpha"))
    assert main(["announce", "--catalog-repo", str(repo.root)]) == 0
    assert "baseline" in capsys.readouterr().err
    repo.add(make_entry("beta"), author="Grace Hopper")
    assert main(["catalog", "changes", "--catalog-repo", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert "+ beta" in out
    assert "alpha" not in out


def test_announce_posts_the_new_entry_card_once_through_the_console(
    repo: CatalogRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add(make_entry("alpha"))
    assert main(["announce", "--catalog-repo", str(repo.root)]) == 0
    assert "baseline" in capsys.readouterr().err
    sha = repo.add(make_entry("beta", title="Holmes-VAU", summary="长视频异常理解。"))
    assert main(["announce", "--catalog-repo", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert "#papers" in out
    assert "📚 New in the list · CVPR 2025" in out
    assert "Holmes-VAU\n长视频异常理解。" in out
    assert f"added by Ada Lovelace in {sha[:7]}" in out
    assert main(["announce", "--json", "--catalog-repo", str(repo.root)]) == 0
    captured = capsys.readouterr()
    assert "Holmes-VAU" not in captured.out  # announced once, never again
    assert json.loads(captured.out) == {"result": "ok, 0 new, 0 updated", "error": ""}


def test_an_unknown_revision_is_a_user_error(
    repo: CatalogRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.add(make_entry("alpha"))
    assert main(["catalog", "changes", "--since", "nope", "--catalog-repo", str(repo.root)]) == 1
    assert "nope: no such commit" in capsys.readouterr().err


def test_a_folder_that_is_no_git_repository_gets_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "changes", "--catalog-repo", str(tmp_path), "--since", "HEAD"]) == 1
    err = capsys.readouterr().err
    assert "not a git repository" in err
    assert "Traceback" not in err


def test_changes_take_the_catalog_folder_like_every_catalog_command(
    repo: CatalogRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    base = repo.add(make_entry("alpha"))
    repo.add(make_entry("beta"), author="Grace Hopper")
    folder = repo.root / "catalog"
    assert main(["catalog", "changes", "--since", base, "--catalog", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "+ beta" in out
    assert "Grace Hopper" in out
    assert "alpha" not in out


def test_changes_of_a_folder_outside_any_repository_is_a_user_error(
    repo: CatalogRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lone = tmp_path / "lone"
    lone.mkdir()
    assert main(["catalog", "changes", "--since", "HEAD", "--catalog", str(lone)]) == 1
    assert "not a git repository" in capsys.readouterr().err
