"""Bench the arXiv watch's inner loop on a 2,000-item feed: parse, normalise, dedup, match.

The feed is built from the real items of the RSS fixtures in tests/data/ (ids and titles varied,
every twentieth item a cross-list repeat of an earlier one); every tenth item carries the title
and abstract of a real relevant paper of tests/data/arxiv_labelled.jsonl, so matching runs its
whole path, not only its quick rejections. Half of the papers are already in the seen store, as
on a day after a restart. Goal (issue 4): under 1 s and under 100 MB.

    python bench/arxiv.py [--items 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser

from bot.core.arxiv.watch import CatalogPapers, build_rules, parse_feed, sort_papers
from bot.infra.arxiv_http import parse_feed_bytes
from bot.infra.state import Database
from bot.infra.stores import CandidateStore

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SOURCES = sorted(DATA.glob("rss2_*.xml"))
ITEM = re.compile(r"<item>.*?</item>", re.DOTALL)
ID = re.compile(r"\d{4}\.\d{5}")
TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
ABSTRACT = re.compile(r"Abstract:.*?</description>", re.DOTALL)


def relevant_papers() -> list[dict[str, str]]:
    """Real relevant papers (title, abstract) from the labelled set."""
    lines = (DATA / "arxiv_labelled.jsonl").read_text(encoding="utf-8").splitlines()
    return [p for p in map(json.loads, lines) if p["relevant"]]


def with_paper(item: str, paper: dict[str, str]) -> str:
    """An item whose title and abstract are those of `paper`."""
    item = TITLE.sub(lambda _: f"<title>{escape(paper['title'])}</title>", item, count=1)
    abstract = f"Abstract: {escape(paper['abstract'])}</description>"
    return ABSTRACT.sub(lambda _: abstract, item, count=1)


def build_feed(count: int) -> bytes:
    """An RSS 2.0 feed of `count` items cloned from the real fixture items."""
    texts = [p.read_text(encoding="utf-8") for p in SOURCES]
    items = [m.group(0) for t in texts for m in ITEM.finditer(t)]
    head = texts[0][: texts[0].index("<item>")]
    relevant = relevant_papers()
    out = []
    for n in range(count):
        number = n - 1 if n % 20 == 19 else n  # a cross-list repeat of the previous paper
        item = ID.sub(f"2611.{number:05d}", items[n % len(items)])
        if number % 10 == 0:
            item = with_paper(item, relevant[number // 10 % len(relevant)])
        item = item.replace("<title>", f"<title>[{number}] ", 1)
        out.append(
            item.replace("Announce Type: new", "Announce Type: cross") if number != n else item
        )
    return (head + "".join(out) + "</channel></rss>").encode()


def run(data: bytes, store: CandidateStore) -> tuple[int, int, int, int]:
    """The watch's work on one feed: parse+normalise, drop seen, sort into lanes (rules, no
    LLM); returns the counts (papers, fresh, candidates, maybe)."""
    feed = parse_feed_bytes(data)
    seen = store.seen_ids([p.arxiv_id for p in feed.papers])
    fresh = [p for p in feed.papers if p.arxiv_id not in seen]
    _, lanes = sort_papers(feed.papers, store, CatalogPapers(), build_rules())
    candidates = sum(verdict.lane == "candidate" for _, verdict in lanes)
    return len(feed.papers), len(fresh), candidates, len(lanes) - candidates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs (best and median)")
    args = parser.parse_args()
    data = build_feed(args.items)
    store = CandidateStore(Database(":memory:"))
    store.mark_seen(parse_feed_bytes(data).papers[::2], datetime.now(UTC))

    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        papers, fresh, matched, maybe = run(data, store)
        times.append(time.perf_counter() - started)
    parse_only = time.perf_counter()
    parse_feed_bytes(data)
    parse_only = time.perf_counter() - parse_only
    slow = time.perf_counter()
    parse_feed(feedparser.parse(data))
    slow = time.perf_counter() - slow

    tracemalloc.start()
    run(data, store)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"feed: {args.items} items, {len(data) / 1e6:.1f} MB; {papers} unique papers")
    print(f"new after dedup: {fresh}; candidates: {matched}; maybe lane: {maybe}")
    best, median = min(times), statistics.median(times)
    print(f"time (parse+normalise+dedup+lanes): best {best:.3f} s, median {median:.3f} s of")
    print(f"  {args.repeat} runs (goal < 1 s); reading + normalising alone: {parse_only:.3f} s")
    print(f"the same feed through feedparser instead: {slow:.3f} s")
    print(f"peak Python memory during the run: {peak / 1e6:.1f} MB  (goal < 100 MB)")
    print(f"process max RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
