"""The core knows no platform: it imports none of the libraries that talk to the outside."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "bot" / "core"
FORBIDDEN = (
    "discord",
    "slack_sdk",
    "slack_bolt",
    "apscheduler",
    "httpx",
    "aiohttp",
    "feedparser",
    "sqlite3",
    "yaml",
    "subprocess",
    "bot.infra",
    "bot.adapters",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_imports_no_outside_library(path: Path) -> None:
    bad = {m for m in imported_modules(path) for f in FORBIDDEN if m == f or m.startswith(f + ".")}
    assert not bad, f"{path.name} imports {sorted(bad)}"
