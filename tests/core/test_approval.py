"""Approval's look-up of a candidate in the catalog."""

from __future__ import annotations

import dataclasses

from bot.core.candidates.lifecycle import build_draft, find_in_catalog
from bot.core.models import Candidate, Catalog, Entry
from tests.support_votes import make_candidate

RULES_TITLE = "Follow the Rules: Reasoning for Video Anomaly Detection with Large Language Models"


def test_a_candidate_is_found_under_the_list_title_with_its_short_name() -> None:
    entry = Entry("anomalyruler", "paper", f"{RULES_TITLE} (AnomalyRuler)")
    catalog = Catalog("list", "", (entry,))
    assert (
        find_in_catalog(catalog, make_candidate(arxiv_id="2407.10299", title=RULES_TITLE)) == entry
    )


def test_a_different_paper_is_not_found() -> None:
    catalog = Catalog(
        "list", "", (Entry("anomalyruler", "paper", f"{RULES_TITLE} (AnomalyRuler)"),)
    )
    assert find_in_catalog(catalog, make_candidate(title="Follow the Rules")) is None


def with_metadata(
    comment: str | None, journal_ref: str | None = None, code: str | None = None
) -> Candidate:
    candidate = make_candidate(code_url=code)
    paper = dataclasses.replace(candidate.paper, comment=comment, journal_ref=journal_ref)
    return dataclasses.replace(candidate, paper=paper)


def test_the_prefilled_entry_reads_venue_and_year_from_the_comment() -> None:
    draft = build_draft(with_metadata("Accepted at an ICCV 2025 workshop. 12 pages"))
    assert (draft.venue, draft.year) == ("ICCV Workshop", 2025)
    assert draft.venue_source == "arXiv comment 'Accepted at an ICCV 2025 workshop. 12 pages'"


def test_no_venue_or_an_impossible_one_stays_arxiv_with_the_papers_year() -> None:
    for comment in ("Submitted to CVPR 2026", "Accepted to ICCV 2024", None):
        draft = build_draft(with_metadata(comment))
        assert (draft.venue, draft.year, draft.venue_source) == ("arXiv", 2025, "")


def test_only_a_code_host_is_the_code_link_and_the_lists_tags_are_offered() -> None:
    assert build_draft(with_metadata(None, code="https://vera.github.io/")).code == ""
    draft = build_draft(with_metadata(None, code="https://github.com/a/b"), "", ["mllm", "clip"])
    assert (draft.code, draft.tags) == ("https://github.com/a/b", ("mllm",))
