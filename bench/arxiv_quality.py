"""Matching quality of the built-in rules on labelled arXiv papers: recall, precision, ranking.

    python bench/arxiv_quality.py [FILE.jsonl …]   (default: tests/data/arxiv_*.jsonl)

Each line: {"arxiv_id", "title", "abstract", "categories", "relevant", "kind"}. Prints recall and
precision per file (the real labelled, held-out and once-unseen sets, and the written probes),
how each kind
of look-alike fared, the titles the rules got wrong, and how well the score ranks: the mean score
of relevant papers and of look-alikes, and the share of (relevant, look-alike) pairs in the right
order. The last lines rank the papers behind a gate of generic single words, and time matching.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

from bot.core.arxiv.feed import build_rules, match_paper
from bot.core.arxiv.rules import Rules, score_paper
from bot.core.models import Paper

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
BROAD_GROUPS = {
    "anomaly": ("anomal*", "abnormal*", "accident*", "crash*", "violen*", "incident*"),
    "video": ("video*", "camera*", "surveillance", "CCTV", "footage"),
    "language model": ("LLM", "VLM", "MLLM", "CLIP", "language model*", "vision-language", "GPT*"),
}
"""The kind of gate the reviewer found overfitted: single generic words, no context."""

Row = tuple[Paper, bool, str]


def load(path: Path) -> list[Row]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        (Paper(r["arxiv_id"], r["title"], r["abstract"]), r["relevant"], r["kind"]) for r in rows
    ]


def report(path: Path, rules: Rules) -> None:
    rows = load(path)
    passed_by_kind: Counter[str] = Counter()
    total_by_kind: Counter[str] = Counter()
    wrong: list[str] = []
    hits = passed = 0
    for paper, relevant, kind in rows:
        match = match_paper(paper, rules)
        total_by_kind[kind] += 1
        passed_by_kind[kind] += match is not None
        passed += match is not None
        hits += bool(match) and relevant
        if (match is not None) != relevant:
            why = f"{match.score:.2f} {' · '.join(match.terms)}" if match else "missed"
            wrong.append(f"  {kind:<20} {paper.arxiv_id:<12} {why:<40} {paper.title[:70]}")
    relevant_total = sum(1 for _, r, _ in rows if r)
    print(f"{path.name}: {len(rows)} papers, {relevant_total} relevant")
    print(f"  recall {hits / max(relevant_total, 1):.3f}  precision {hits / max(passed, 1):.3f}")
    for kind, total in sorted(total_by_kind.items()):
        print(f"  {kind:<20} passed {passed_by_kind[kind]:>3} of {total}")
    print("\n".join(wrong) or "  no mistakes")
    print(ranking([(score_paper(p, rules), r) for p, r, _ in rows]))


def ranking(scores: list[tuple[float, bool]]) -> str:
    relevant = [s for s, r in scores if r]
    others = [s for s, r in scores if not r]
    if not relevant or not others:
        return f"  score: {len(relevant)} relevant, {len(others)} look-alikes: nothing to compare"
    ordered = sum(a > b for a in relevant for b in others) / (len(relevant) * len(others))
    return (
        f"  score: relevant {_mean(relevant):.3f} (n={len(relevant)}), look-alikes "
        f"{_mean(others):.3f} (n={len(others)}); pairs in the right order {ordered:.3f}"
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def main() -> None:
    paths = [Path(a) for a in sys.argv[1:]] or sorted(DATA.glob("arxiv_*.jsonl"))
    rules = build_rules()
    for path in paths:
        report(path, rules)
    rows = [row for path in paths for row in load(path)]
    broad = build_rules(BROAD_GROUPS, exclude=("nothing at all",), together=())
    found = [(m.score, r) for p, r, _ in rows if (m := match_paper(p, broad))]
    print("behind a gate of generic single words (all files), the papers it lets through:")
    print(ranking(found))
    start = time.perf_counter()
    for paper, _, _ in rows * 5:
        match_paper(paper, rules)
    took = (time.perf_counter() - start) / (len(rows) * 5)
    print(f"matching time: {took * 1000:.2f} ms per paper on these (all on-topic) papers")


if __name__ == "__main__":
    main()
