"""Matching quality of the lanes on labelled arXiv papers: candidates, the maybe lane, the ranker.

    python bench/arxiv_quality.py [FILE.jsonl …] [--misses]   (default: tests/data/arxiv_*.jsonl)

Every file in `tests/data/arxiv_*.jsonl` except `arxiv_frozen2.jsonl` is TUNING data: the rules were
changed after looking at each of them, so their figures overstate what the matcher does on new
papers. Per file this prints candidate precision and recall, the recall of candidate + maybe, the
maybe lane's share of the near misses (and of `stratum == "daily"` papers where a file has them),
and the kinds and titles it got wrong.

Cross-validation by file estimates out-of-sample behaviour of the learned ranker: for each tuning
file, a ranker is trained on the catalog's titles and the OTHER files' labelled papers (relevant
= positive, near miss = negative), then the file is classified with it.

When `tests/data/arxiv_frozen2.jsonl` exists (papers labelled before any scoring, never tuned on),
it is reported separately, with the rules alone and with a ranker trained on all tuning files; its
mistakes are shown only with `--misses`, because whoever reads them can no longer call it unseen.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.arxiv.ranker import Ranker, train_ranker
from bot.core.arxiv.rules import Rules, build_rules, classify, paper_text
from bot.core.models import Paper

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
UNSEEN = (DATA / "arxiv_frozen2.jsonl", DATA / "arxiv_frozen3.jsonl")
"""Frozen sets nobody has tuned on: measured, their mistakes hidden unless --misses."""


@dataclass(frozen=True, slots=True)
class Row:
    paper: Paper
    relevant: bool
    kind: str
    stratum: str


@dataclass(frozen=True, slots=True)
class Figures:
    papers: int
    relevant: int
    candidates: int
    hits: int
    maybe_hits: int
    near_misses: int
    maybe_near_misses: int
    daily: int
    maybe_daily: int

    @property
    def precision(self) -> float:
        return self.hits / self.candidates if self.candidates else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.relevant if self.relevant else 1.0

    @property
    def both_recall(self) -> float:
        return (self.hits + self.maybe_hits) / self.relevant if self.relevant else 1.0

    def line(self) -> str:
        daily = (
            f"  maybe share of daily {self.maybe_daily}/{self.daily}"
            f" = {self.maybe_daily / self.daily:.3f}"
            if self.daily
            else "  (no daily papers)"
        )
        return (
            f"candidates {self.candidates} ({self.hits} of {self.relevant} relevant)  "
            f"candidate P {self.precision:.3f} R {self.recall:.3f}  candidate+maybe R "
            f"{self.both_recall:.3f}  maybe share of near misses {self.maybe_near_misses}/"
            f"{self.near_misses}{daily}"
        )


def load(path: Path) -> list[Row]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        Row(
            Paper(r["arxiv_id"], r["title"], r["abstract"], categories=tuple(r["categories"])),
            bool(r["relevant"]),
            str(r.get("kind", "")),
            str(r.get("stratum", "")),
        )
        for r in rows
    ]


def measure(
    rows: Sequence[Row], rules: Rules, ranker: Ranker | None, wrong: list[str] | None = None
) -> Figures:
    counts: Counter[str] = Counter()
    for row in rows:
        verdict = classify(row.paper, rules, ranker)
        lane = verdict.lane
        counts["relevant"] += row.relevant
        counts["candidates"] += lane == "candidate"
        counts["hits"] += row.relevant and lane == "candidate"
        counts["maybe_hits"] += row.relevant and lane == "maybe"
        counts["near"] += not row.relevant
        counts["maybe_near"] += not row.relevant and lane == "maybe"
        counts["daily"] += row.stratum == "daily"
        counts["maybe_daily"] += row.stratum == "daily" and lane == "maybe"
        if wrong is not None and (lane == "candidate") != row.relevant:
            title = row.paper.title[:60]
            wrong.append(f"    {row.kind:<20} {row.paper.arxiv_id:<12} {lane:<9} {title}")
    return Figures(
        len(rows),
        counts["relevant"],
        counts["candidates"],
        counts["hits"],
        counts["maybe_hits"],
        counts["near"],
        counts["maybe_near"],
        counts["daily"],
        counts["maybe_daily"],
    )


def catalog_titles() -> list[str]:
    """The bundled catalog's titles (its summaries are in Chinese, so titles only)."""
    from bot.infra.yaml_files import load_catalog

    return [e.title for e in load_catalog(ROOT / "catalog").papers()]


def train_on(rows: Sequence[Row], titles: Sequence[str]) -> Ranker:
    positives = [*titles, *(paper_text(r.paper) for r in rows if r.relevant)]
    negatives = [paper_text(r.paper) for r in rows if not r.relevant]
    return train_ranker(positives, negatives)


def total(figures: Sequence[Figures]) -> Figures:
    return Figures(*(sum(getattr(f, name) for f in figures) for name in Figures.__slots__))


def main() -> None:
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    named = [Path(a) for a in sys.argv[1:] if not a.startswith("--")]
    paths = named or sorted(DATA.glob("arxiv_*.jsonl"))
    tuning = {p: load(p) for p in paths if p not in UNSEEN}
    rules = build_rules()
    titles = catalog_titles()
    print("TUNING data (the rules were changed after looking at every one of these files):")
    alone, crossed = [], []
    for path, rows in tuning.items():
        wrong: list[str] = []
        figures = measure(rows, rules, None, wrong)
        alone.append(figures)
        others = [r for p, rs in tuning.items() if p != path for r in rs]
        crossed.append(measure(rows, rules, train_on(others, titles)))
        print(f"  {path.name}: {len(rows)} papers, {figures.relevant} relevant")
        print(f"    rules alone      {figures.line()}")
        print(f"    ranker, CV/file  {crossed[-1].line()}")
        print("\n".join(wrong) or "    no candidate mistakes")
    print(f"  all tuning files, rules alone      {total(alone).line()}")
    print(f"  all tuning files, ranker CV/file   {total(crossed).line()}")
    everything = [r for rs in tuning.values() for r in rs]
    for frozen_path in UNSEEN:
        if not frozen_path.exists() or (named and frozen_path not in paths):
            continue
        frozen = load(frozen_path)
        print(f"FROZEN unseen set {frozen_path.name}: {len(frozen)} papers (never tuned on)")
        wrong: list[str] = []
        print(f"    rules alone      {measure(frozen, rules, None, wrong).line()}")
        print(f"    ranker (tuning)  {measure(frozen, rules, train_on(everything, titles)).line()}")
        if "--misses" in flags:
            print("\n".join(wrong) or "    no candidate mistakes")
        else:
            print(f"    ({len(wrong)} mistakes not shown: reading them makes the set tuning data;")
            print("     --misses shows them)")
    start = time.perf_counter()
    ranker = train_on(everything, titles)
    trained = time.perf_counter() - start
    start = time.perf_counter()
    for row in everything:
        classify(row.paper, rules, ranker)
    took = (time.perf_counter() - start) / len(everything)
    print(
        f"training the ranker on {len(everything) + len(titles)} texts: {trained:.2f} s; "
        f"{len(ranker.to_bytes()) / 1024:.0f} KiB as bytes; "
        f"classify: {took * 1000:.2f} ms per (on-topic) paper"
    )


if __name__ == "__main__":
    main()
