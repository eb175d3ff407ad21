"""`vadbot arxiv …`: scan a feed, score papers, poll once, backfill missed days."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.cli.common import catalog_dir, print_json
from bot.clock import UtcClock
from bot.core.arxiv.rules import classify
from bot.core.arxiv.watch import (
    Rules,
    WatchReport,
    build_known_papers,
    describe,
    match_paper,
    process_papers,
    run_watch,
)
from bot.core.candidates.lifecycle import build_vote_card, candidate_key
from bot.core.candidates.reactions import build_vote_rules
from bot.core.models import Candidate, Catalog, Match, Paper, Tally, parse_arxiv_id
from bot.errors import CatalogError, QueryError, UserError
from bot.infra.arxiv_http import ArxivClient, load_feed_file, rules_from_settings
from bot.infra.outbox import Outbox, channels_of, platforms_of
from bot.infra.state import Database, open_state
from bot.infra.stores import CandidateStore, paper_to_json
from bot.infra.yaml_files import load_catalog
from bot.progress import Progress
from bot.settings import Settings


def register(sub: Any) -> None:
    """Add `arxiv` and its subcommands to the parser."""
    parser = sub.add_parser("arxiv", help="watch arXiv: scan, score, poll and backfill")
    commands = parser.add_subparsers(dest="arxiv_command", metavar="SUBCOMMAND", required=True)

    scan = commands.add_parser("scan", help="list a feed's candidates with score and why")
    scan.add_argument("source", metavar="SOURCE", help="a feed URL or a saved feed file")
    scan.add_argument("--json", action="store_true", help="a JSON array for scripts")
    _catalog_option(scan)
    scan.set_defaults(handler=run_scan)

    score = commands.add_parser(
        "score",
        help="each line of a JSONL file with its lane (candidate, maybe, none) and score added",
    )
    score.add_argument(
        "file", metavar="FILE.jsonl", help='lines with "arxiv_id", "title", …; - for stdin'
    )
    score.set_defaults(handler=run_score)

    venue = commands.add_parser(
        "venue",
        help="venue, year and track from arXiv comment/journal_ref, one JSON line per input line",
        description='Reads JSON lines with "arxiv_id", "comment" and "journal_ref" (either may '
        'be null) and prints, in order, {"arxiv_id", "venue", "year", "workshop", "track"}. '
        "Under review, submitted, extended versions and page counts give no venue.",
    )
    venue.add_argument("file", metavar="FILE.jsonl", help="the input; - reads standard input")
    venue.set_defaults(handler=run_venue)

    poll = commands.add_parser(
        "poll",
        help="one watch run: new candidates, stale feed, gaps (exit 1 if stale or failed)",
    )
    poll.add_argument("--json", action="store_true", help="the report as JSON")
    _catalog_option(poll)
    poll.set_defaults(handler=run_poll)

    backfill = commands.add_parser("backfill", help="search the API over past days by hand")
    backfill.add_argument("--since", required=True, type=_date, metavar="DATE", help="YYYY-MM-DD")
    backfill.add_argument("--until", type=_date, metavar="DATE", help="YYYY-MM-DD (default: today)")
    backfill.add_argument("--json", action="store_true", help="the new candidates as JSON")
    _catalog_option(backfill)
    backfill.set_defaults(handler=run_backfill)


def _catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", metavar="DIR", help="catalog folder (default: from config)")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


# ---------------------------------------------------------------------------- scan, score


def run_scan(args: argparse.Namespace, settings: Settings) -> int:
    catalog = _optional_catalog(args, settings)
    rules = rules_from_settings(settings.arxiv, _titles(catalog))
    if args.source.startswith(("http://", "https://")):
        feed = asyncio.run(_fetch(settings, rules, args.source))
    else:
        feed = load_feed_file(_existing_file(args.source))
    found = _ranked(feed.papers, rules)
    if args.json:
        print_json([_candidate_json(p, m) for p, m in found])
        return 0
    _print_candidates(found)
    print(f"{len(found)} candidate(s) among {len(feed.papers)} paper(s)", file=sys.stderr)
    return 0


def _existing_file(source: str) -> Path:
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{source}: no such feed file (a URL starts with http:// or https://)")
    return path


async def _fetch(settings: Settings, rules: Rules, url: str) -> Any:
    async with ArxivClient(settings.arxiv, rules) as client:
        return await client.fetch_url(url)


def _ranked(papers: Sequence[Paper], rules: Rules) -> list[tuple[Paper, Match]]:
    found = [(p, m) for p in papers if (m := match_paper(p, rules))]
    return sorted(found, key=lambda pm: -pm[1].score)


def run_venue(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.venues import venue_record

    stream = sys.stdin if args.file == "-" else _open_text(Path(args.file))
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{args.file}:{number}: not a JSON line ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise UserError(f"{args.file}:{number}: expected a JSON object")
            sys.stdout.write(json.dumps(venue_record(record), ensure_ascii=False) + "\n")
    return 0


def _open_text(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc


def run_score(args: argparse.Namespace, settings: Settings) -> int:
    """Each input line, its fields kept, plus `lane`, `candidate` (lane is candidate), `score`
    and `terms` (the evidence words). Offline: rules only, no ranker."""
    rules = rules_from_settings(settings.arxiv)
    for data, paper in _read_jsonl(args.file):
        verdict = classify(paper, rules)
        line = data | {
            "lane": verdict.lane,
            "candidate": verdict.lane == "candidate",
            "score": verdict.score,
            "terms": list(verdict.evidence_words),
        }
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    return 0


def _read_jsonl(source: str) -> Iterator[tuple[dict[str, Any], Paper]]:
    """Each line of `source` (a path, or - for standard input) as its object and its paper."""
    try:
        if source == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = Path(source).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QueryError(f"{source}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise QueryError(f"{source}: not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            data = None
        yield data, _paper_of_line(data, source, number)


def _paper_of_line(data: Any, path: str, number: int) -> Paper:
    if not isinstance(data, dict) or not {"arxiv_id", "title"} <= data.keys():
        raise QueryError(f"{path}:{number}: need a JSON object with arxiv_id, title, abstract")
    found = parse_arxiv_id(str(data["arxiv_id"]))
    return Paper(
        arxiv_id=found[0] if found else str(data["arxiv_id"]),
        title=str(data["title"]),
        abstract=str(data.get("abstract") or ""),
        categories=tuple(data.get("categories") or ()),
    )


# ---------------------------------------------------------------------------- poll, backfill


def run_poll(args: argparse.Namespace, settings: Settings) -> int:
    catalog = load_catalog(catalog_dir(args, settings))
    rules = rules_from_settings(settings.arxiv, _titles(catalog))
    db = open_state(settings)
    try:
        report = asyncio.run(_poll(settings, rules, db, catalog))
        handed = hand_over(settings, db, [c for c in report.candidates if c.status == "pending"])
    finally:
        db.close()
    if args.json:
        print_json(
            {
                "candidates": [_candidate_json(c.paper, c.match) for c in report.candidates],
                "posts_handed_over": handed,
                "read": report.read,
                "feed_date": str(report.feed_date) if report.feed_date else None,
                "stale": report.stale,
                "gap": [str(d) for d in report.gap],
                "errors": list(report.errors),
            }
        )
    else:
        _print_poll(report)
        if handed:
            where = ", ".join(platforms_of(settings))
            print(
                f"{handed} candidate post(s) handed to the running vadbot ({where}): it posts "
                "them within a minute (cron users: at the next `vadbot run --once`)"
            )
    return 0 if report.ok else 1


def hand_over(settings: Settings, db: Database, candidates: Sequence[Candidate]) -> int:
    """Queue the candidates' posts in the outbox for the running service to send: a one-shot
    command never connects to a platform itself (one sender at a time)."""
    rules = build_vote_rules(settings)
    card = build_vote_card(rules)
    outbox = Outbox(db, channels_of(settings), UtcClock())
    for candidate in candidates:
        key = candidate_key(candidate.id)
        outbox.enqueue("candidates", key, card(candidate, Tally(), None), platforms_of(settings))
    return len(candidates)


def _print_poll(report: WatchReport) -> None:
    """Errors first, on stderr; a run that read nothing has no result to show."""
    for error in report.errors:
        print(f"vadbot: {error}", file=sys.stderr)
    if report.errors and not report.read:
        return
    _print_candidates((c.paper, c.match) for c in report.candidates)
    for line in describe(dataclasses.replace(report, errors=())):
        print(line)


async def _poll(settings: Settings, rules: Rules, db: Database, catalog: Catalog) -> Any:
    async with ArxivClient(settings.arxiv, rules) as client:
        known = build_known_papers(catalog)
        return await run_watch(client, CandidateStore(db), db, UtcClock(), known, rules)


def run_backfill(args: argparse.Namespace, settings: Settings) -> int:
    today = datetime.now(UTC).date()
    until: date = args.until or today
    if args.since > today:
        raise QueryError(f"--since {args.since} is in the future (today is {today})")
    if until < args.since:
        raise QueryError("--until is before --since")
    catalog = load_catalog(catalog_dir(args, settings))
    rules = rules_from_settings(settings.arxiv, _titles(catalog))
    db = open_state(settings)
    try:
        found = asyncio.run(_backfill(settings, rules, db, catalog, args.since, until))
    finally:
        db.close()
    if args.json:
        print_json([_candidate_json(p, m) for p, m in found])
    else:
        _print_candidates(found)
        print(f"{len(found)} new candidate(s) from {args.since} to {until}")
    return 0


async def _backfill(
    settings: Settings, rules: Rules, db: Database, catalog: Catalog, since: date, until: date
) -> list[tuple[Paper, Match]]:
    weeks = list(_weeks(since, until))
    known = build_known_papers(catalog)
    store = CandidateStore(db)
    found: list[tuple[Paper, Match]] = []
    async with ArxivClient(settings.arxiv, rules) as client:
        with Progress("backfill", len(weeks)) as bar:
            for start, end in weeks:
                papers = await client.search(start, end)
                made = process_papers(papers, store, known, rules, datetime.now(UTC))
                found += [(c.paper, c.match) for c in made]
                bar.advance()
    return found


def _weeks(since: date, until: date) -> Iterator[tuple[datetime, datetime]]:
    """[since, until] in week-long windows, so the progress bar moves."""
    start = datetime.combine(since, time.min, tzinfo=UTC)
    stop = datetime.combine(until, time.max, tzinfo=UTC)
    while start <= stop:
        end = min(start + timedelta(days=7) - timedelta(minutes=1), stop)
        yield start, end
        start += timedelta(days=7)


# ---------------------------------------------------------------------------- helpers


def _optional_catalog(args: argparse.Namespace, settings: Settings) -> Catalog | None:
    """The catalog when there is one (it only ranks scan results)."""
    try:
        return load_catalog(catalog_dir(args, settings))
    except (CatalogError, OSError):
        return None


def _titles(catalog: Catalog | None) -> list[str]:
    return [e.title for e in catalog.papers()] if catalog else []


def _candidate_json(paper: Paper, match: Match) -> dict[str, Any]:
    return paper_to_json(paper) | {"score": match.score, "terms": list(match.terms)}


def _print_candidates(found: Iterable[tuple[Paper, Match]], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    for paper, match in found:
        out.write(f"{match.score:.2f}  {paper.arxiv_id}  {paper.title}\n")
        out.write(f"      matched: {' · '.join(match.terms)}   {paper.abs_url}\n")
