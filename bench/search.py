"""Search at scale: index build, start-up, memory and query latency over generated catalogs.

    python bench/search.py                 # 10,000 and 100,000 entries
    python bench/search.py --sizes 30000   # other sizes
    python bench/search.py --queries 2000  # more queries per size
    python bench/search.py --fts5          # and the alternative measured: SQLite FTS5

Entries look like the list's: method names (CamelCase, hyphens, -R1), English titles, summaries
in Chinese or English, authors, tags, venues, years and links. The query mix is what members
type: names, title words, typos, prefixes, Chinese words, filters alone and with words, misses.
Goals at 100,000 entries (issue 5): p99 < 20 ms, < 300 MB, ready after a restart in < 1 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.models import Entry
from bot.core.search.engine import SearchIndex
from bot.infra.search_index import SearchIndexFile

WORDS = [
    "video",
    "anomaly",
    "detection",
    "understanding",
    "reasoning",
    "explainable",
    "weakly",
    "supervised",
    "open",
    "world",
    "vocabulary",
    "language",
    "model",
    "large",
    "vision",
    "multimodal",
    "training",
    "free",
    "zero",
    "shot",
    "few",
    "temporal",
    "grounding",
    "localization",
    "event",
    "aware",
    "prompt",
    "learning",
    "tokens",
    "alignment",
    "benchmark",
    "dataset",
    "surveillance",
    "traffic",
    "crime",
    "violence",
    "real",
    "time",
    "online",
    "streaming",
    "memory",
    "agent",
    "tool",
    "chain",
    "thought",
    "reinforcement",
    "fine",
    "tuning",
    "instruction",
    "generalist",
    "unified",
    "cross",
    "domain",
    "scene",
    "graph",
    "causal",
    "long",
    "term",
    "granularity",
    "hierarchical",
    "retrieval",
    "augmented",
    "generation",
    "audio",
    "visual",
    "fusion",
    "contrastive",
    "pretraining",
    "self",
    "distillation",
    "efficient",
    "robust",
    "uncertainty",
    "calibration",
]
SYLLABLES = [
    "vad",
    "holo",
    "anom",
    "rex",
    "lum",
    "sen",
    "tra",
    "vis",
    "pan",
    "mon",
    "ex",
    "hawk",
    "sage",
    "flash",
    "nex",
    "vera",
    "moe",
    "clip",
]
SUFFIXES = ("VAD", "VAU", "-R1", "CLIP", "GPT", "Net", "LLM", "-X", "Former", "")
CHINESE = [
    "视频",
    "异常",
    "检测",
    "推理",
    "理解",
    "大模型",
    "多模态",
    "视觉",
    "语言",
    "对齐",
    "弱监督",
    "开放",
    "世界",
    "零样本",
    "时序",
    "事件",
    "提示",
    "学习",
    "解释",
    "可解释",
    "监控",
    "交通",
    "犯罪",
    "暴力",
    "实时",
    "在线",
    "记忆",
    "智能体",
    "工具",
    "思维链",
    "强化",
    "微调",
    "指令",
    "通用",
    "统一",
    "跨域",
    "场景",
    "图",
    "因果",
    "长时",
    "粒度",
    "层次",
    "检索",
    "增强",
    "生成",
    "音频",
    "融合",
    "对比",
    "预训练",
    "蒸馏",
    "高效",
    "鲁棒",
    "不确定性",
    "校准",
    "框架",
    "方法",
    "提出",
    "通过",
    "实现",
    "提升",
    "能力",
    "模型",
    "数据集",
    "基准",
]
VENUES = ("CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR", "AAAI", "ACM MM", "TPAMI", "arXiv")
NAMES = [
    "Zhang",
    "Wang",
    "Li",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Smith",
    "Garcia",
    "Müller",
    "Rossi",
    "Tanaka",
]
TAGS = tuple(WORDS[:40])
SHOW_SLOWEST = 5


def generate(count: int, seed: int = 7) -> list[Entry]:
    """`count` entries shaped like the list's, half with Chinese summaries."""
    rng = random.Random(seed)
    return [_entry(rng, n) for n in range(count)]


def _entry(rng: random.Random, n: int) -> Entry:
    name = "".join(s.capitalize() for s in rng.sample(SYLLABLES, rng.randint(1, 3)))
    name = f"{name}{rng.choice(SUFFIXES)}{n if rng.random() < 0.3 else ''}"
    title = f"{name}: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).title()
    if n % 2:
        summary = "".join(rng.choice(CHINESE) for _ in range(rng.randint(15, 35))) + "。"
    else:
        summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 45))) + "."
    links = {"paper": f"https://example.org/p/{n}"}
    if rng.random() < 0.5:
        links["code"] = f"https://github.com/lab/{name.lower()}"
    if rng.random() < 0.6:
        links["arxiv"] = f"https://arxiv.org/abs/24{n % 12 + 1:02}.{n:05}"
    return Entry(
        id=f"e{n}",
        kind="dataset" if rng.random() < 0.08 else "paper",
        title=title,
        venue=rng.choice(VENUES),
        year=rng.randint(2015, 2026),
        links=links,
        summary=summary,
        authors=tuple(f"{rng.choice('ABCDEFGHJK')}. {rng.choice(NAMES)}" for _ in range(4)),
        tags=tuple(rng.sample(TAGS, 3)),
        order=n,
    )


def queries(entries: list[Entry], count: int, seed: int = 11) -> list[str]:
    """A mix of what people type, drawn from the generated entries."""
    rng = random.Random(seed)
    makers = (
        lambda e: e.title.split(":")[0],  # a method name
        lambda e: e.title.split(":")[0].lower()[:-1] + "x",  # a name with a typo
        lambda e: " ".join(e.title.split(":")[1].split()[:2]),  # two title words
        lambda e: e.title.split(":")[1].split()[0][:4],  # a prefix
        lambda e: rng.choice(CHINESE),  # a Chinese word
        lambda e: f"{rng.choice(CHINESE)} {rng.choice(CHINESE)}",  # two Chinese words
        lambda e: f"venue:{e.venue.split()[0]} year:{e.year} has:code",  # filters alone
        lambda e: f"{rng.choice(WORDS)} year:2020..2024 kind:paper",  # words and filters
        lambda e: f"{e.title.split(':')[0].lower()} {rng.choice(WORDS)}",  # name and word
        lambda e: "qzxwv",  # a miss, with a "did you mean"
    )
    return [makers[i % len(makers)](rng.choice(entries)) for i in range(count)]


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux), else the peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * 4096 / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(size: int, query_count: int) -> None:
    gc.collect()
    base = rss_mb()
    entries = generate(size)
    with_entries = rss_mb()
    start = time.perf_counter()
    index = SearchIndex(entries)
    build = time.perf_counter() - start
    gc.collect()
    with_index = rss_mb()
    mix = queries(entries, query_count)
    start = time.perf_counter()
    index.search(mix[0], 5)
    first = time.perf_counter() - start
    times = []
    for query in mix:
        start = time.perf_counter()
        index.search(query, 5)
        times.append((time.perf_counter() - start) * 1000)
    slow = sorted(zip(times, mix, strict=True), reverse=True)[:SHOW_SLOWEST]
    times.sort()
    p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
    print(
        f"{size:>7,} entries: build {build:5.2f} s · first query {first * 1000:5.1f} ms · "
        f"memory {with_entries - base:4.0f} MB entries + "
        f"{with_index - with_entries:4.0f} MB index"
        f" · query p50 {p50:5.2f} ms p99 {p99:5.2f} ms max {times[-1]:5.1f} ms "
        f"({len(times)} queries)"
    )
    for ms, query in slow:
        print(f"{'':>17} slowest: {ms:5.1f} ms  {query}")
    bench_restart(size, index)


def bench_restart(size: int, index: SearchIndex) -> None:
    """Save the index, then restart in a fresh process: as is, and after 100 entries changed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "search-index.bin"
        start = time.perf_counter()
        SearchIndexFile(path).save(index.snapshot())
        saved = time.perf_counter() - start
        size_mb = path.stat().st_size / 2**20
        print(f"{'':>17} saved in {saved:4.2f} s ({size_mb:.0f} MB file)")
        for changed in (0, 100):
            child = [sys.executable, __file__, "--restart", str(path), str(size), str(changed)]
            figures = json.loads(subprocess.run(child, capture_output=True, check=True).stdout)
            print(
                f"{'':>17} restart with {changed:3} entries changed: ready in "
                f"{figures['ready']:4.2f} s (load {figures['load']:4.2f} s) · index memory "
                f"{figures['memory']:4.0f} MB · "
                f"first query {figures['first'] * 1000:4.1f} ms"
            )


def restart(path: Path, size: int, changed: int) -> None:
    """In a fresh process: entries as the catalog gives them, then the index from disk."""
    entries = generate(size)
    for n in range(changed):
        entries[n * 7] = dataclasses.replace(entries[n * 7], summary=f"changed {n} 异常")
    gc.collect()
    base = rss_mb()
    start = time.perf_counter()
    saved = SearchIndexFile(path).load()
    loaded = time.perf_counter()
    assert saved is not None
    index = SearchIndex.restore(entries, saved)
    ready = time.perf_counter()
    index.search("holmes", 5)
    first = time.perf_counter() - ready
    gc.collect()
    figures = {"load": loaded - start, "ready": ready - start, "first": first}
    print(json.dumps({**figures, "memory": rss_mb() - base}))


def bench_fts5(size: int, query_count: int) -> None:
    """The alternative measured: SQLite FTS5 over the same terms (CJK pre-split into pairs)."""
    import sqlite3

    from bot.core.search.postings import entry_terms
    from bot.core.search.text import query_terms

    entries = generate(size)
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "fts.sqlite3")
        db.execute("CREATE VIRTUAL TABLE fts USING fts5(terms, tokenize='unicode61')")
        start = time.perf_counter()
        rows = ((" ".join(t for t in entry_terms(e) if t[0] != "\x01"),) for e in entries)
        with db:
            db.executemany("INSERT INTO fts VALUES (?)", rows)
        build = time.perf_counter() - start
        times = []
        for query in (q for q in queries(entries, query_count) if ":" not in q):
            units = [t for w in query.split() for t in query_terms(w)]
            match = " AND ".join(f'("{u}" OR "{u}"*)' for u in units)
            start = time.perf_counter()
            db.execute(
                "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 5", (match,)
            ).fetchall()
            db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
        print(
            f"{size:>7,} entries, SQLite FTS5 (no typos, no filters): build {build:5.2f} s · "
            f"query p50 {p50:5.2f} ms p99 {p99:6.2f} ms ({len(times)} queries)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--fts5", action="store_true", help="also measure SQLite FTS5")
    parser.add_argument("--restart", nargs=3, metavar=("FILE", "SIZE", "CHANGED"), help="internal")
    args = parser.parse_args()
    if args.restart:
        restart(Path(args.restart[0]), int(args.restart[1]), int(args.restart[2]))
        return
    for size in args.sizes:
        bench(size, args.queries)
        if args.fts5:
            bench_fts5(size, args.queries)


if __name__ == "__main__":
    main()
