"""`vadbot catalog check` on hostile or tricky YAML: refused in one line per file, quickly, with
bounded memory; quoted `null` and `~` are text."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.models import Entry
from bot.infra.yaml_files import dump_entry, entry_path, load_catalog

BOMB = """id: bomb
kind: paper
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
title: *i
"""

GOOD = """id: vera
kind: paper
title: "VERA: Explainable Video Anomaly Detection"
year: 2025
"""


def catalog_with(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "catalog"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_a_billion_laughs_file_is_refused_at_its_first_anchor_quickly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(BOMB.encode()) < 480
    root = catalog_with(tmp_path, {"papers/2025/bomb.yaml": BOMB, "papers/2025/vera.yaml": GOOD})
    started = time.monotonic()
    tracemalloc.start()
    try:
        assert main(["catalog", "check", "--catalog", str(root)]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 2.0
    assert peak < 20_000_000
    err = capsys.readouterr().err
    assert "bomb.yaml:3: anchors and aliases (&a, *a) are not allowed" in err
    assert "vera.yaml" not in err


def test_an_alias_alone_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD + "authors: &who [A. One]\ntags: *who\n"
    root = catalog_with(tmp_path, {"papers/2025/vera.yaml": text})
    assert main(["catalog", "check", "--catalog", str(root)]) == 1
    assert "vera.yaml:5: anchors and aliases" in capsys.readouterr().err


def test_quoted_null_and_tilde_are_text_and_plain_ones_are_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = 'id: vera\nkind: paper\ntitle: "null"\nyear: 2025\nauthors: ["~", Null]\nnote: ~\n'
    root = catalog_with(tmp_path, {"papers/2025/vera.yaml": text})
    assert main(["catalog", "check", "--catalog", str(root)]) == 1  # a plain Null author
    err = capsys.readouterr().err
    assert "'authors' must be a list of text" in err
    assert "title" not in err
    (root / "papers/2025/vera.yaml").write_text(text.replace(", Null]", "]"), encoding="utf-8")
    assert main(["catalog", "check", "--catalog", str(root)]) == 0
    (entry,) = load_catalog(root).entries
    assert (entry.title, entry.authors, entry.note) == ("null", ("~",), "")


def test_an_entry_titled_null_by_a_tilde_author_reads_back_as_written(tmp_path: Path) -> None:
    entry = Entry("null-2025", "paper", "null", year=2025, authors=("~", "NULL"))
    root = catalog_with(tmp_path, {entry_path(entry): dump_entry(entry)})
    (loaded,) = load_catalog(root).entries
    assert (loaded.title, loaded.authors) == ("null", ("~", "NULL"))
