"""`vadbot run` (the bot itself) and `vadbot discord invite-url`."""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from bot.errors import ConfigError, UserError
from bot.settings import Settings

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add `run` and `discord` to the parser."""
    run = sub.add_parser(
        "run",
        help="run the bot: Slack and/or Discord when their tokens are set, else the console",
        description="Run vadbot until stopped (Ctrl-C or SIGTERM). Platforms connect on their "
        "own; with no token at all, commands are read from the console.",
    )
    run.add_argument(
        "--once",
        action="store_true",
        help="run every job that is due (missed or never run) once, send the posts, and exit",
    )
    run.set_defaults(handler=run_bot)

    discord = sub.add_parser("discord", help="Discord helpers")
    commands = discord.add_subparsers(dest="discord_command", metavar="SUBCOMMAND", required=True)
    invite = commands.add_parser(
        "invite-url", help="print the link that adds the bot with exactly the permissions it uses"
    )
    invite.add_argument(
        "--client-id", metavar="ID", help="application id (default: read from DISCORD_TOKEN)"
    )
    invite.set_defaults(handler=run_invite_url)


def run_bot(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import serve  # logging is already set up by cli.main for every command

    started = datetime.now(UTC)
    # SIGTERM (docker stop) and SIGINT: no new work, the post in flight ends, connections close.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, once=args.once))
    return _once_result(settings, started) if args.once else 0


def _once_result(settings: Settings, started: datetime) -> int:
    """Exit 1 when a job run by `--once` failed, so cron (and its mail) notices."""
    from bot.infra.job_store import JobStore
    from bot.infra.state import open_state

    db = open_state(settings, create=False)
    try:
        failed = [
            job
            for job in JobStore(db).all()
            if job.failures and job.last_run is not None and job.last_run >= started
        ]
    finally:
        db.close()
    for job in failed:
        print(f"vadbot: job {job.name} failed: {job.last_error}", file=sys.stderr)
    return 1 if failed else 0


def run_invite_url(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.discord.adapter import build_invite_url

    client_id = args.client_id or client_id_from_token(settings.secrets.discord_token)
    if not client_id.isdigit():
        raise UserError(
            f"--client-id {client_id[:40]!r}: an application id is a number "
            "(discord.com/developers → your application → Application ID)"
        )
    print(build_invite_url(client_id))
    return 0


def client_id_from_token(token: str | None) -> str:
    """The application id a bot token starts with (base64 of the bot's user id)."""
    if not token:
        raise ConfigError("give --client-id, or set DISCORD_TOKEN to read it from the token")
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if not decoded.isdigit():
        raise ConfigError("DISCORD_TOKEN does not look like a bot token; give --client-id")
    return decoded
