"""The `vadbot` command: the one place that parses arguments, prints, and exits.

Each area registers its subcommands (`bot/cli_*.py`); a handler returns the exit code.
A UserError is printed as is (exit 1 or 2); anything else is logged with its traceback (exit 70).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.errors import CatalogError, ConfigError, ServiceError, UserError
from bot.settings import Settings, load_settings

log = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Settings], int]
DEFAULT_CONFIG = Path("config/vadbot.yaml")


# Each command's module, imported only when that command runs (`vadbot --help` imports none).
COMMANDS: dict[str, tuple[str, str]] = {
    "catalog": ("catalog", "check, list, import and render the catalog"),
    "announce": ("history", "announce the catalog entries new since the last announcement, now"),
    "search": ("search", "search the catalog"),
    "run": ("run", "run the bot: Slack and/or Discord when their tokens are set, else the console"),
    "discord": ("run", "Discord helpers"),
    "arxiv": ("arxiv", "watch arXiv: scan, score, poll and backfill"),
    "candidates": ("candidates", "candidates proposed for the list, with votes"),
    "status": ("status", "each job's last run, result and next run; exit 1 when unhealthy"),
    "digest": ("digest", "the weekly digest on demand: print it or post it"),
}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The command line: the chosen command in full, every other one by name and help only."""
    parser = argparse.ArgumentParser(
        prog="vadbot",
        description="Keep a lab's awesome list of LLM-for-VAD papers alive in Discord and Slack.",
    )
    parser.add_argument("--version", action="version", version=f"vadbot {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="settings file (default: $VADBOT_CONFIG, else config/vadbot.yaml if present)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="log debug detail, with tracebacks of failures"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = _chosen_command(argv)
    if chosen is not None:
        module = importlib.import_module(f"bot.cli.{COMMANDS[chosen][0]}")
        module.register(sub)
    for name, (_, help_text) in COMMANDS.items():
        if name not in sub.choices:
            sub.add_parser(name, help=help_text)
    return parser


def _global_options_first(words: list[str]) -> list[str]:
    """`vadbot search x --config F` means `vadbot --config F search x`: people put it anywhere."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            rest += words[i:]
            break
        if word == "--config" and i + 1 < len(words):
            front += words[i : i + 2]
            i += 2
            continue
        if word.startswith("--config=") or word == "--debug":
            front.append(word)
        else:
            rest.append(word)
        i += 1
    return front + rest


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The first word of argv that names a command (options before it skipped)."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif word in COMMANDS:
            return word
        elif not word.startswith("-"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `vadbot` console script."""
    words = _global_options_first(sys.argv[1:] if argv is None else list(argv))
    parser = build_parser(words)
    args = parser.parse_args(words)
    try:
        settings = _with_logging(args, load_settings(_config_path(args), os.environ))
        handler: Handler = args.handler
        code = handler(args, settings)
        sys.stdout.flush()
        return code
    except CatalogError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the catalog", file=sys.stderr)
        return 1
    except ConfigError as exc:
        print(f"vadbot: config: {exc}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"vadbot: {exc}", file=sys.stderr)
        return 1
    except ServiceError as exc:
        # git, arXiv or a platform failed: say what in one line; --debug adds the traceback.
        log.debug("vadbot %s failed", args.command, exc_info=True)
        print(f"vadbot: {exc}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as exc:
        print(f"vadbot: the state file cannot be read ({exc}); see state.path", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `vadbot … | head` closed our stdout: not an error; silence the flush at exit too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        log.exception("vadbot %s failed", args.command)
        return 70


def _with_logging(args: argparse.Namespace, settings: Settings) -> Settings:
    """Log through the redacting handler for every command, so --debug never shows a secret:
    `run` at `log.level`, other commands only warnings, and anything at DEBUG with --debug."""
    from bot.logs import setup_logging

    level = "DEBUG" if args.debug else settings.log.level if args.command == "run" else "WARNING"
    log_settings = dataclasses.replace(settings.log, level=level)
    setup_logging(log_settings, settings.secrets.values())
    return dataclasses.replace(settings, log=log_settings)


def _config_path(args: argparse.Namespace) -> Path | None:
    chosen = args.config or os.environ.get("VADBOT_CONFIG")
    if chosen:
        return Path(chosen)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
