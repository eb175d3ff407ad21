"""`vadbot candidates …`: the candidates in the state store, with their votes and decisions."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import print_json
from bot.core.candidates.lifecycle import format_tally
from bot.core.candidates.reactions import build_tally, build_vote_rules, platform_name
from bot.core.models import Candidate, Tally
from bot.infra.state import open_state
from bot.infra.stores import CandidateStore
from bot.infra.stores import CandidateStore as VoteStore
from bot.settings import Settings

STATUSES = ("pending", "approved", "rejected", "all")


def register(sub: Any) -> None:
    """Add `candidates` and its subcommands to the parser."""
    parser = sub.add_parser("candidates", help="candidates proposed for the list, with votes")
    commands = parser.add_subparsers(dest="candidates_command", metavar="SUBCOMMAND", required=True)
    listing = commands.add_parser(
        "list", help="candidates with their tallies (pending ones by default)"
    )
    listing.add_argument(
        "--status", choices=STATUSES, default="pending", help="which ones (default: pending)"
    )
    listing.add_argument("--json", action="store_true", help="a JSON array for scripts")
    listing.set_defaults(handler=run_list)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    db = open_state(settings, create=False)
    try:
        status = None if args.status == "all" else args.status
        candidates = CandidateStore(db).list(status)
        votes, rules = VoteStore(db), build_vote_rules(settings)
        rows = [(c, build_tally(votes.vote_reactions(c.id), rules)) for c in candidates]
    finally:
        db.close()
    if args.json:
        print_json([candidate_json(c, t) for c, t in rows])
        return 0
    if not rows:
        print(f"no {args.status} candidates" if args.status != "all" else "no candidates")
    for candidate, tally in rows:
        sys.stdout.write(_line(candidate, format_tally(tally)) + "\n")
    return 0


def _line(candidate: Candidate, tally: str) -> str:
    decided = ""
    if candidate.status != "pending":
        where = platform_name(candidate.decided_platform or "")
        decided = f"  [{candidate.status} by {candidate.decided_by} ({where})"
        decided += f" → {candidate.entry_id}]" if candidate.entry_id else "]"
    head = f"#{candidate.id:<5} {candidate.paper.arxiv_id:<12} {tally:<28}"
    return f"{head} {candidate.paper.title}{decided}"


def candidate_json(candidate: Candidate, tally: Tally) -> dict[str, Any]:
    """A candidate as a JSON object: paper, status, decision and votes."""
    paper = candidate.paper
    return {
        "id": candidate.id,
        "arxiv_id": paper.arxiv_id,
        "title": paper.title,
        "authors": list(paper.authors),
        "url": paper.abs_url or f"https://arxiv.org/abs/{paper.arxiv_id}",
        "source": candidate.source,
        "status": candidate.status,
        "score": candidate.match.score,
        "created_at": candidate.created_at.isoformat() if candidate.created_at else None,
        "decided_by": candidate.decided_by,
        "decided_platform": candidate.decided_platform,
        "decided_at": candidate.decided_at.isoformat() if candidate.decided_at else None,
        "entry_id": candidate.entry_id,
        "commit": candidate.commit,
        "votes": {"up": tally.up, "down": tally.down, "by_platform": dict(tally.by_platform)},
    }
