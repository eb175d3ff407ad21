"""The importer on six real awesome lists, against their hand-made truth."""

import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.catalog.importer import parse_awesome_list
from bot.core.models import Entry, normalise_title
from bot.infra.yaml_files import build_catalog_files, parse_catalog

LISTS = Path(__file__).resolve().parent.parent / "data" / "awesome_lists"

PAPERS = {
    # the range each truth file's papers_ambiguity documents
    "junxi-vad": (53, 60),  # -6 without surveys, +1 with the seminar
    "vidllm-survey": (147, 196),  # up to 196 if every benchmark and dataset paper counts
    "fjchange-vad": (58, 64),
    "hoya012-ad": (141, 142),
    "cvpr2020-code": (269, 297),  # +27 if the untitled repository URLs count
    "m3lab-iad": (597, 690),  # ±5 fuzzy variants, +35 commented-only, +49 dataset papers
}


def truth(name: str) -> dict[str, Any]:
    return dict(json.loads((LISTS / f"{name}.truth.json").read_text("utf-8")))


def imported(name: str) -> tuple[Entry, ...]:
    return parse_awesome_list((LISTS / f"{name}.md").read_text("utf-8")).entries


@pytest.mark.parametrize("name", list(PAPERS))
def test_paper_count_within_the_documented_ambiguity(name: str) -> None:
    papers = sum(e.kind == "paper" for e in imported(name))
    low, high = PAPERS[name]
    assert low <= papers <= high, f"{papers} papers (truth {truth(name)['papers']})"


@pytest.mark.parametrize("name", list(PAPERS))
def test_five_spot_checks_title_venue_year_paper_and_code(name: str) -> None:
    entries = {normalise_title(e.title): e for e in imported(name)}
    for spot in truth(name)["spot"]:
        entry = entries.get(normalise_title(spot["title"]))
        assert entry is not None, spot["title"]
        assert (entry.venue or None, entry.year) == (spot["venue"], spot["year"]), spot["title"]
        papers = [entry.links[n] for n in ("paper", "arxiv", "pdf") if n in entry.links]
        want = spot["links"]
        assert (want["paper"] in papers) if want["paper"] else papers == [], spot["title"]
        assert entry.links.get("code") == want["code"], spot["title"]


@pytest.mark.parametrize("name", list(PAPERS))
def test_the_imported_catalog_passes_catalog_check(name: str) -> None:
    result = parse_awesome_list((LISTS / f"{name}.md").read_text("utf-8"))
    _, problems = parse_catalog(build_catalog_files(result.catalog()))
    assert problems == []
