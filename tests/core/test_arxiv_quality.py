"""Matching quality on labelled arXiv papers: recall ≥ 0.97 and precision ≥ 0.95, and a score
that ranks relevant papers above look-alikes.

`arxiv_labelled.jsonl` is what the rules were tuned on; `arxiv_heldout.jsonl` was never looked at
while tuning; `arxiv_unseen.jsonl` was out-of-sample when first scored (recall 0.87), and the rules
were then made less strict because of its misses, so it is a tuning set too from then on;
`arxiv_fresh.jsonl` was measured once before tuning (recall 0.80, precision 0.92) and the rules
then changed because of its four errors, so it is tuning data from then on as well;
`arxiv_probes.jsonl` holds look-alikes and paraphrased positives WRITTEN for tests (not real
papers), each batch written before the rules it probes. The same built-in rules must hold on all
five: the probes are checked, never special-cased.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.arxiv.feed import build_rules, match_paper
from bot.core.arxiv.rules import score_paper
from bot.core.models import Paper

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = ["arxiv_labelled.jsonl", "arxiv_heldout.jsonl", "arxiv_unseen.jsonl", "arxiv_fresh.jsonl"]
FILES = [*REAL, "arxiv_probes.jsonl"]
MIN_RECALL = 0.97
MIN_PRECISION = 0.95
MARGIN = 0.1
"""How much higher relevant papers must score on average than look-alikes."""

BROAD_GROUPS = {
    "anomaly": ("anomal*", "abnormal*", "accident*", "crash*", "violen*", "incident*"),
    "video": ("video*", "camera*", "surveillance", "CCTV", "footage"),
    "language model": ("LLM", "VLM", "MLLM", "CLIP", "language model*", "vision-language", "GPT*"),
}
"""Single generic words, as the rules used to be: a gate that lets many look-alikes through."""


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


def all_labelled() -> list[tuple[Paper, bool, str]]:
    return [row for name in FILES for row in load_labelled(DATA / name)]


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


@pytest.mark.parametrize("name", FILES)
def test_built_in_rules_find_nearly_every_relevant_paper_and_few_others(name: str) -> None:
    rules = build_rules()
    rows = load_labelled(DATA / name)
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


def test_probe_set_is_written_hard_and_balanced() -> None:
    rows = [json.loads(line) for line in (DATA / "arxiv_probes.jsonl").read_text().splitlines()]
    assert all(r["source"].startswith("written for tests: ") for r in rows)
    assert sum(not r["relevant"] for r in rows) >= 30
    assert sum(r["relevant"] for r in rows) >= 10
    real = {p.arxiv_id for name in REAL for p, _, _ in load_labelled(DATA / name)}
    assert not real & {r["arxiv_id"] for r in rows}


def test_relevant_papers_score_higher_than_look_alikes() -> None:
    rules = build_rules()
    scores = [(score_paper(p, rules), relevant) for p, relevant, _ in all_labelled()]
    relevant = [s for s, r in scores if r]
    others = [s for s, r in scores if not r]
    assert mean(relevant) >= mean(others) + MARGIN
    ordered = sum(a > b for a in relevant for b in others) / (len(relevant) * len(others))
    assert ordered >= 0.9, f"only {ordered:.2f} of relevant/look-alike pairs ranked right"


def test_score_ranks_even_behind_a_gate_of_generic_words() -> None:
    rules = build_rules(BROAD_GROUPS, exclude=("nothing at all",), together=())
    passed = [(m.score, r) for p, r, _ in all_labelled() if (m := match_paper(p, rules))]
    relevant = [s for s, r in passed if r]
    look_alikes = [s for s, r in passed if not r]
    assert len(look_alikes) >= 10, "the broad gate should let look-alikes through"
    assert mean(relevant) >= mean(look_alikes) + MARGIN
