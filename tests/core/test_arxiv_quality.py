"""Matching quality on labelled real arXiv papers: recall ≥ 0.97 and precision ≥ 0.95.

`arxiv_labelled.jsonl` is what the rules were tuned on; `arxiv_heldout.jsonl` was never looked at
while tuning, and the same built-in rules must hold on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.arxiv import build_rules, match_paper
from bot.core.models import Paper

DATA = Path(__file__).resolve().parents[1] / "data"
MIN_RECALL = 0.97
MIN_PRECISION = 0.95


def load_labelled(path: Path) -> list[tuple[Paper, bool, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        (
            Paper(r["arxiv_id"], r["title"], r["abstract"], categories=tuple(r["categories"])),
            bool(r["relevant"]),
            r.get("kind", ""),
        )
        for r in rows
    ]


@pytest.mark.parametrize("name", ["arxiv_labelled.jsonl", "arxiv_heldout.jsonl"])
def test_built_in_rules_find_nearly_every_relevant_paper_and_few_others(name: str) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} not in tests/data yet")
    rules = build_rules()
    rows = load_labelled(path)
    found = [(match_paper(p, rules) is not None, relevant, p, kind) for p, relevant, kind in rows]
    hits = sum(1 for passed, relevant, _, _ in found if passed and relevant)
    relevant_total = sum(1 for _, relevant, _, _ in found if relevant)
    passed_total = sum(1 for passed, _, _, _ in found if passed)
    missed = [p.title for passed, relevant, p, _ in found if relevant and not passed]
    wrong = [f"{kind}: {p.title}" for passed, relevant, p, kind in found if passed and not relevant]
    recall = hits / relevant_total
    precision = hits / passed_total if passed_total else 0.0
    assert recall >= MIN_RECALL, f"recall {recall:.3f}; missed: {missed}"
    assert precision >= MIN_PRECISION, f"precision {precision:.3f}; let through: {wrong}"
