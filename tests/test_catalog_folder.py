"""The committed catalog: valid, and its rendered README up to date."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.arxiv.watch import build_known_papers, is_listed
from bot.core.catalog.check import ENTRY_KEYS
from bot.core.catalog.render import render_markdown
from bot.core.models import LINK_NAMES, Paper
from bot.infra.yaml_files import load_catalog, parse_catalog

CATALOG = Path(__file__).resolve().parents[1] / "catalog"


def test_committed_catalog_passes_check_and_holds_the_seed() -> None:
    catalog = load_catalog(CATALOG)
    assert len(catalog.papers()) >= 30


def test_committed_readme_is_the_rendered_catalog() -> None:
    expected = render_markdown(load_catalog(CATALOG))
    actual = (CATALOG / "README.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "catalog/README.md is stale: run `vadbot catalog render --out catalog/README.md`"
    )


def test_schema_documents_every_key_and_link_name_and_its_example_is_valid() -> None:
    schema = (CATALOG / "SCHEMA.md").read_text(encoding="utf-8")
    for key in ENTRY_KEYS:
        assert f"| `{key}` |" in schema, key
    for name in LINK_NAMES:
        assert f"`{name}`" in schema, name
    example = schema.split("```yaml\n", 1)[1].split("```", 1)[0]
    catalog, problems = parse_catalog({"papers/2024/vadclip.yaml": example})
    assert problems == []
    assert catalog.entries[0].arxiv_id == "2308.11681"


def real_arxiv_papers() -> dict[str, Paper]:
    data = Path(__file__).resolve().parent / "data"
    lines = [
        json.loads(line)
        for name in ("arxiv_labelled.jsonl", "arxiv_heldout.jsonl")
        for line in (data / name).read_text(encoding="utf-8").splitlines()
    ]
    return {d["arxiv_id"]: Paper(d["arxiv_id"], d["title"], d["abstract"]) for d in lines}


@pytest.mark.parametrize("arxiv_id", ["2404.01014", "2407.10299"])  # LAVAD, AnomalyRuler
def test_papers_of_the_list_are_known_by_arxiv_id_and_by_their_arxiv_title(arxiv_id: str) -> None:
    known = build_known_papers(load_catalog(CATALOG))
    paper = real_arxiv_papers()[arxiv_id]
    assert is_listed(paper, known)
    assert is_listed(replace(paper, arxiv_id="2999.00001"), known)
    assert arxiv_id in known.arxiv_ids()
