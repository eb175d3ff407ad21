"""The container's entrypoint (`scripts/docker-entrypoint.sh`), run with sh outside Docker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.models import Entry
from bot.infra.yaml_files import dump_entry, entry_path, write_atomic
from bot.settings import load_settings
from tests.git_repo import CatalogRepo, git, make_entry

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "docker-entrypoint.sh"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    bundled = tmp_path / "app" / "catalog"
    for entry_id in ("holmes-vau", "lavad"):
        entry: Entry = make_entry(entry_id)
        write_atomic(bundled / entry_path(entry), dump_entry(entry))
    settings = {
        "VADBOT_CATALOG__REPO": str(tmp_path / "data" / "list"),
        "VADBOT_STATE__PATH": str(tmp_path / "data" / "vadbot.sqlite3"),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    return {
        **os.environ,
        "VADBOT_BUNDLED_CATALOG": str(bundled),
        "VADBOT_DATA": str(tmp_path / "data"),
        "PYTHON": sys.executable,
        "VADBOT": "echo",
    }


def _entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(SCRIPT), *args], env=env, capture_output=True, text=True, check=True
    )


def test_the_first_start_makes_the_catalog_repository_on_the_volume_with_an_old_commit(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    done = _entrypoint(env, "run", "--once")
    assert done.stdout == "run --once\n"  # then vadbot runs with the arguments given
    repo = Path(env["VADBOT_CATALOG__REPO"])
    assert "created the catalog repository" in done.stderr
    assert (repo / "catalog" / "papers" / "2025" / "lavad.yaml").is_file()
    assert git(repo, "log", "--format=%cI %s") == "2000-01-01T00:00:00+00:00 " + (
        "The catalog bundled with vadbot"
    )
    assert git(repo, "status", "--porcelain") == ""
    # The first digest does not take the bundled entries for this week's news.
    assert main(["digest"]) == 0
    out = capsys.readouterr().out
    assert "## New in the list (0)" in out
    assert "2 papers" in out


def test_a_labs_own_clone_is_used_as_is(env: dict[str, str]) -> None:
    clone = CatalogRepo(Path(env["VADBOT_CATALOG__REPO"]))
    clone.add(make_entry("our-paper"))
    head = git(clone.root, "rev-parse", "HEAD")
    done = _entrypoint(env, "status")
    assert "created the catalog" not in done.stderr
    assert git(clone.root, "rev-parse", "HEAD") == head
    assert not (clone.root / "catalog" / "papers" / "2025" / "lavad.yaml").exists()


def test_state_off_the_volume_is_warned_about(env: dict[str, str], tmp_path: Path) -> None:
    done = _entrypoint({**env, "VADBOT_STATE__PATH": str(tmp_path / "elsewhere.sqlite3")}, "run")
    assert "is not on the" in done.stderr
    assert "volume" in done.stderr


def test_the_example_config_in_the_container_fails_once_with_the_fix(
    env: dict[str, str], tmp_path: Path
) -> None:
    example = SCRIPT.parents[1] / "config" / "vadbot.example.yaml"
    app = tmp_path / "app" / "config"
    app.mkdir(parents=True)
    (app / "vadbot.yaml").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    mounted = {k: v for k, v in env.items() if not k.startswith("VADBOT_") or "_DATA" in k}
    mounted |= {"VADBOT_CONFIG": str(app / "vadbot.yaml"), "VADBOT_HOLD": "echo held"}
    done = _entrypoint({**mounted, "VADBOT_BUNDLED_CATALOG": env["VADBOT_BUNDLED_CATALOG"]}, "run")
    assert done.stdout == "held\n"  # vadbot never started, so nothing restarts it
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "catalog.repo" in lines[0]
    assert "/list" in lines[0]
    assert "--config" not in lines[0]  # the advice for a shell, wrong in a container


def test_the_images_config_keeps_the_list_and_the_state_on_the_volume() -> None:
    config = SCRIPT.parents[1] / "config" / "vadbot.docker.yaml"
    settings = load_settings(config, {})  # no VADBOT_* variable: the file decides
    assert settings.resolve(settings.catalog.repo) == Path("/data/list")
    assert settings.resolve(settings.state.path) == Path("/data/vadbot.sqlite3")
    assert settings.log.format == "json"
    assert "VADBOT_STATE__PATH" not in (SCRIPT.parents[1] / "Dockerfile").read_text()


def test_the_tokens_file_is_never_committed() -> None:
    root = SCRIPT.parents[1]
    done = subprocess.run(
        ["git", "-C", str(root), "check-ignore", "-q", ".env"], check=False, capture_output=True
    )
    assert done.returncode == 0, ".env (the tokens for docker compose) is not in .gitignore"
