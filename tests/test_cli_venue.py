"""`vadbot arxiv venue FILE.jsonl`: one JSON line per input line, in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def test_each_line_gets_its_venue_year_and_track_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"arxiv_id": "2501.00001", "comment": "Accepted by AAAI-26", "journal_ref": None},
        {"arxiv_id": "2501.00002", "comment": "Submitted to CVPR 2026", "journal_ref": None},
        {"arxiv_id": "2501.00003", "comment": "CVPR 2025 Workshop on Anomalies"},
        {"arxiv_id": "2501.00004", "journal_ref": None},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert main(["arxiv", "venue", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["arxiv_id"] for o in out] == [line["arxiv_id"] for line in lines]
    assert (out[0]["venue"], out[0]["year"], out[0]["track"]) == ("AAAI", 2026, "main")
    assert out[1]["venue"] is None  # a submission is no venue
    assert (out[2]["venue"], out[2]["workshop"], out[2]["track"]) == ("CVPR", True, "workshop")
    assert out[3] == {
        "arxiv_id": "2501.00004",
        "venue": None,
        "year": None,
        "workshop": False,
        "track": None,
    }


def test_a_broken_line_is_one_clear_error_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"arxiv_id": "1", "comment": null}\n{oops\n', encoding="utf-8")
    assert main(["arxiv", "venue", str(source)]) == 1
    err = capsys.readouterr().err
    assert f"{source}:2: not a JSON line" in err
    assert "Traceback" not in err
