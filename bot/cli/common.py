"""Helpers every command module shares: JSON output and the catalog folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings


def print_json(data: Any) -> None:
    """JSON for scripts: UTF-8, no ASCII escapes, one document."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def catalog_dir(args: argparse.Namespace, settings: Settings) -> Path:
    """The catalog folder: `--catalog DIR` if given, else `catalog.repo`/`catalog.path`."""
    if getattr(args, "catalog", None):
        return Path(args.catalog)
    return settings.resolve(settings.catalog.repo) / settings.catalog.path
