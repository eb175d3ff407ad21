"""Load+check and render times for a generated 10,000-entry catalog (goal: each under 1 s).

python bench/catalog.py [--entries N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bot.core.catalog.render import render_markdown
from bot.core.models import Entry
from bot.infra.yaml_files import (
    LIST_FILE,
    dump_entry,
    dump_list,
    entry_path,
    parse_catalog,
    read_catalog_files,
)

VENUES = ("CVPR", "ICCV", "ECCV", "NeurIPS", "AAAI", "ACM MM", "arXiv")


def build_entry(i: int) -> Entry:
    """A realistic paper: badges' worth of links, a Chinese summary, an arXiv id."""
    year = 2015 + i % 11
    return Entry(
        id=f"paper-{i:05d}",
        kind="paper" if i % 10 else "dataset",
        title=f"Paper {i}: Video Anomaly Detection with Large Language Models, variant {i * 7919}",
        venue=VENUES[i % len(VENUES)],
        year=year,
        links={
            "paper": f"https://openaccess.example.org/{year}/paper-{i}.pdf",
            "arxiv": f"https://arxiv.org/abs/{year % 100:02d}{i % 12 + 1:02d}.{i:05d}",
            "code": f"https://github.com/lab{i % 97}/paper-{i}",
        },
        summary="将异常判决转化为口头推理任务，借由视觉-语言对齐让模型给出可读的解释与多模态证据。",
        arxiv_id=f"{year % 100:02d}{i % 12 + 1:02d}.{i:05d}",
        tags=("vlm", "weakly-supervised"),
        order=i + 1,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs (best and median shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / LIST_FILE).write_text(dump_list("Bench", "Generated.", ()), encoding="utf-8")
        for i in range(args.entries):
            entry = build_entry(i)
            path = root / entry_path(entry)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_entry(entry), encoding="utf-8")
        loads, renders = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            catalog, problems = parse_catalog(read_catalog_files(root))
            loaded = time.perf_counter()
            markdown = render_markdown(catalog)
            renders.append(time.perf_counter() - loaded)
            loads.append(loaded - start)
    assert not problems, problems[:3]
    print(f"entries:     {len(catalog.entries)} ({len(markdown) / 1e6:.1f} MB of Markdown)")
    print(f"load+check:  best {min(loads):.3f} s, median {statistics.median(loads):.3f} s")
    print(f"render:      best {min(renders):.3f} s, median {statistics.median(renders):.3f} s")


if __name__ == "__main__":
    main()
