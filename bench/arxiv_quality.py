"""Matching quality of the built-in rules on labelled arXiv papers: recall, precision, misses.

    python bench/arxiv_quality.py [FILE.jsonl …]   (default: tests/data/arxiv_*.jsonl)

Each line: {"arxiv_id", "title", "abstract", "categories", "relevant", "kind"}. Prints recall and
precision per file, how each kind of look-alike fared, and the titles the rules got wrong.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from bot.core.arxiv import build_rules, match_paper
from bot.core.models import Paper

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def report(path: Path) -> None:
    rules = build_rules()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    passed_by_kind: Counter[str] = Counter()
    total_by_kind: Counter[str] = Counter()
    wrong: list[str] = []
    hits = passed = 0
    for row in rows:
        paper = Paper(row["arxiv_id"], row["title"], row["abstract"])
        match = match_paper(paper, rules)
        kind = row.get("kind", "?")
        total_by_kind[kind] += 1
        passed_by_kind[kind] += match is not None
        passed += match is not None
        hits += bool(match) and row["relevant"]
        if (match is not None) != row["relevant"]:
            why = f"{match.score:.2f} {' · '.join(match.terms)}" if match else "missed"
            wrong.append(f"  {kind:<20} {row['arxiv_id']:<12} {why:<40} {row['title'][:70]}")
    relevant = sum(1 for r in rows if r["relevant"])
    print(f"{path.name}: {len(rows)} papers, {relevant} relevant")
    print(f"  recall {hits / max(relevant, 1):.3f}  precision {hits / max(passed, 1):.3f}")
    for kind, total in sorted(total_by_kind.items()):
        print(f"  {kind:<20} passed {passed_by_kind[kind]:>3} of {total}")
    print("\n".join(wrong) or "  no mistakes")


def main() -> None:
    paths = [Path(a) for a in sys.argv[1:]] or sorted(DATA.glob("arxiv_*.jsonl"))
    for path in paths:
        report(path)


if __name__ == "__main__":
    main()
