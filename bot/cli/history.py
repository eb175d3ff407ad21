"""`vadbot catalog changes` and `vadbot announce`: the catalog's history and its announcements."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import print_json
from bot.errors import GitError, UserError

if TYPE_CHECKING:  # imported where used: `vadbot catalog check` registers `changes` too
    from bot.core.catalog.history import BrokenCommit, Change
    from bot.infra.git_history import GitCatalogHistory
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
        help="announce the catalog entries new since the last announcement, now",
        description="Run the announce job once: each entry new in the catalog since the last "
        "announcement is posted to the papers channel of every platform with a token (the "
        "console without one), exactly once. The first run only sets a baseline. "
        "`vadbot run` does this every schedule.announce_minutes.",
    )
    parser.add_argument("--json", action="store_true", help="the job's result as JSON")
    _repo_option(parser)
    parser.set_defaults(handler=run_announce)


def _repo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog-repo", metavar="DIR", help="git repository of the catalog (default: config)"
    )


def build_history(args: argparse.Namespace, settings: Settings) -> GitCatalogHistory:
    """The catalog history the settings (or `--catalog DIR`, `--catalog-repo`) point at."""
    from bot.infra.git import GitRepo, find_repository
    from bot.infra.git_history import GitCatalogHistory

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
    from bot.core.catalog.history import build_changes

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
        "title": change.entry.title,
        "commit": change.commit.sha,
        "date": change.commit.date.date().isoformat(),
        "author": change.commit.author,
        "subject": change.commit.subject,
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
    from bot.infra.announce_store import AnnounceStore
    from bot.infra.state import Database

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


def run_announce(args: argparse.Namespace, settings: Settings) -> int:
    """Run the service's announce job once, posting through the real outbox and platforms."""
    import asyncio

    from bot.app import serve  # the whole app: only this command needs it
    from bot.infra.job_store import JobStore
    from bot.infra.state import open_state
    from bot.scheduling import ANNOUNCE

    if args.catalog_repo:
        catalog = dataclasses.replace(settings.catalog, repo=str(Path(args.catalog_repo)))
        settings = dataclasses.replace(settings, catalog=catalog)
    asyncio.run(serve(settings, once=True, only=(ANNOUNCE,)))
    db = open_state(settings, create=False)
    try:
        health = JobStore(db).get(ANNOUNCE)
    finally:
        db.close()
    if args.json:
        print_json({"result": health.last_result, "error": health.last_error})
    else:
        print(f"announce: {health.last_error or health.last_result}", file=sys.stderr)
    return 1 if health.last_error else 0
