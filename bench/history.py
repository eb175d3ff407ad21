"""How fast the announcer is on a big catalog history.

    python bench/history.py [--commits 5000] [--new 100]

Builds (with `git fast-import`) a repository of N commits adding one entry each, then times:
the first run (baseline), a run with no new commits, and a run after `--new` more commits.
Then a force-push (history rewritten 50 commits back, plus one new commit).
Goals: no new commits < 50 ms, baseline < 2 s, announcing after 100 commits < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.core.announce import AnnounceReport, run_announcer
from bot.core.models import Card, Entry, MessageRef
from bot.infra.announce_store import AnnounceStore
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.state import Database
from bot.infra.yaml_files import dump_entry, entry_path

WORDS = ("video", "anomaly", "detection", "language", "model", "reasoning", "temporal", "open")


class NullPoster:
    """Confirms every post at once, so the figures are the announcer's own cost."""

    def __init__(self) -> None:
        self.count = 0

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        self.count += 1
        return [MessageRef("bench", purpose, key)]

    async def update(self, key: str, card: Card) -> None:
        return None


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def entry(n: int) -> Entry:
    title = f"{' '.join(WORDS[(n + i) % len(WORDS)] for i in range(6)).title()} {n}"
    return Entry(
        id=f"paper-{n:05d}",
        kind="paper",
        title=title,
        venue=("CVPR", "ICCV", "arXiv", "NeurIPS")[n % 4],
        year=2020 + n % 6,
        links={
            "paper": f"https://arxiv.org/abs/2501.{n:05d}",
            "code": f"https://github.com/lab/p{n}",
        },
        summary=f"将视频异常检测映射为第 {n} 个问题。 A one-line summary of paper {n}.",
        arxiv_id=f"2501.{n:05d}",
        authors=("A. Author", "B. Author"),
        tags=("vad", "llm"),
    )


def fast_import(root: Path, first: int, count: int, parent: bool) -> None:
    """Append `count` commits, each adding one entry, with `git fast-import`."""
    chunks: list[bytes] = []
    for n in range(first, first + count):
        text = dump_entry(entry(n)).encode()
        message = f"Add paper {n}".encode()
        stamp = 1_700_000_000 + n * 60
        header = (
            f"commit refs/heads/main\nauthor Author {n % 7} <a{n % 7}@lab.org> {stamp} +0000\n"
            f"committer Bench <bench@lab.org> {stamp} +0000\ndata {len(message)}\n"
        ).encode()
        chunks += [header, message, b"\n"]
        if parent and n == first:
            chunks.append(b"from refs/heads/main^0\n")
        path = f"catalog/{entry_path(entry(n))}"
        chunks.append(f"M 100644 inline {path}\ndata {len(text)}\n".encode() + text + b"\n")
    stream = b"".join(chunks)
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=stream, check=True)


async def timed(history: GitCatalogHistory, db: Database) -> tuple[float, AnnounceReport, int]:
    poster = NullPoster()
    start = time.perf_counter()
    report = await run_announcer(history, AnnounceStore(db), poster, Clock())
    return time.perf_counter() - start, report, poster.count


def show(label: str, seconds: float, goal_ms: int | None, note: str) -> None:
    goal = f"goal < {goal_ms:>4} ms" if goal_ms else "(no goal)     "
    print(f"{label:<28} {seconds * 1000:8.1f} ms   {goal}  {note}")


async def bench(commits: int, new: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        start = time.perf_counter()
        fast_import(root, 0, commits, parent=False)
        print(f"built {commits} commits / {commits} entries in {time.perf_counter() - start:.1f} s")
        history = GitCatalogHistory(GitRepo(root))
        db = Database(Path(tmp) / "state.sqlite3")
        seconds, report, _ = await timed(history, db)
        show("first run (baseline)", seconds, 2000, report.summary())
        best = min([(await timed(history, db))[0] for _ in range(5)])
        show("check, no new commits", best, 50, "best of 5")
        fast_import(root, commits, new, parent=True)
        seconds, report, posts = await timed(history, db)
        show(f"announce after {new} commits", seconds, 1000, f"{posts} posts")
        git = ["git", "-C", str(root)]
        subprocess.run([*git, "update-ref", "refs/heads/main", "main~50"], check=True)
        fast_import(root, commits + new, 1, parent=True)
        seconds, report, posts = await timed(history, db)
        show("force-push fallback", seconds, None, f"{posts} post(s), rewritten={report.rewritten}")
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--new", type=int, default=100)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the force-push warning is expected here
    asyncio.run(bench(args.commits, args.new))


if __name__ == "__main__":
    main()
