"""Issue 15's rough edges as a new lab meets them through `vadbot …`: one line, no traceback."""

import os
from pathlib import Path

import pytest

from bot.cli import main
from tests.git_repo import CatalogRepo, make_entry

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "tests" / "data" / "awesome-llm4vad.md"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("VADBOT_") or name.endswith("_TOKEN"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "vadbot.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("key", ["timezone", "arxiv_timezone"])
def test_an_unknown_time_zone_is_one_line_naming_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    config = _config(tmp_path, f"schedule:\n  {key}: Mars/Olympus\n")
    assert main(["--config", config, "digest", "--print"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert f"schedule.{key}" in line
    assert "Mars/Olympus" in line


def test_a_config_yaml_error_is_one_line_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "catalog:\n  path: x\nschedule: [\n")
    assert main(["--config", config, "search", "vera"]) == 2
    assert "vadbot.yaml:4" in _one_line(capsys.readouterr().err)


def test_config_may_come_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, f"catalog:\n  repo: {ROOT}\n")
    assert main(["search", "vera", "--config", config]) == 0
    assert "VERA" in capsys.readouterr().out


def test_a_wrong_environment_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VADBOT_SCHEDULE__ANNOUNCE_MINUTES", "abc")
    assert main(["search", "vera"]) == 2
    assert "VADBOT_SCHEDULE__ANNOUNCE_MINUTES" in _one_line(capsys.readouterr().err)


def test_a_cron_line_in_the_environment_needs_no_extra_quotes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VADBOT_SCHEDULE__ARXIV_CRON", "* * * * *")
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(ROOT))
    assert main(["search", "vera"]) == 0
    assert "VERA" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SLACK_BOT_TOKEN", "xapp-1-A-1-x", "SLACK_APP_TOKEN"),
        ("SLACK_APP_TOKEN", "xoxb-1-2-x", "SLACK_BOT_TOKEN"),
    ],
)
def test_swapped_slack_tokens_are_caught_at_start(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    says: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["search", "vera"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert variable in line
    assert says in line
    assert value not in line


def test_invite_url_refuses_a_client_id_that_is_not_a_number(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["discord", "invite-url", "--client-id", "abc"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--client-id" in _one_line(captured.err)


def test_backfill_since_a_future_day_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arxiv", "backfill", "--since", "2999-01-01"]) != 0
    line = _one_line(capsys.readouterr().err)
    assert "--since" in line
    assert "future" in line
    assert "--until" not in line


# ---------------------------------------------------------------------------- catalog files


def test_render_onto_a_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    args = ["catalog", "render", "--catalog", str(ROOT / "catalog"), "--out", str(folder)]
    assert main(args) == 1
    assert "folder" in _one_line(capsys.readouterr().err)


def _unwritable(tmp_path: Path) -> Path:
    """A place nobody can write into: below a file (root ignores a read-only mode)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("", encoding="utf-8")
    return blocker / "inside"


def test_render_into_an_unwritable_place_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _unwritable(tmp_path) / "README.md"
    args = ["catalog", "render", "--catalog", str(ROOT / "catalog"), "--out", str(out)]
    assert main(args) == 1
    assert "cannot write" in _one_line(capsys.readouterr().err)


def test_import_into_an_unwritable_place_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _unwritable(tmp_path)
    assert main(["catalog", "import", str(SEED), "--out", str(out)]) == 1
    assert "cannot write" in _one_line(capsys.readouterr().err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_import_into_a_read_only_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    assert main(["catalog", "import", str(SEED), "--out", str(folder / "catalog")]) == 1
    assert "cannot write" in _one_line(capsys.readouterr().err)


def test_import_refuses_an_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "list.md"
    empty.write_text("\n", encoding="utf-8")
    assert main(["catalog", "import", str(empty), "--out", str(tmp_path / "c")]) == 1
    assert "empty" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "c" / "list.yaml").exists()


def test_import_drops_nul_characters(tmp_path: Path) -> None:
    source = tmp_path / "list.md"
    source.write_text(SEED.read_text(encoding="utf-8").replace("Awesome", "Awe\0some", 1))
    assert main(["catalog", "import", str(source), "--out", str(tmp_path / "c")]) in (0, 1)
    written = [p.read_bytes() for p in (tmp_path / "c").rglob("*.yaml")]
    assert written
    assert not any(b"\0" in data or b"\\0" in data for data in written)


def test_check_names_files_from_where_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "import", str(SEED), "--out", "lab/catalog"]) == 0
    (tmp_path / "lab/catalog/papers/2025/vera.yaml").write_text("id: [\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["catalog", "check", "--catalog", "lab/catalog"]) == 1
    assert "lab/catalog/papers/2025/vera.yaml:" in capsys.readouterr().err


def test_run_once_exits_1_when_a_job_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("holmes-vau"))
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(repo.root))
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("VADBOT_CATALOG__REMOTE", "no-such-remote")  # the pull fails
    assert main(["run", "--once"]) == 1  # cron (and its mail) sees the failure
    assert "catalog-pull failed" in capsys.readouterr().err


def test_digest_post_prints_no_console_banner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("holmes-vau"))
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(repo.root))
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    main(["digest", "--post"])
    out = capsys.readouterr().out
    assert "weekly" in out  # the digest was shown in the console
    assert "Type a command" not in out


def test_digest_of_a_missing_catalog_folder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("holmes-vau"))
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(repo.root))
    monkeypatch.setenv("VADBOT_CATALOG__PATH", "no-such-folder")
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    assert main(["digest", "--print"]) == 1
    captured = capsys.readouterr()
    assert "no-such-folder" in _one_line(captured.err)
    assert "holds no entries" not in captured.out
