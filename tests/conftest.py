"""Every test runs in its own empty folder, so nothing a test writes by default (the state file,
the search index under `var/`) lands in the project."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Where PYTHONDONTWRITEBYTECODE is set (this sandbox, many CI images), every run and every xdist
# worker compiled and assertion-rewrote each test module again: 3.5 s of collection per worker
# instead of 1.9 s. Caching compiled modules under __pycache__ (ignored by git) is Python's default.
sys.dont_write_bytecode = False


@pytest.fixture(autouse=True)
def _own_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(folder)
    return folder
