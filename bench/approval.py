"""How long an approval takes (entry file + validation + commit + push) on a big catalog, and
how long a tally takes with many reactions.

    python bench/approval.py [--entries 1000] [--approvals 20] [--reactions 5000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.core.candidates.reactions import VoteRules, build_tally
from bot.core.models import Candidate, Match, Paper, ReactionEvent, SignOff
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.git import GitRepo
from bot.infra.state import Database
from bot.infra.stores import CandidateStore as VoteStore

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_repo(root: Path, entries: int) -> Path:
    repo = root / "repo"
    papers = repo / "catalog" / "papers" / "2024"
    papers.mkdir(parents=True)
    (repo / "catalog" / "list.yaml").write_text("title: Bench\nintro: x\n", encoding="utf-8")
    for n in range(entries):
        (papers / f"paper-{n}.yaml").write_text(
            f"id: paper-{n}\nkind: paper\ntitle: Paper number {n} on video anomalies\n"
            f"year: 2024\narxiv_id: '2401.{n:05d}'\nsummary: s\n",
            encoding="utf-8",
        )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "seed")
    remote = root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    return repo


def candidate(n: int) -> Candidate:
    paper = Paper(f"2501.{n:05d}", f"A new approved paper {n}", "abstract", published=NOW)
    return Candidate(n, paper, Match(1.0, ()))


def bench_approvals(entries: int, approvals: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp), entries)
        writer = CatalogWriter(GitRepo(repo), "catalog", remote="origin")
        times = []
        for n in range(approvals):
            start = time.perf_counter()
            writer.add_candidate(candidate(n), SignOff("bench", "slack"))
            times.append(time.perf_counter() - start)
    print(
        f"approval (write + validate {entries} entries + commit + push to a local bare remote): "
        f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"over {approvals}"
    )


def bench_tally(reactions: int) -> None:
    db = Database(":memory:")
    store = VoteStore(db)
    for n in range(reactions):
        emoji = "👍" if n % 3 else "👎"
        event = ReactionEvent(
            "discord" if n % 2 else "slack", "C", f"m{n % 2}", f"u{n}", emoji, True
        )
        store.record_vote(event, 1, NOW)
    start = time.perf_counter()
    tally = build_tally(store.vote_reactions(1), VoteRules())
    elapsed = time.perf_counter() - start
    result = f"{tally.up} up / {tally.down} down"
    print(f"tally of {reactions} reactions (read + count): {elapsed * 1000:.1f} ms ({result})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--approvals", type=int, default=20)
    parser.add_argument("--reactions", type=int, default=5000)
    args = parser.parse_args()
    bench_approvals(args.entries, args.approvals)
    bench_tally(args.reactions)


if __name__ == "__main__":
    main()
