"""Normalising arXiv entries of every flavour, and the matching rules."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from bot.core.arxiv.watch import (
    build_rules,
    clean_text,
    find_code_url,
    match_paper,
    parse_entry,
    parse_feed,
)
from bot.core.models import Paper

DATA = Path(__file__).resolve().parents[1] / "data"


def feed_of(name: str) -> list[Paper]:
    return list(parse_feed(feedparser.parse((DATA / name).read_bytes())).papers)


def test_new_rss_item_loses_its_prefix_and_keeps_its_facts() -> None:
    paper = feed_of("rss2_cs.AI_2026-04-27_distill.xml")[0]
    assert paper.arxiv_id == "2604.21935"
    assert paper.version == 1
    assert paper.announce_type == "new"
    assert paper.title.startswith("Math Takes Two")
    assert paper.abstract.startswith("Although language models demonstrate")
    assert paper.authors == ("Michael Cooper", "Samuel Cooper")
    assert paper.categories == ("cs.AI", "cs.LG")
    assert paper.abs_url == "https://arxiv.org/abs/2604.21935"
    assert paper.pdf_url == "https://arxiv.org/pdf/2604.21935"


def test_combined_feed_gives_cross_and_replace_with_versions() -> None:
    papers = {
        p.arxiv_id: p
        for p in feed_of("rss2_multi_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_laya-reader.xml")
    }
    assert (papers["2205.06398"].announce_type, papers["2205.06398"].version) == ("cross", 2)
    assert (papers["2009.13987"].announce_type, papers["2009.13987"].version) == ("replace", 3)


def test_atom_flavour_reads_like_rss() -> None:
    papers = feed_of("rss_atom_cs.AI_2025-08-20_zotero-arxiv-daily.xml")
    assert len(papers) == 7
    assert papers[0].arxiv_id == "2508.13426"
    assert papers[0].announce_type == "cross"
    assert not papers[0].abstract.startswith("arXiv:")
    assert papers[0].authors[0] == "Chunhua Liu"


def test_api_entry_has_primary_category_first_and_no_line_breaks() -> None:
    papers = feed_of("api_atom_export_classic_2018_einstein.xml")
    assert papers[0].arxiv_id == "1801.05533"
    assert papers[1].version == 3
    assert "\n" not in papers[0].abstract
    assert "  " not in papers[0].abstract
    assert papers[0].categories == ("math.DG",)  # the MSC code "53D10, 53D15" is dropped


def test_feed_dates_are_new_york_days() -> None:
    rss = parse_feed(feedparser.parse((DATA / "rss2_cs.AI_2026-04-27_distill.xml").read_bytes()))
    atom = parse_feed(
        feedparser.parse((DATA / "rss_atom_cs.AI_2025-08-20_zotero-arxiv-daily.xml").read_bytes())
    )
    assert str(rss.date) == "2026-04-27"
    assert str(atom.date) == "2025-08-20"


def test_empty_weekend_feeds_have_a_date_and_no_papers() -> None:
    for name in (
        "rss2_cs_empty_weekend_2026-03-29_albatros.xml",
        "rss_atom_cs_empty_weekend_2025-11-23_researcharr.xml",
    ):
        feed = parse_feed(feedparser.parse((DATA / name).read_bytes()))
        assert feed.papers == ()
        assert feed.date is not None
        assert feed.date.weekday() == 6


def test_old_rss_title_carries_id_and_status() -> None:
    raw = {
        "title": "Holmes-VAU: Long-term Video Anomaly Understanding. "
        "(arXiv:2412.06171v2 [cs.CV] UPDATED)",
        "summary": "<p>We study video anomaly\nunderstanding with   MLLMs.</p>",
        "link": "http://arxiv.org/abs/2412.06171",
        "author": '<a href="http://arxiv.org/a/zhang_h_1">Huaxin Zhang</a>, '
        '<a href="x">Xiaohao Xu</a>',
    }
    paper = parse_entry(raw)
    assert paper is not None
    assert paper.title == "Holmes-VAU: Long-term Video Anomaly Understanding"
    assert (paper.arxiv_id, paper.version, paper.announce_type) == ("2412.06171", 2, "replace")
    assert paper.categories == ("cs.CV",)
    assert paper.abstract == "We study video anomaly understanding with MLLMs."
    assert paper.authors == ("Huaxin Zhang", "Xiaohao Xu")


def test_old_rss_feed_reads_through_feedparser() -> None:
    # written after arXiv's pre-2024 RSS 1.0 layout: no real sample of it survives
    feed = parse_feed(
        feedparser.parse((DATA / "rss1_old_format_written_for_tests.xml").read_bytes())
    )
    (paper,) = feed.papers
    assert (paper.arxiv_id, paper.version, paper.announce_type) == ("2311.10001", 2, "cross")
    assert paper.title == "Open-Vocabulary Video Anomaly Detection"
    assert paper.abstract == "We detect anomalies with CLIP."
    assert paper.authors == ("Peng Wu", "Xuerong Zhou")
    assert paper.categories == ("cs.CV",)
    assert str(feed.date) == "2023-11-20"


def test_entry_without_an_arxiv_id_is_skipped() -> None:
    assert (
        parse_entry({"title": "Hello", "summary": "no id", "link": "https://example.org"}) is None
    )


def test_latex_whitespace_and_entities_are_cleaned() -> None:
    assert clean_text("Theorems~1, 2 and\n  3 &amp; $p$") == "Theorems 1, 2 and 3 & $p$"


def test_latex_accents_in_names_become_letters() -> None:
    papers = feed_of("rss_atom_cs.AI_2025-08-20_zotero-arxiv-daily.xml")
    assert papers[2].authors == ("Paulo André Lima de Castro",)
    assert clean_text(r"Fran\c{c}ois G\"{o}khan \v{S}imon") == "François Gökhan Šimon"


@pytest.mark.parametrize(
    ("abstract", "url"),
    [
        ("Code is at https://github.com/lab/vad-r1.", "https://github.com/lab/vad-r1"),
        (
            "See https://lab.github.io/hawk/ (project) and https://github.com/x/y",
            "https://github.com/x/y",
        ),
        ("Code: github.com/org/repo, data soon", "https://github.com/org/repo"),
        ("Code: https://codeberg.org/lab/vera).", "https://codeberg.org/lab/vera"),
        ("Project page: https://example.org/vera).", None),
        ("Page https://lab.github.io/vera/ only", "https://lab.github.io/vera/"),
        ("Click <https://evil.example|here> now", None),
        ("See https://evil.example/r?//github.com/x/y", None),
        ("See https://github.com@evil.example/x", None),
        ("See https://github.com.evil.example/x/y", None),
        ("Published at https://doi.org/10.1/x only", None),
        ("No link here.", None),
    ],
)
def test_code_url_is_found_in_the_abstract(abstract: str, url: str | None) -> None:
    assert find_code_url(abstract) == url


def paper(title: str, abstract: str = "") -> Paper:
    return Paper("2611.00001", title, abstract)


@pytest.mark.parametrize(
    "title",
    [
        "Holmes-VAD: Explainable Video Anomaly Detection via Multi-modal LLM",
        "VadCLIP: Adapting Vision-Language Models for Weakly Supervised VAD",
        "Language-guided Open-world Video Anomaly Detection with VLMs",
        "Unusual Activity Recognition in Surveillance Videos with Large Language Models",
        "Video anomalies explained by multimodal large language models",
    ],
)
def test_relevant_titles_pass(title: str) -> None:
    assert match_paper(paper(title), build_rules()) is not None


@pytest.mark.parametrize(
    "title",
    [
        "Masked Autoencoders for Video Anomaly Detection",  # no language model
        "Token Pruning for Video Large Language Models",  # no anomaly
        "Zero-shot Industrial Anomaly Detection with CLIP on MVTec video inspection",
        "LLM-based Log Anomaly Detection for video streaming servers",
    ],
)
def test_look_alikes_fail(title: str) -> None:
    assert match_paper(paper(title), build_rules()) is None


def test_abbreviations_are_case_sensitive_and_bounded() -> None:
    rules = build_rules({"g": ("VAD",)}, exclude=("nothing-here",))
    assert match_paper(paper("Our VADs work"), rules) is not None
    assert match_paper(paper("Holmes-VAD"), rules) is not None
    assert match_paper(paper("vad is a word in Dutch"), rules) is None
    assert match_paper(paper("EVADE the check"), rules) is None


def test_plurals_prefixes_and_hyphens() -> None:
    rules = build_rules({"a": ("anomaly",), "b": ("vision language",)}, exclude=("zzz",))
    assert match_paper(paper("Anomalies seen by vision-language models"), rules) is not None
    assert match_paper(paper("anomaly", "visionlanguage"), rules) is not None
    assert match_paper(paper("anomalyx and vision language"), rules) is None


def test_match_names_the_terms_and_ranks_title_over_abstract() -> None:
    rules = build_rules()
    strong = match_paper(paper("Video Anomaly Detection with Multimodal LLMs"), rules)
    weak = match_paper(paper("A study", "we use an LLM on video to find anomalies"), rules)
    assert strong is not None
    assert weak is not None
    assert strong.terms == ("video anomaly", "multimodal LLMs")
    assert 0 < weak.score < strong.score <= 1


def test_min_score_drops_weak_matches() -> None:
    weak = paper("A study", "we use an LLM on video to find anomalies")
    assert match_paper(weak, build_rules(min_score=0.9)) is None


def test_catalog_similarity_ranks_but_never_gates() -> None:
    listed = ["Holmes-VAU: Towards Long-term Video Anomaly Understanding at Any Granularity"]
    plain, ranked = build_rules(), build_rules(reference_titles=listed)
    near = paper("Towards Long-term Video Anomaly Understanding with LLMs")
    far = paper("Crowd video anomaly scoring with LLMs")
    assert match_paper(near, ranked).score > match_paper(far, ranked).score  # type: ignore[union-attr]
    assert match_paper(far, plain) is not None
    assert match_paper(far, ranked) is not None


def test_api_error_entry_is_not_a_paper() -> None:
    raw = {
        "id": "http://arxiv.org/api/errors#incorrect_id_format_for_2611.9999x",
        "title": "Error",
        "summary": "incorrect id format for 2611.9999x",
    }
    assert parse_entry(raw) is None
