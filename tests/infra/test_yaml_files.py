"""`vadbot catalog check`: every rule, every problem at once, as path:line: message."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.core.models import Entry
from bot.errors import CatalogError, Problem
from bot.infra.yaml_files import (
    build_catalog_files,
    dump_entry,
    entry_path,
    load_catalog,
    parse_catalog,
    write_files,
)

GOOD = """id: vera
kind: paper
title: "VERA: Explainable Video Anomaly Detection"
venue: CVPR
year: 2025
arxiv_id: "2411.01234"
links:
  paper: https://example.org/vera.pdf
  code: https://github.com/vera-framework/VERA
summary: 将异常判决转化为口头推理任务。
"""


def problems_of(files: dict[str, str]) -> list[str]:
    _, problems = parse_catalog(files, max_year=2027)
    return [str(p) for p in problems]


def test_a_good_entry_has_no_problem() -> None:
    catalog, problems = parse_catalog({"papers/2025/vera.yaml": GOOD}, max_year=2027)
    assert problems == []
    assert catalog.entries[0].links["code"] == "https://github.com/vera-framework/VERA"


def test_unknown_key_is_named_with_a_suggestion_and_its_line() -> None:
    text = GOOD.replace("summary:", "sumary:")
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        "papers/2025/vera.yaml:10: unknown key 'sumary' (did you mean 'summary'?)"
    ]


def test_unknown_link_name_is_named_with_a_suggestion() -> None:
    text = GOOD.replace("  code:", "  cod:")
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        "papers/2025/vera.yaml:9: unknown key 'cod' (did you mean 'code'?)"
    ]


def test_missing_required_key() -> None:
    text = GOOD.replace("kind: paper\n", "")
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        "papers/2025/vera.yaml:1: missing required key 'kind'"
    ]


def test_duplicate_id_names_both_files() -> None:
    other = GOOD.replace("VERA: Explainable", "Another").replace("2411.01234", "2411.09999")
    found = problems_of({"papers/2025/vera.yaml": GOOD, "papers/2024/vera.yaml": other})
    assert found == ["papers/2024/vera.yaml:1: duplicate id 'vera' (also in papers/2025/vera.yaml)"]


def test_same_arxiv_id_is_the_same_paper() -> None:
    twin = GOOD.replace("id: vera", "id: vera-again").replace("VERA: Explainable", "Other")
    found = problems_of({"papers/2025/vera.yaml": GOOD, "papers/2025/vera-again.yaml": twin})
    assert found == [
        "papers/2025/vera-again.yaml:6: the same paper as 'vera' (papers/2025/vera.yaml): "
        "same arXiv id"
    ]


def test_same_normalised_title_is_the_same_paper() -> None:
    twin = (
        GOOD.replace("id: vera", "id: vera-copy")
        .replace(
            '"VERA: Explainable Video Anomaly Detection"',
            "vera explainable VIDEO anomaly-detection",
        )
        .replace("arxiv_id: 2411.01234\n", "")
    )
    found = problems_of({"papers/2025/vera.yaml": GOOD, "papers/2025/vera-copy.yaml": twin})
    assert found == [
        "papers/2025/vera-copy.yaml:3: the same paper as 'vera' (papers/2025/vera.yaml): same title"
    ]


def test_a_title_with_a_short_name_suffix_is_the_same_paper() -> None:
    twin = (
        GOOD.replace("id: vera", "id: vera-short")
        .replace(
            '"VERA: Explainable Video Anomaly Detection"',
            '"VERA: Explainable Video Anomaly Detection (VERA)"',
        )
        .replace('arxiv_id: "2411.01234"\n', "")
    )
    found = problems_of({"papers/2025/vera.yaml": GOOD, "papers/2025/vera-short.yaml": twin})
    assert found == [
        "papers/2025/vera-short.yaml:3: the same paper as 'vera' (papers/2025/vera.yaml): "
        "same title"
    ]


@pytest.mark.parametrize(
    ("url", "line"),
    [("example.org/no-scheme", 8), ("https://exa mple.org", 8), ("ftp://example.org/x", 8)],
)
def test_malformed_url(url: str, line: int) -> None:
    text = GOOD.replace("https://example.org/vera.pdf", url)
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        f"papers/2025/vera.yaml:{line}: links.paper is not an http(s) URL: {url!r}"
    ]


@pytest.mark.parametrize("year", ["1850", "2031"])
def test_impossible_year(year: str) -> None:
    text = GOOD.replace("year: 2025", f"year: {year}")
    [problem] = problems_of({"papers/2025/vera.yaml": text})
    assert problem.startswith(f"papers/2025/vera.yaml:5: year {year} is impossible")


def test_unquoted_arxiv_id_and_title_stay_text_as_written() -> None:
    text = GOOD.replace('arxiv_id: "2411.01234"', "arxiv_id: 2410.12340").replace(
        '"VERA: Explainable Video Anomaly Detection"', "no"
    )
    catalog, problems = parse_catalog({"papers/2025/vera.yaml": text})
    assert problems == []
    assert (catalog.entries[0].arxiv_id, catalog.entries[0].title) == ("2410.12340", "no")


@pytest.mark.parametrize(
    ("before", "after"),
    [("", ""), ("id: p4", "---\nid: p4"), ("title: Paper 4", "title: Paper 4\nnote: 'null'")],
    ids=["one-stream", "document-marker", "quoted-null"],
)
def test_many_files_read_alike_whichever_way_they_are_parsed(before: str, after: str) -> None:
    files = {
        f"papers/2025/p{i}.yaml": f"id: p{i}\nkind: paper\ntitle: Paper {i}\nyear: 2025\n"
        "preview: null\nsummary: ~\n"
        for i in range(5)
    }
    files["papers/2025/p4.yaml"] = files["papers/2025/p4.yaml"].replace(before, after)
    catalog, problems = parse_catalog(files)
    assert problems == []
    assert [(e.id, e.year, e.preview, e.summary) for e in catalog.entries] == [
        (f"p{i}", 2025, None, "") for i in range(5)
    ]
    assert catalog.by_id()["p4"].note == ("null" if "note" in after else "")


def test_a_key_given_twice_is_a_problem_not_a_silent_loss() -> None:
    text = GOOD + "links:\n  project: https://example.org/p\n"
    other = GOOD.replace("id: vera", "id: other").replace("VERA", "Other").replace("2411", "2412")
    found = problems_of({"papers/2025/vera.yaml": text, "papers/2025/other.yaml": other})
    assert found == [
        "papers/2025/vera.yaml:7: key 'links' is given twice;"
        " the second would silently replace the first"
    ]
    nested = GOOD.replace("  code:", "  paper: https://example.org/again\n  code:")
    assert problems_of({"papers/2025/vera.yaml": nested}) == [
        "papers/2025/vera.yaml:8: key 'links.paper' is given twice;"
        " the second would silently replace the first"
    ]


def test_null_link_is_reported_as_empty() -> None:
    text = GOOD.replace("  code: https://github.com/vera-framework/VERA", "  code: ~")
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        "papers/2025/vera.yaml:9: links.code is empty: give a URL or remove it"
    ]


def test_a_title_holding_a_url_is_a_problem() -> None:
    text = "id: https\nkind: paper\ntitle: (https://broken.org)\nsummary: ''\n"
    assert problems_of({"papers/undated/https.yaml": text}) == [
        "papers/undated/https.yaml:3: title '(https://broken.org)' holds a URL: "
        "give the paper's own title"
    ]


def test_year_that_is_not_a_number() -> None:
    text = GOOD.replace("year: 2025", "year: soon")
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        "papers/2025/vera.yaml:5: 'year' must be a whole number, not 'soon'"
    ]


def test_id_differs_from_file_name() -> None:
    assert problems_of({"papers/2025/vera-2025.yaml": GOOD}) == [
        "papers/2025/vera-2025.yaml:1: id 'vera' differs from the file name 'vera-2025.yaml'"
    ]


def test_bad_kind_and_arxiv_version() -> None:
    text = GOOD.replace("kind: paper", "kind: papers").replace("2411.01234", "2411.01234v2")
    assert problems_of({"papers/2025/vera.yaml": text}) == [
        "papers/2025/vera.yaml:2: kind 'papers' is not one of paper, dataset, resource, background",
        "papers/2025/vera.yaml:6: arxiv_id '2411.01234v2' is not like 2401.05702 (no 'v2')",
    ]


def test_yaml_syntax_error_names_file_and_line() -> None:
    text = GOOD.replace("venue: CVPR", "venue: [CVPR")
    [problem] = problems_of({"papers/2025/vera.yaml": text})
    assert problem.startswith("papers/2025/vera.yaml:5: YAML syntax error")


def test_bad_prose_block_in_list_file_is_a_problem_not_a_crash() -> None:
    text = "title: T\nintro: I\nprose:\n- id: a\n  title: A\n  level: high\n  body: x\n"
    assert problems_of({"list.yaml": text}) == ["list.yaml:6: 'level' must be a whole number"]


def test_every_problem_of_every_file_is_reported_at_once() -> None:
    files = {
        "papers/2025/vera.yaml": GOOD.replace("summary:", "sumary:").replace("2025", "1800"),
        "papers/2025/broken.yaml": "id: broken\ntitle: [oops\n",
        "papers/2025/other.yaml": GOOD.replace("id: vera", "id: other").replace(
            "kind: paper\n", ""
        ),
    }
    found = problems_of(files)
    assert len(found) == 5  # other.yaml is also vera's paper again (same title)
    assert {p.split(":", 1)[0] for p in found} == set(files)


def test_an_entry_with_a_field_error_is_still_checked_for_duplicates() -> None:
    typo = GOOD.replace("id: vera", "id: vera-again").replace("summary:", "sumary:")
    found = problems_of({"papers/2025/vera.yaml": GOOD, "papers/2025/vera-again.yaml": typo})
    assert found == [
        "papers/2025/vera-again.yaml:10: unknown key 'sumary' (did you mean 'summary'?)",
        "papers/2025/vera-again.yaml:3: the same paper as 'vera' (papers/2025/vera.yaml): "
        "same title",
    ]


def test_an_invalid_entry_with_a_taken_id_is_named_too() -> None:
    bad_year = GOOD.replace("year: 2025", "year: 1800").replace("VERA: Explainable", "Other")
    bad_year = bad_year.replace("2411.01234", "2411.09999")
    found = problems_of({"papers/2025/vera.yaml": GOOD, "papers/1800/vera.yaml": bad_year})
    assert "papers/1800/vera.yaml:1: duplicate id 'vera' (also in papers/2025/vera.yaml)" in found
    assert len(found) == 2


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_check_command_prints_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "papers/2025/vera.yaml": GOOD.replace("summary:", "sumary:"),
            "datasets/x.yaml": "id: x\nkind: dataset\ntitle: X\nlinks: {data: nope}\n",
        },
    )
    assert main(["catalog", "check", "--catalog", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "datasets/x.yaml:4: links.data is not an http(s) URL: 'nope'" in err
    assert "papers/2025/vera.yaml:10: unknown key 'sumary'" in err
    assert "2 problem(s) in the catalog" in err


def test_check_command_on_a_good_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"papers/2025/vera.yaml": GOOD})
    assert main(["catalog", "check", "--catalog", str(tmp_path)]) == 0
    assert "1 entries, no problems" in capsys.readouterr().out


def test_check_command_on_a_folder_with_no_entries_says_so_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.md").write_text("not a catalog\n", encoding="utf-8")
    assert main(["catalog", "check", "--catalog", str(tmp_path)]) == 1
    assert "no catalog entries here" in capsys.readouterr().err


def test_missing_catalog_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nowhere")
    assert caught.value.problems == (
        Problem(str(tmp_path / "nowhere"), 0, "no catalog folder here"),
    )


def test_dumped_entries_load_back_unchanged(tmp_path: Path) -> None:
    entry = Entry(
        id="holmes-vau",
        kind="paper",
        title="Holmes-VAU: Towards Long-term Video Anomaly Understanding",
        venue="CVPR",
        year=2025,
        links={"code": "https://github.com/pipixin321/HolmesVAU"},
        summary="第一行\n第二行",
        tags=("vlm",),
        section="📊 Papers",
    )
    path = entry_path(entry)
    assert path == "papers/2025/holmes-vau.yaml"
    assert "summary: |-\n  第一行\n  第二行\n" in dump_entry(entry)
    assert "section: 📊 Papers\n" in dump_entry(entry)  # written as is, not "\U0001F4CA"
    catalog, problems = parse_catalog({path: dump_entry(entry)})
    assert problems == []
    assert catalog.entries == (entry.__class__(**{**_fields(entry), "path": path}),)


def _fields(entry: Entry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in entry.__slots__}  # type: ignore[attr-defined]


def test_build_catalog_files_writes_list_file_first(tmp_path: Path) -> None:
    from bot.core.models import Catalog, ProseBlock

    catalog = Catalog("T", "I", (), (ProseBlock("notes", "Notes", "line one\nline two"),))
    files = build_catalog_files(catalog)
    assert list(files) == ["list.yaml"]
    again, problems = parse_catalog(files)
    assert problems == []
    assert again.prose[0].body == "line one\nline two"


TRICKY = (
    "plain",
    "with: colon",
    "- dash",
    "#hash",
    "yes",
    "null",
    "~",
    "2410.12340",
    "'q'",
    '"dq"',
    "a\tb",
    "trail ",
    "  lead",
    "two\nlines",
    "two\nlines\n",
    "kept\n\n",
    "\nfirst",
    "emoji 📊",
    "🙂\nline2",
    "nel\x85x",
    "ls\u2028x",
    "ps\u2029",
    "bom\ufeff",
    "bell\x07",
    "del\x7f",
    "视频",
    "\u00a0nbsp",
    "[x]",
    "{x}",
    "!tag",
    "&a",
    "*a",
    "|",
    "> x",
    "@x",
    "`x",
    "%x",
    "x #y",
    "? x",
    "---",
    "...",
    "\\back",
    "a\rb",
)


class _Reference(yaml.SafeDumper):
    """PyYAML's pure Python dumper with text of several lines as `|` blocks."""


_Reference.add_representer(
    str,
    lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|" if "\n" in v else None),
)


@pytest.mark.parametrize("text", TRICKY)
def test_entries_are_written_the_same_whichever_yaml_emitter_runs(text: str) -> None:
    entry = Entry(
        id="x",
        kind="paper",
        title=f"T {text}",
        year=2024,
        links={"code": "https://e.org/c"},
        summary=text,
        tags=(text, "vlm"),
        note=text,
    )
    data: dict[str, Any] = {
        "id": "x",
        "kind": "paper",
        "title": f"T {text}",
        "year": 2024,
        "links": {"code": "https://e.org/c"},
        "summary": text,
        "tags": [text, "vlm"],
        "note": text,
    }
    expected = yaml.dump(data, Dumper=_Reference, allow_unicode=True, sort_keys=False, width=10**6)
    assert dump_entry(entry) == expected
    if "\x85" not in text:  # PyYAML itself reads a written NEL back as a space
        assert yaml.safe_load(dump_entry(entry))["summary"] == text


def test_an_interrupted_bulk_write_leaves_no_file_behind(tmp_path: Path) -> None:
    files = {f"papers/2024/p{i}.yaml": f"id: p{i}\n" for i in range(10)}
    written: list[int] = []

    def stop_after_three() -> None:
        written.append(1)
        if len(written) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_files(tmp_path, files, stop_after_three)
    assert list(tmp_path.iterdir()) == []
    write_files(tmp_path, files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers"]
    assert (tmp_path / "papers/2024/p9.yaml").read_text("utf-8") == "id: p9\n"
