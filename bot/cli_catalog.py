"""`vadbot catalog …`: check, list, import and render the list."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from bot.cli import catalog_dir, print_json
from bot.cli_history import add_changes_command
from bot.core.models import Entry
from bot.errors import CatalogError
from bot.infra.yaml_files import load_catalog, parse_catalog, read_catalog_files
from bot.settings import Settings


def register(sub: Any) -> None:
    """Add `catalog` and its subcommands to the parser."""
    parser = sub.add_parser("catalog", help="check, list, import and render the catalog")
    commands = parser.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND", required=True)

    check = commands.add_parser("check", help="validate every entry; problems as path:line")
    _catalog_option(check)
    check.set_defaults(handler=run_check)

    listing = commands.add_parser("list", help="every entry of the catalog")
    _catalog_option(listing)
    listing.add_argument("--json", action="store_true", help="a JSON array for scripts")
    listing.set_defaults(handler=run_list)

    add_changes_command(commands)


def _catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", metavar="DIR", help="catalog folder (default: from config)")


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    root = catalog_dir(args, settings)
    catalog, problems = parse_catalog(read_catalog_files(root))
    if problems:
        raise CatalogError(problems)
    print(f"{root}: {len(catalog.entries)} entries, no problems")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    catalog = load_catalog(catalog_dir(args, settings))
    if args.json:
        print_json([entry_json(e) for e in catalog.entries])
        return 0
    for entry in catalog.entries:
        where = " ".join(str(p) for p in (entry.venue, entry.year) if p)
        sys.stdout.write(f"{entry.id:<48} {entry.kind:<10} {where:<16} {entry.title}\n")
    return 0


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as a JSON object (every field, links as a mapping)."""
    data = dataclasses.asdict(entry)
    data["links"] = dict(entry.links)
    return data
