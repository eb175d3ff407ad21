"""Approval's look-up of a candidate in the catalog."""

from __future__ import annotations

from bot.core.candidates.lifecycle import find_in_catalog
from bot.core.models import Catalog, Entry
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
