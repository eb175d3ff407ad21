"""`vadbot catalog import | render | list` as a user runs them."""

import io
import json
import os
import sys
from pathlib import Path

import pytest

from bot.cli import main

DATA = Path(__file__).resolve().parent / "data"
SEED = DATA / "awesome-llm4vad.md"


@pytest.fixture
def imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "catalog"
    assert main(["catalog", "import", str(SEED), "--out", str(out)]) == 0
    return out


def test_import_writes_one_file_per_entry_and_the_list_file(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "45 entries (30 paper, 12 dataset, 3 background) and 3 prose blocks" in (
        capsys.readouterr().out
    )
    assert (imported / "list.yaml").is_file()
    assert (imported / "papers/2025/vera.yaml").is_file()
    assert (imported / "datasets/msad.yaml").is_file()
    assert len(list(imported.rglob("*.yaml"))) == 46
    assert main(["catalog", "check", "--catalog", str(imported)]) == 0


def test_import_refuses_a_non_empty_folder_without_force(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (imported / "papers/2025/stale-entry.yaml").write_text("id: stale-entry\n", encoding="utf-8")
    assert main(["catalog", "import", str(SEED), "--out", str(imported)]) == 1
    assert "not empty; pass --force" in capsys.readouterr().err
    assert main(["catalog", "import", str(SEED), "--out", str(imported), "--force"]) == 0
    assert not (imported / "papers/2025/stale-entry.yaml").exists()


def test_import_json_report_and_problems_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.md"
    source.write_text(
        "# L\n\n## Papers\n\n- [Kept](https://example.org/k)\n\nA sentence that is no paper.\n",
        encoding="utf-8",
    )
    code = main(["catalog", "import", str(source), "--out", str(tmp_path / "out"), "--json"])
    assert code == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["ids"] == ["kept"]
    assert report["problems"][0]["line"] == 7
    assert f"{source}:7: text that is neither an entry" in captured.err


def test_import_of_a_missing_list_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "import", str(tmp_path / "no.md"), "--out", str(tmp_path / "o")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_import_of_a_list_saved_with_a_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.md"
    source.write_text("# Awesome BOM\n\n## Papers\n\n- [Kept](https://e.org/k)\n", "utf-8-sig")
    out = tmp_path / "out"
    assert main(["catalog", "import", str(source), "--out", str(out)]) == 0
    assert (out / "list.yaml").read_text(encoding="utf-8").startswith("title: Awesome BOM\n")


def test_import_of_a_list_that_is_not_utf8_names_the_file_and_the_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "latin.md"
    source.write_bytes("# Liste\n\n- [Café](https://e.org/c)\n".encode("latin-1"))
    assert main(["catalog", "import", str(source), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert f"{source}:3: not UTF-8 text (byte 0xe9 at offset 15)" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_import_into_a_fresh_folder_syncs_the_disk_once_not_once_per_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    syncs: list[str] = []
    monkeypatch.setattr(os, "fsync", lambda fd: syncs.append("fsync"))
    monkeypatch.setattr(os, "sync", lambda: syncs.append("sync"))
    out = tmp_path / "catalog"
    assert main(["catalog", "import", str(SEED), "--out", str(out)]) == 0
    assert syncs == ["sync", "fsync"]  # the files, then the folder they were renamed into
    assert len(list(out.rglob("*.yaml"))) == 46
    assert main(["catalog", "check", "--catalog", str(out)]) == 0


def test_render_to_stdout_and_to_a_file(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["catalog", "render", "--catalog", str(imported)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# Awesome LLM4VAD\n")
    out = tmp_path / "README.md"
    assert main(["catalog", "render", "--catalog", str(imported), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed


def test_list_json_gives_the_fields_scripts_need(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["catalog", "list", "--catalog", str(imported), "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == 45
    for item in items:
        assert {"id", "kind", "title", "venue", "year", "links", "summary", "arxiv_id"} <= set(item)
    vadclip = next(i for i in items if i["id"] == "vadclip")
    assert vadclip["arxiv_id"] == "2308.11681"
    assert vadclip["links"]["code"] == "https://github.com/nwpu-zxr/VadCLIP"
    assert vadclip["summary"].startswith("将 CLIP 等视觉-语言模型")


def test_list_prints_one_line_per_entry(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["catalog", "list", "--catalog", str(imported)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 45
    assert any(line.startswith("vera ") and "CVPR 2025" in line for line in lines)


class TtyStream(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("count", "drawn"), [(250, True), (20, False)])
def test_import_draws_a_progress_bar_on_big_lists_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int, drawn: bool
) -> None:
    source = tmp_path / "big.md"
    lines = [f"- **Generated Paper {i}** [[paper](https://example.org/{i})]" for i in range(count)]
    source.write_text("# Big\n\n## Papers\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    stderr = TtyStream()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["catalog", "import", str(source), "--out", str(tmp_path / "out")]) == 0
    assert ("import 100%" in stderr.getvalue()) is drawn
    assert len(list((tmp_path / "out").rglob("*.yaml"))) == count + 1


def test_import_dry_run_prints_sections_and_first_entries_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["catalog", "import", str(SEED), "--dry-run", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "would create 45 entries" in printed.out
    assert "  … and" in printed.out
    assert "30 papers, 12 datasets" in printed.err
    assert not out.exists()


def test_import_groups_repeated_problems_and_ends_with_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.md"
    lines = [f"A sentence number {i} that is no paper at all." for i in range(10)]
    source.write_text(
        "# L\n\n## Papers\n\n- [Kept](https://example.org/k)\n"
        "- [Kept](https://example.org/k2)\n\n" + "\n\n".join(lines) + "\n",
        encoding="utf-8",
    )
    assert main(["catalog", "import", str(source), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("text that is neither an entry") == 4  # three shown, then "… and 7 more"
    assert "… and 7 more: text that is neither an entry nor in a prose section" in err
    assert "1 paper(s) listed more than once, merged into one entry each (first at line 6)" in err
    assert err.rstrip().endswith("1 paper, 10 lines skipped — see above")
    assert main(["catalog", "check", "--catalog", str(tmp_path / "out")]) == 0
