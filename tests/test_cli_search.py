"""`vadbot search`: people get numbered lines, scripts get JSON, a bad filter exits 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.models import Entry
from bot.infra.yaml_files import dump_entry, entry_path

ENTRIES = [
    Entry(
        id="holmes-vau",
        kind="paper",
        title="Holmes-VAU: Long-term Video Anomaly Understanding",
        venue="CVPR",
        year=2025,
        links={"code": "https://github.com/pipixin321/HolmesVAU"},
    ),
    Entry(
        id="holmes-vad",
        kind="paper",
        title="Holmes-VAD: Unbiased and Explainable VAD",
        venue="arXiv",
        year=2024,
        summary="多模态 异常 解释",
    ),
    Entry(id="ucf-crime", kind="dataset", title="UCF-Crime", summary="surveillance anomalies"),
]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    for entry in ENTRIES:
        path = root / entry_path(entry)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_entry(entry), encoding="utf-8")
    return root


def test_text_output_numbers_hits_with_venue_year_and_links(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "holmes", "--limit", "1", "--catalog", str(catalog)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == '2 results for "holmes"'
    assert out[1] == " 1. Holmes-VAU: Long-term Video Anomaly Understanding — CVPR 2025"
    assert out[2] == "    code: https://github.com/pipixin321/HolmesVAU"
    assert out[3].startswith("… 1 more")


def test_json_output_has_what_scripts_need(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "holms", "vau", "--json", "--catalog", str(catalog)]) == 0
    (hit,) = json.loads(capsys.readouterr().out)
    assert {k: hit[k] for k in ("id", "title", "venue", "year")} == {
        "id": "holmes-vau",
        "title": ENTRIES[0].title,
        "venue": "CVPR",
        "year": 2025,
    }
    assert hit["links"] == {"code": "https://github.com/pipixin321/HolmesVAU"}
    assert hit["score"] > 0


def test_queries_file_prints_one_json_array_per_line(
    catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries = tmp_path / "queries.txt"
    queries.write_text("holmes\nkind:dataset\n异常\nyear:nope\nzzzzqq\n", encoding="utf-8")
    assert main(["search", "--queries", str(queries), "--catalog", str(catalog)]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [[h["id"] for h in hits] for hits in lines] == [
        ["holmes-vau", "holmes-vad"],
        ["ucf-crime"],
        ["holmes-vad"],
        [],
        [],
    ]
    assert "line 4: 'year:nope' is not a year" in captured.err


def test_no_match_says_so_and_suggests(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "holmes", "year:2019", "--catalog", str(catalog)]) == 0
    assert capsys.readouterr().out == "No match for 'holmes year:2019'. Did you mean 'holmes'?\n"


def test_a_malformed_filter_exits_1_with_its_message(
    catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "has:cod", "--catalog", str(catalog)]) == 1
    assert "Did you mean 'has:code'?" in capsys.readouterr().err


def test_a_query_or_a_file_is_required(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--catalog", str(catalog)]) == 1
    assert "give a query" in capsys.readouterr().err


def test_the_index_is_kept_on_disk_by_default_and_reused(
    catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config" / "vadbot.yaml"
    config.parent.mkdir()
    config.write_text("search:\n  results: 5\n", encoding="utf-8")  # no index_path given
    argv = ["--config", str(config), "search", "ucf", "--json"]
    assert main(argv) == 0
    index_file = tmp_path / "var" / "search-index.bin"
    written = index_file.stat().st_mtime_ns
    assert main(argv) == 0
    assert index_file.stat().st_mtime_ns == written  # unchanged catalog: not rewritten
    first, second = capsys.readouterr().out.split("]\n")[:2]
    assert json.loads(first + "]") == json.loads(second + "]")
    assert json.loads(first + "]")[0]["id"] == "ucf-crime"


def test_an_index_path_that_cannot_be_written_still_searches(
    catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder would be", encoding="utf-8")
    config = tmp_path / "config" / "vadbot.yaml"
    config.parent.mkdir()
    config.write_text(f"search:\n  index_path: {blocker}/index.bin\n", encoding="utf-8")
    assert main(["--config", str(config), "search", "ucf", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "ucf-crime"
