"""Rendering the catalog as the awesome list: nothing of the seed lost, grouped as the seed is."""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.catalog.importer import ImportResult, parse_awesome_list
from bot.core.catalog.mdtext import heading_anchor
from bot.core.catalog.render import render_markdown, shield
from bot.core.models import Catalog, Entry

SEED = Path(__file__).resolve().parents[1] / "data" / "awesome-llm4vad.md"


@pytest.fixture(scope="module")
def seed() -> ImportResult:
    return parse_awesome_list(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def markdown(seed: ImportResult) -> str:
    return render_markdown(seed.catalog())


def test_every_title_link_summary_and_preview_of_the_seed_is_kept(
    seed: ImportResult, markdown: str
) -> None:
    for entry in seed.entries:
        assert entry.title in markdown
        for url in entry.links.values():
            assert f"({url})" in markdown, url
        for line in entry.summary.split("\n"):
            assert line in markdown
        if entry.preview:
            assert f"({entry.preview})" in markdown
    for block in seed.prose:
        assert block.body in markdown


def test_every_url_written_in_the_seed_is_in_the_rendered_list(markdown: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[^\s)>\]]+", text))
    targets = {u for u in urls if not u.startswith("https://img.shields.io/")}
    assert len(targets) == 37
    missing = sorted(u for u in targets if u not in markdown)
    assert missing == []


def test_rendered_list_imports_back_to_the_same_entries(seed: ImportResult, markdown: str) -> None:
    again = parse_awesome_list(markdown)
    assert again.problems == []

    def plain(entries: tuple[Entry, ...]) -> dict[str, Entry]:
        return {e.id: replace(e, order=0) for e in entries}

    assert plain(again.entries) == plain(seed.entries)
    assert [(b.id, b.body) for b in again.prose] == [(b.id, b.body) for b in seed.prose]
    assert render_markdown(again.catalog()) == markdown


def test_papers_by_year_newest_first_then_venue_in_list_order(markdown: str) -> None:
    headings = re.findall(r"^###? (.+)$", markdown, flags=re.MULTILINE)
    start = headings.index("Papers (2025)")
    assert headings[start : start + 8] == [
        "Papers (2025)",
        "NeurIPS 2025",
        "ICML 2025",
        "ICCV 2025",
        "ACM MM 2025",
        "CVPR 2025",
        "arXiv 2025 (Preprints)",
        "Papers (2024)",
    ]
    assert headings[-1] == "Related Awesome Lists"
    assert markdown.index("#### Aha! - Predicting") < markdown.index("#### PANDA")


def test_badges_use_the_seed_colours(markdown: str) -> None:
    seed_badges = set(re.findall(r"https://img\.shields\.io/badge/[^)]+", SEED.read_text("utf-8")))
    venue_badges = {b for b in seed_badges if re.search(r"-20\d\d-", b)}
    assert venue_badges <= set(re.findall(r"https://img\.shields\.io/badge/[^)]+", markdown))
    assert "[![Code](https://img.shields.io/github/stars/nwpu-zxr/VadCLIP?style=social" in markdown


def test_contents_links_every_section_heading(markdown: str) -> None:
    toc = markdown.split("## Contents", 1)[1].split("---", 1)[0]
    anchors = re.findall(r"\(#([^)]+)\)", toc)
    headings = re.findall(r"^#{2,3} (.+)$", markdown, flags=re.MULTILINE)
    assert set(anchors) == {heading_anchor(h) for h in headings if h != "Contents"}


def test_a_new_entry_without_order_joins_its_year_and_venue() -> None:
    old = Entry(id="old", kind="paper", title="Old Paper", venue="CVPR", year=2024, order=10)
    new = Entry(id="new", kind="paper", title="New Paper", venue="CVPR", year=2026)
    text = render_markdown(Catalog("Awesome", "", (old, new)))
    assert text.index("## Papers (2026)") < text.index("#### New Paper") < text.index("#### Old")


def test_shield_escapes_dashes_underscores_and_spaces() -> None:
    assert shield("ACM MM", "2025", "FF69B4") == "https://img.shields.io/badge/ACM_MM-2025-FF69B4"
    assert shield("Vad-R1", "", "blue") == "https://img.shields.io/badge/Vad--R1-blue"


def test_every_kind_of_entry_survives_render_and_import() -> None:
    entries = (
        Entry(
            id="multi",
            kind="paper",
            title="Multi: Lines of Summary",
            venue="TPAMI",
            year=2023,
            links={
                "paper": "https://e.org/m",
                "video": "https://youtu.be/x",
                "data": "https://e.org/d",
                "openreview": "https://openreview.net/forum?id=1",
            },
            summary="第一行\n第二行",
            short_name="Multi",
            order=5,
        ),
        Entry(
            id="nameless-venue-paper-here",
            kind="paper",
            title="Nameless Venue Paper Here",
            year=2022,
            links={"paper": "https://e.org/n"},
            order=6,
        ),
        Entry(
            id="undated-work-without-anything",
            kind="paper",
            title="Undated Work Without Anything",
            order=7,
        ),
        Entry(
            id="ds",
            kind="dataset",
            title="DS (DS)",
            short_name="DS",
            section="Data",
            links={"project": "https://e.org/ds"},
            summary="line one\nline two",
            order=1,
        ),
        Entry(id="bare-set", kind="dataset", title="Bare-Set", section="Data", order=2),
        Entry(
            id="toolkit",
            kind="resource",
            title="Toolkit",
            section="Tools",
            links={"code": "https://github.com/t/k"},
            summary="A toolkit.",
            order=3,
        ),
    )
    catalog = Catalog("Awesome", "Intro.", entries)
    again = parse_awesome_list(render_markdown(catalog))
    assert again.problems == []
    assert {e.id: replace(e, order=0) for e in again.entries} == {
        e.id: replace(e, order=0) for e in entries
    }


def test_no_badge_links_nowhere_and_an_arxiv_only_paper_has_one_arxiv_badge(
    markdown: str,
) -> None:
    assert "]()" not in markdown
    committed = (Path(__file__).parents[2] / "catalog/README.md").read_text(encoding="utf-8")
    assert "]()" not in committed
    avadclip = committed.split("#### AVadCLIP", 1)[1].split("---", 1)[0]  # arXiv only
    assert avadclip.count("[![arXiv]") == 1
    assert "https://arxiv.org/abs/2504.04495" in avadclip
