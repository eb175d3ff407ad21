"""`vadbot digest`: the weekly digest on demand, printed (Markdown or a platform's payload) or
posted to the digest channels."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.candidates.reactions import build_tally, build_vote_rules
from bot.core.digest import Digest, build_digest_card, period_text, window_to_now
from bot.core.digest_markdown import render_digest_markdown
from bot.errors import UserError
from bot.infra.digest_source import CatalogDigestSource, list_name
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.state import Database, open_state
from bot.infra.stores import CandidateStore
from bot.infra.stores import CandidateStore as VoteStore
from bot.settings import Settings


def register(sub: Any) -> None:
    """Add `digest` to the parser."""
    parser = sub.add_parser(
        "digest",
        help="the weekly digest now: print it (Markdown, Slack or Discord payload) or post it",
        description="Build the digest of the last seven days (or since --since) from the "
        "catalog's git history and the candidates; print it, or post it to the digest channels.",
    )
    parser.add_argument("--since", metavar="DATE", type=_date, help="start day, YYYY-MM-DD")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--print", action="store_true", help="print it (the default)")
    action.add_argument("--post", action="store_true", help="post it to the digest channels")
    parser.add_argument(
        "--format",
        choices=("markdown", "slack", "discord"),
        default="markdown",
        help="with --print: Markdown, or the JSON payload sent to Slack or Discord",
    )
    parser.set_defaults(handler=run_digest)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-16") from None


def run_digest(args: argparse.Namespace, settings: Settings) -> int:
    tz = ZoneInfo(settings.schedule.timezone)
    end = datetime.now(UTC)
    start = window_to_now(end, tz, args.since)
    if start >= end:
        raise UserError(f"--since {args.since} is not in the past")
    folder = settings.resolve(settings.catalog.repo) / settings.catalog.path
    if not folder.is_dir():
        raise UserError(f"{folder}: no catalog folder here (catalog.repo, catalog.path)")
    db = open_state(settings, create=False)
    try:
        digest = asyncio.run(build_source(settings, db).collect(start, end))
    finally:
        db.close()
    if args.post:
        return asyncio.run(_post(settings, digest, tz))
    sys.stdout.write(render_digest(digest, tz, args.format))
    return 0


def build_source(settings: Settings, db: Database) -> CatalogDigestSource:
    """The digest's data: the catalog's git history, the candidates and their votes."""
    cat = settings.catalog
    history = GitCatalogHistory(GitRepo(settings.resolve(cat.repo)), cat.path, None, cat.branch)
    rules, votes = build_vote_rules(settings), VoteStore(db)
    return CatalogDigestSource(
        history,
        CandidateStore(db).list,
        lambda candidate: build_tally(votes.vote_reactions(candidate.id), rules),
        list_name(settings.resolve(cat.repo) / cat.path),
    )


def render_digest(digest: Digest, tz: ZoneInfo, fmt: str) -> str:
    """The digest as Markdown, or as the JSON payload one platform receives."""
    if fmt == "markdown":
        return render_digest_markdown(digest, tz)
    card = build_digest_card(digest, tz)
    if fmt == "slack":
        from bot.adapters.slack.adapter import render_card as render_slack

        payload = render_slack(card)
    else:
        from bot.adapters.discord.adapter import render_card as render_discord

        payload = render_discord(card)
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


async def _post(settings: Settings, digest: Digest, tz: ZoneInfo) -> int:
    from bot.app import build_bot

    bot = build_bot(settings)
    try:
        sending = await bot.start_posting()  # Web API/REST only: events stay the service's
        key = f"digest:{digest.start.astimezone(tz):%Y-%m-%d}..{digest.end.astimezone(tz):%Y-%m-%d}"
        already = bot.outbox.refs(key)
        if already:  # the outbox posts a key once: say so instead of claiming a new post
            where = ", ".join(f"{r.platform} {r.channel}" for r in already)
            print(f"the digest of {period_text(digest, tz)} was already posted to {where}")
            return 0
        refs = await bot.outbox.publish("digest", key, build_digest_card(digest, tz))
    finally:
        await bot.close()
    if not sending:
        print("digest handed to the running vadbot: it posts it within a minute")
        return 0
    where = ", ".join(f"{r.platform} {r.channel}" for r in refs) or "nowhere (no digest channel)"
    print(f"digest posted to {where}")
    return 0 if refs else 1
