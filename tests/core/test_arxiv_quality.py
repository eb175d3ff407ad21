"""Matching quality on labelled arXiv papers: realistic floors for the candidate and maybe lanes,
and a score that ranks relevant papers above look-alikes.

Every file in `tests/data/arxiv_*.jsonl` except `arxiv_frozen2.jsonl` is TUNING data: the rules
were changed after looking at each (see `tests/data/ARXIV_DATASET.md`), so figures on them
overstate what the matcher does on new papers, and the floors here are what a general change
must keep, not a per-file 0.97. `arxiv_frozen.jsonl` was the first frozen set; its misses were
read on 2026-12-04 and the rules changed, so it is tuning data with floors of its own.
`arxiv_probes.jsonl` holds look-alikes and paraphrased positives WRITTEN for tests. The frozen set
(`arxiv_frozen2.jsonl`, papers labelled before any scoring and never tuned on) has its own floors;
its test is skipped only while the file is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.arxiv.rules import classify, score_paper
from bot.core.arxiv.watch import build_rules, match_paper
from bot.core.models import Paper

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = [
    "arxiv_labelled.jsonl",
    "arxiv_heldout.jsonl",
    "arxiv_unseen.jsonl",
    "arxiv_fresh.jsonl",
    "arxiv_final.jsonl",
]
FILES = [*REAL, "arxiv_probes.jsonl"]
FIRST_FROZEN = "arxiv_frozen.jsonl"
FROZEN = "arxiv_frozen2.jsonl"
MIN_RECALL = 0.75
"""Per tuning file, candidates (arxiv_final: 0.80, its misses are doubtful labels)."""
MIN_PRECISION = 0.9
MIN_BOTH_RECALL = 0.95
"""Per tuning file, candidate + maybe: the maybe lane keeps what the bar misses."""
FIRST_FROZEN_FLOORS = {
    "precision": 0.8,
    "recall": 0.75,
    "both_recall": 0.95,
    "maybe_daily": 1 / 40,
    "false_candidates": 0.03,
}
"""The first frozen set, tuning data since its misses changed the rules (measured after: P 0.839,
R 0.788, candidate+maybe R 0.970, maybe 1/153 of a daily listing; before: P 0.706, R 0.727)."""
FROZEN_FLOORS = {"both_recall": 0.95, "maybe_daily": 1 / 40, "false_candidates": 0.02}
"""Floors on the frozen unseen set (never tuned on), a little looser than its one measurement
(candidate+maybe R 2/2, maybe 0/260 of a daily listing, 2 false candidates among 326 papers that
are not relevant). It holds only two relevant papers (the reachable sources are exhausted), so
candidate precision and recall on it say nothing and are not asserted; see ARXIV_DATASET.md."""
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
def test_candidate_lane_finds_most_relevant_papers_and_few_others(name: str) -> None:
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


def lane_figures(rows: list[dict[str, object]]) -> dict[str, float]:
    rules = build_rules()
    lanes = [
        classify(Paper(str(r["arxiv_id"]), str(r["title"]), str(r["abstract"])), rules).lane
        for r in rows
    ]
    relevant = [lane for lane, r in zip(lanes, rows, strict=True) if r["relevant"]]
    candidates = [r for lane, r in zip(lanes, rows, strict=True) if lane == "candidate"]
    daily = [lane for lane, r in zip(lanes, rows, strict=True) if r.get("stratum") == "daily"]
    return {
        "precision": sum(bool(r["relevant"]) for r in candidates) / max(len(candidates), 1),
        "recall": relevant.count("candidate") / max(len(relevant), 1),
        "both_recall": sum(lane != "none" for lane in relevant) / max(len(relevant), 1),
        "maybe_daily": daily.count("maybe") / max(len(daily), 1),
        "false_candidates": sum(not r["relevant"] for r in candidates)
        / max(sum(not r["relevant"] for r in rows), 1),
    }


def read_rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.mark.parametrize("name", FILES)
def test_candidate_and_maybe_lanes_keep_nearly_every_relevant_paper(name: str) -> None:
    figures = lane_figures(read_rows(DATA / name))
    assert figures["both_recall"] >= MIN_BOTH_RECALL, figures


@pytest.mark.parametrize(
    ("name", "floors"), [(FIRST_FROZEN, FIRST_FROZEN_FLOORS), (FROZEN, FROZEN_FLOORS)]
)
def test_frozen_sets_meet_their_floors(name: str, floors: dict[str, float]) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} is not in this checkout yet")
    figures = lane_figures(read_rows(path))
    for name, floor in floors.items():
        if name in ("maybe_daily", "false_candidates"):
            assert figures[name] <= floor, figures
        else:
            assert figures[name] >= floor, figures


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
