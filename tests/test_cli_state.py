"""The state file as a new lab meets it: read-only commands never make one, a file that is not
vadbot's is left alone, and every problem names the path and the cause (issue 15.9)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.health import ONCE_KEY
from bot.core.models import Entry
from bot.errors import ConfigError
from bot.infra.state import Database
from bot.infra.yaml_files import dump_entry, entry_path, write_atomic


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "var" / "state.sqlite3"
    monkeypatch.setenv("VADBOT_STATE__PATH", str(path))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    return path


def test_status_without_a_state_file_says_the_service_never_ran_and_makes_none(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "vadbot run has not run with this state file" in out
    assert "healthy" not in out.splitlines()[-1].lower().replace("unhealthy", "")
    assert not state.exists()
    assert not state.parent.exists()


def test_reading_commands_make_no_state_file(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["candidates", "list"]) == 0
    assert "no pending candidates" in capsys.readouterr().out
    assert not state.exists()


def test_another_programs_sqlite_file_is_refused_and_left_as_it_was(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state.parent.mkdir()
    with sqlite3.connect(state) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert f"state.path {state}: not a vadbot state file (it holds notes" in err
    assert "Traceback" not in err
    with sqlite3.connect(state) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert tables == ["notes"]  # no vadbot table was added


def test_a_file_that_is_not_a_database_is_named_with_the_cause(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state.parent.mkdir()
    state.write_text("title: not a database at all\n" * 200, encoding="utf-8")
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert f"state.path {state}: not a SQLite database" in err


def test_a_folder_that_cannot_be_made_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("VADBOT_STATE__PATH", str(blocker / "state.sqlite3"))
    catalog = tmp_path / "catalog"
    entry = Entry("alpha", "paper", "Alpha", venue="CVPR", year=2025)
    write_atomic(catalog / entry_path(entry), dump_entry(entry))
    # a command that writes the state: it stops at the state, before asking arXiv anything
    assert main(["arxiv", "poll", "--catalog", str(catalog)]) == 2
    err = capsys.readouterr().err
    assert f"state.path {blocker / 'state.sqlite3'}: its folder cannot be made" in err


def test_a_damaged_state_file_is_said_when_the_service_opens_it(state: Path) -> None:
    db = Database(state)
    for n in range(400):  # enough rows that the file has pages to damage
        db.put(f"k{n}", "x" * 200)
    db.close()
    data = bytearray(state.read_bytes())
    for offset in range(4096 * 2, min(len(data), 4096 * 6)):
        data[offset] = 0xA5
    state.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=rf"state.path {state}: .*damaged"):
        _open_and_check(state)


def _open_and_check(path: Path) -> None:
    """What build_bot does with the state file first."""
    Database(path).quick_check()


def test_a_one_shot_command_is_not_reported_as_a_cron_run(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.git_repo import CatalogRepo, make_entry

    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("alpha"))
    assert main(["announce", "--catalog-repo", str(repo.root)]) == 0
    db = Database(state)
    try:
        assert db.get(ONCE_KEY) is None  # `vadbot status` will not say "last vadbot run --once"
    finally:
        db.close()
