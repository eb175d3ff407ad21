"""How well `vadbot catalog import` reads the six real lists in `tests/data/awesome_lists/`.

python bench/import_quality.py [--verbose]

For each list: papers and datasets imported against the hand-made truth, the problems the
import reports, the problems `vadbot catalog check` would find in the written catalog, and the
five spot checks (title, venue, year, paper link, code link). Prints the table of SOURCES.md.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from bot.core.catalog.importer import parse_awesome_list
from bot.core.models import Entry, normalise_title
from bot.infra.yaml_files import build_catalog_files, parse_catalog

LISTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "awesome_lists"
NAMES = ("junxi-vad", "vidllm-survey", "fjchange-vad", "hoya012-ad", "cvpr2020-code", "m3lab-iad")


def spot_miss(entries: tuple[Entry, ...], spot: dict[str, Any]) -> str | None:
    """Why an entry does not match a spot check of the truth, or None when it does."""
    key = normalise_title(spot["title"])
    found = [e for e in entries if normalise_title(e.title) == key]
    if not found:
        return "no entry with this title"
    entry = found[0]
    links = spot["links"]
    papers = [entry.links.get(n) for n in ("paper", "arxiv", "pdf") if entry.links.get(n)]
    got = {
        "venue": entry.venue or None,
        "year": entry.year,
        "paper": links["paper"] if links["paper"] in papers else (papers[0] if papers else None),
        "code": entry.links.get("code"),
    }
    want = {"venue": spot["venue"], "year": spot["year"], **links}
    wrong = [f"{k} {got[k]!r} (want {want[k]!r})" for k in got if got[k] != want[k]]
    return "; ".join(wrong) or None


def measure(name: str) -> dict[str, Any]:
    """The figures of one list."""
    truth = json.loads((LISTS / f"{name}.truth.json").read_text("utf-8"))
    result = parse_awesome_list((LISTS / f"{name}.md").read_text("utf-8"))
    _, invalid = parse_catalog(build_catalog_files(result.catalog()))
    kinds = Counter(e.kind for e in result.entries)
    misses = {s["title"]: spot_miss(result.entries, s) for s in truth["spot"]}
    return {
        "name": name,
        "papers": kinds["paper"],
        "truth_papers": truth["papers"],
        "datasets": kinds["dataset"],
        "truth_datasets": truth["datasets"],
        "problems": len(result.problems),
        "check": len(invalid),
        "spots_right": sum(m is None for m in misses.values()),
        "misses": misses,
        "result": result,
        "invalid": invalid,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="say why each spot check failed")
    args = parser.parse_args()
    print(
        "| list | papers imported / truth | datasets imported / truth | import problems "
        "| `catalog check` problems | spot checks right |"
    )
    print("|---|---|---|---|---|---|")
    rows = [measure(name) for name in NAMES]
    for r in rows:
        print(
            f"| {r['name']} | {r['papers']} / {r['truth_papers']} | {r['datasets']} / "
            f"{r['truth_datasets']} | {r['problems']} | {r['check']} | {r['spots_right']} / 5 |"
        )
    if args.verbose:
        for r in rows:
            for title, miss in r["misses"].items():
                if miss:
                    print(f"{r['name']}: {title[:50]}: {miss}")


if __name__ == "__main__":
    main()
