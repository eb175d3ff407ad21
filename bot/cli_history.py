"""`vadbot catalog changes` and `vadbot announce`: the catalog's history and its announcements."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.cli import print_json
from bot.core.announce import AnnounceReport, run_announcer
from bot.core.history import BrokenCommit, Change, build_changes
from bot.core.models import Card, MessageRef
from bot.errors import GitError, UserError
from bot.infra.announce_store import AnnounceStore
from bot.infra.git import GitRepo, find_repository
from bot.infra.git_history import GitCatalogHistory
from bot.infra.state import Database
from bot.settings import Settings

log = logging.getLogger(__name__)
_MARKS = {"added": "+", "updated": "~", "removed": "-"}


def add_changes_command(commands: Any) -> None:
    """Add `changes` to the `catalog` command group."""
    parser = commands.add_parser(
        "changes",
        help="entries added, updated and removed between two revisions, by id",
        description="Entries added, updated (with the fields that changed) and removed, "
        "commit by commit. Default range: the last announced commit up to HEAD.",
    )
    parser.add_argument("--since", metavar="REV", help="start after REV (default: last announced)")
    parser.add_argument("--until", metavar="REV", default="HEAD", help="end at REV (default: HEAD)")
    parser.add_argument("--json", action="store_true", help="a JSON array for scripts")
    parser.add_argument(
        "--catalog", metavar="DIR", help="catalog folder; its git repository is found from it"
    )
    _repo_option(parser)
    parser.set_defaults(handler=run_changes)


def register(sub: Any) -> None:
    """Add `announce` to the parser."""
    parser = sub.add_parser(
        "announce",
        help="post new catalog entries (console output for now)",
        description="Announce entries new in the catalog since the last run. The first run "
        "only sets a baseline. Without --once, runs every schedule.announce_minutes.",
    )
    parser.add_argument("--once", action="store_true", help="run once and exit")
    parser.add_argument("--json", action="store_true", help="print the posts and report as JSON")
    _repo_option(parser)
    parser.set_defaults(handler=run_announce)


def _repo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog-repo", metavar="DIR", help="git repository of the catalog (default: config)"
    )


def build_history(args: argparse.Namespace, settings: Settings) -> GitCatalogHistory:
    """The catalog history the settings (or `--catalog DIR`, `--catalog-repo`) point at."""
    catalog = settings.catalog
    folder = getattr(args, "catalog", None)
    if folder and getattr(args, "catalog_repo", None):
        raise UserError("give --catalog DIR or --catalog-repo DIR, not both")
    if folder:
        try:
            repo, path = find_repository(Path(folder))
        except GitError as exc:
            raise UserError(f"--catalog: {exc}") from exc
        return GitCatalogHistory(repo, path, catalog.remote, catalog.branch)
    chosen = getattr(args, "catalog_repo", None)
    root = Path(chosen) if chosen else settings.resolve(settings.catalog.repo)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder (catalog.repo or --catalog-repo)")
    return GitCatalogHistory(GitRepo(root), catalog.path, catalog.remote, catalog.branch)


# ---------------------------------------------------------------------------- changes


def run_changes(args: argparse.Namespace, settings: Settings) -> int:
    history = build_history(args, settings)
    since = args.since or _last_announced(settings)
    until = _resolve(history, args.until)
    changes, broken = build_changes(history.steps(_resolve(history, since), until))
    for commit in broken:
        for problem in commit.problems:
            print(f"warning: {commit.commit.short} broke the catalog: {problem}", file=sys.stderr)
    if args.json:
        print_json([change_json(c) for c in changes])
    else:
        _print_changes(changes, broken)
    return 0


def change_json(change: Change) -> dict[str, Any]:
    """A change as the JSON object `catalog changes --json` prints."""
    return {
        "change": change.change,
        "id": change.entry.id,
        "fields": list(change.fields),
        "commit": change.commit.sha,
        "author": change.commit.author,
    }


def _print_changes(changes: Sequence[Change], broken: Sequence[BrokenCommit]) -> None:
    last = None
    for change in changes:
        commit = change.commit
        if commit.sha != last:
            day = commit.date.date().isoformat()
            sys.stdout.write(f"{commit.short}  {day}  {commit.author}: {commit.subject}\n")
            last = commit.sha
        detail = ", ".join(change.fields) if change.fields else change.entry.title
        sys.stdout.write(f"  {_MARKS[change.change]} {change.entry.id:<40} {detail}\n")
    skipped = f", {len(broken)} broken commit(s) skipped" if broken else ""
    sys.stdout.write(f"{len(changes)} change(s){skipped}\n")


def _last_announced(settings: Settings) -> str:
    path = settings.resolve(settings.state.path)
    cursor = AnnounceStore(Database(path)).cursor() if path.is_file() else None
    if cursor is None:
        raise UserError("nothing announced yet, so there is no default start: give --since REV")
    return cursor


def _resolve(history: GitCatalogHistory, rev: str) -> str:
    sha = history.repo.rev_parse(rev)
    if sha is None:
        raise UserError(f"{rev}: no such commit in {history.repo.path}")
    return sha


# ---------------------------------------------------------------------------- announce


@dataclass
class SystemClock:
    """The real clock (temporary here until the service wiring provides one)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class ConsolePoster:
    """A minimal Poster printing cards to a stream (temporary: the chat area ships the real one).

    Posts each key once per process; with `as_json`, records the posts instead of printing.
    """

    stream: TextIO = field(default_factory=lambda: sys.stdout)
    as_json: bool = False
    posts: list[dict[str, Any]] = field(default_factory=list)

    async def publish(self, purpose: str, key: str, card: Card) -> Sequence[MessageRef]:
        if all(p["key"] != key for p in self.posts):
            self.posts.append({"purpose": purpose, "key": key, "card": asdict(card)})
            if not self.as_json:
                self.stream.write(render_card_text(purpose, card) + "\n\n")
                self.stream.flush()
        return [MessageRef("console", purpose, key)]

    async def update(self, key: str, card: Card) -> None:
        if not self.as_json:
            self.stream.write(render_card_text(f"edit {key}", card) + "\n\n")


def render_card_text(purpose: str, card: Card) -> str:
    """A card as readable plain text for the terminal."""
    lines = [f"[{purpose}] {card.title}"]
    lines += [line for line in card.body.splitlines() if line.strip()]
    if card.links:
        lines.append(" · ".join(f"{link.label}: {link.url}" for link in card.links))
    if card.footer:
        lines.append(card.footer)
    return "\n".join(lines)


def run_announce(args: argparse.Namespace, settings: Settings) -> int:
    history = build_history(args, settings)
    db = Database(settings.resolve(settings.state.path))
    poster = ConsolePoster(as_json=args.json)
    try:
        if args.once:
            report = asyncio.run(_announce_once(history, db, poster, settings))
            _print_report(report, poster, args.json)
        else:
            asyncio.run(_announce_forever(history, db, poster, settings))
    finally:
        db.close()
    return 0


async def _announce_once(
    history: GitCatalogHistory, db: Database, poster: ConsolePoster, settings: Settings
) -> AnnounceReport:
    return await run_announcer(
        history,
        AnnounceStore(db),
        poster,
        SystemClock(),
        announce_updates=settings.catalog.announce_updates,
    )


async def _announce_forever(
    history: GitCatalogHistory, db: Database, poster: ConsolePoster, settings: Settings
) -> None:
    interval = settings.schedule.announce_minutes * 60
    while True:
        try:
            report = await _announce_once(history, db, poster, settings)
            print(f"announce: {report.summary()}", file=sys.stderr)
        except Exception:
            log.exception("announce run failed; retrying in %s s", interval)
        await asyncio.sleep(interval)


def _print_report(report: AnnounceReport, poster: ConsolePoster, as_json: bool) -> None:
    if as_json:
        print_json({"report": asdict(report), "posts": poster.posts})
        return
    where = "" if report.baseline else f" at {report.head[:7]}" if report.head else " (no commits)"
    print(f"announce: {report.summary()}{where}")
    if report.fetch_error:
        print(f"warning: fetch failed: {report.fetch_error}", file=sys.stderr)
