"""How well `parse_venue` reads accepted venues from real arXiv comment / journal_ref strings.

    python bench/venues.py              # the tuning split only
    python bench/venues.py --heldout    # and the held-out split (measure it once, at the end)
    python bench/venues.py --wrong      # list the records it gets wrong (tuning split only)

Per split: venue+year right, venue right, invented (a venue where the label is null), missed (no
venue where the label has one), workshop flag right. Then the time for 10,000 strings and for
hostile 100 KB inputs. Data: tests/data/venue_strings.jsonl (see VENUES_DATASET.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.venues import parse_venue

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "venue_strings.jsonl"


def load() -> list[dict[str, Any]]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def figures(rows: list[dict[str, Any]]) -> dict[str, float]:
    named = [r for r in rows if r["venue"] is not None]
    unnamed = [r for r in rows if r["venue"] is None]
    got = {r["arxiv_id"]: parse_venue(r["comment"], r["journal_ref"]) for r in rows}
    both = sum(
        (got[r["arxiv_id"]].venue, got[r["arxiv_id"]].year) == (r["venue"], r["year"]) for r in rows
    )
    venue = sum(got[r["arxiv_id"]].venue == r["venue"] for r in rows)
    invented = sum(got[r["arxiv_id"]].venue is not None for r in unnamed)
    missed = sum(got[r["arxiv_id"]].venue is None for r in named)
    workshop = sum(got[r["arxiv_id"]].workshop == r["workshop"] for r in rows)
    track = sum(got[r["arxiv_id"]].track == r["track"] for r in rows)
    n = max(len(rows), 1)
    return {
        "records": len(rows),
        "venue+year right": both / n,
        "venue right": venue / n,
        "invented (of null labels)": invented / max(len(unnamed), 1),
        "missed (of venue labels)": missed / max(len(named), 1),
        "workshop flag right": workshop / n,
        "track right": track / n,
    }


def wrong(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        got = parse_venue(r["comment"], r["journal_ref"])
        want = (r["venue"], r["year"], r["workshop"], r["track"])
        if (got.venue, got.year, got.workshop, got.track) != want:
            text = (r["journal_ref"] or "") + " | " + (r["comment"] or "")
            print(f"  {r['arxiv_id']:<11} want {want} got {got}\n      {text[:150]!r}")


def timing(rows: list[dict[str, Any]]) -> None:
    texts = [(r["comment"], r["journal_ref"]) for r in rows]
    many = (texts * (10_000 // len(texts) + 1))[:10_000]
    start = time.perf_counter()
    for comment, ref in many:
        parse_venue(comment, ref)
    print(f"10,000 strings: {time.perf_counter() - start:.2f} s")
    hostile = {
        "100 KB of 'CVPR '": "CVPR " * 20_000,
        "100 KB of 'a'": "a" * 100_000,
        "100 KB of spaces and commas": " ," * 50_000,
        "100 KB of 'International Conference on '": "International Conference on " * 3_800,
        "100 KB of 'under review 2025 '": "under review 2025 " * 5_600,
    }
    for name, text in hostile.items():
        start = time.perf_counter()
        parse_venue(text, text)
        print(f"  {name:<42} {1000 * (time.perf_counter() - start):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--heldout", action="store_true", help="also measure the held-out split")
    parser.add_argument("--wrong", action="store_true", help="list tuning records it gets wrong")
    args = parser.parse_args()
    rows = load()
    splits = ["tuning", "heldout"] if args.heldout else ["tuning"]
    for split in splits:
        print(f"{split}:")
        for name, value in figures([r for r in rows if r["split"] == split]).items():
            print(
                f"  {name:<28} {value:.3f}" if isinstance(value, float) else f"  {name:<28} {value}"
            )
    if args.wrong:
        print("wrong (tuning):")
        wrong([r for r in rows if r["split"] == "tuning"])
    timing(rows)


if __name__ == "__main__":
    main()
