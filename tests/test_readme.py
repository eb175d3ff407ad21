"""The README's install command as a new lab runs it, and CI running exactly that."""

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _install_command() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```sh\n(.*?)\n```", readme, re.S)
    assert block is not None
    return [shlex.split(part) for part in block.group(1).split("&&")]


def test_the_install_command_ends_by_showing_the_bot_working_in_a_few_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("VADBOT_CONFIG", "VADBOT_CATALOG__REPO", "VADBOT_STATE__PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VADBOT_SEARCH__INDEX_PATH", str(tmp_path / "index.bin"))  # not in ROOT
    shown = [words for words in _install_command() if words[0] == "vadbot"]
    assert shown, "the install command ends with vadbot showing itself"
    for words in shown:
        assert main(words[1:]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) <= 10
    assert "no problems" in out
    assert "VERA" in out


def test_ci_runs_exactly_the_readme_install_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci_commands = [[w for w in shlex.split(line) if w != "-q"] for line in ci if line[:1].isalpha()]
    for words in _install_command():
        if words[0] in ("pip", "vadbot"):
            assert words in ci_commands
