"""`vadbot search …`: the catalog search from a terminal or a script."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from bot.cli.common import catalog_dir, print_json
from bot.core.search.engine import Hit, SearchIndex, SearchResult, build_index
from bot.errors import QueryError, UserError
from bot.infra.search_index import SearchIndexFile
from bot.infra.yaml_files import load_catalog
from bot.settings import Settings

EXAMPLES = """examples:
  vadbot search holmes
  vadbot search venue:CVPR year:2025 has:code
  vadbot search 异常 推理 --json
  vadbot search --queries queries.txt      one JSON array per line of the file"""


def register(sub: Any) -> None:
    """Add `search` to the parser."""
    parser = sub.add_parser(
        "search",
        help="search the catalog (words, typos forgiven, and filters such as venue:CVPR)",
        description="Search the catalog. Filters: venue:CVPR, year:2025, year:2024..2025, "
        "has:code (or arxiv, pdf, project…), kind:dataset, tag:…, author:…",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("query", nargs="*", help="words and filters (quotes optional)")
    parser.add_argument("--json", action="store_true", help="a JSON array of results for scripts")
    parser.add_argument("--limit", type=_positive, default=10, metavar="N", help="at most N (10)")
    parser.add_argument("--catalog", metavar="DIR", help="catalog folder (default: from config)")
    parser.add_argument(
        "--queries",
        metavar="FILE",
        help="run one query per line of FILE ('-' for stdin); prints one JSON array per line",
    )
    parser.set_defaults(handler=run_search)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of results ≥ 1, got {text!r}")
    return int(text)


def run_search(args: argparse.Namespace, settings: Settings) -> int:
    query = " ".join(args.query).strip()
    if not query and not args.queries:
        raise UserError("give a query (e.g. `vadbot search holmes`) or --queries FILE")
    index = open_index(args, settings)
    if args.queries:
        with _open(args.queries) as lines:
            run_queries(index, lines, args.limit, sys.stdout)
        return 0
    result = index.search(query, args.limit)
    if result.error:
        raise QueryError(result.error)
    if args.json:
        print_json([hit_json(h) for h in result.hits])
    else:
        sys.stdout.write(render_text(result))
    return 0


def open_index(args: argparse.Namespace, settings: Settings) -> SearchIndex:
    """The index over the catalog, reusing `search.index_path` when set (and not --catalog)."""
    entries = load_catalog(catalog_dir(args, settings)).entries
    path = settings.search.index_path
    if args.catalog or not path:
        return SearchIndex(entries)
    return build_index(entries, SearchIndexFile(settings.resolve(path)))


def run_queries(index: SearchIndex, lines: Iterable[str], limit: int, out: TextIO) -> None:
    """One compact JSON array per query line; a bad query prints [] and says why on stderr."""
    for number, line in enumerate(lines, 1):
        result = index.search(line.strip(), limit)
        if result.error:
            print(f"line {number}: {result.error}", file=sys.stderr)
        hits = [hit_json(h) for h in result.hits]
        out.write(json.dumps(hits, ensure_ascii=False) + "\n")
        out.flush()


def hit_json(hit: Hit) -> dict[str, Any]:
    """One result for scripts: who it is, where it appeared, its links, how well it matched."""
    e = hit.entry
    return {
        "id": e.id,
        "title": e.title,
        "kind": e.kind,
        "venue": e.venue,
        "year": e.year,
        "links": dict(e.links),
        "score": hit.score,
    }


def render_text(result: SearchResult) -> str:
    """The results for a person at a terminal: numbered lines, links below, "N more"."""
    if not result.hits:
        hint = f" Did you mean '{result.suggestion}'?" if result.suggestion else ""
        return f"No match for '{result.query}'.{hint}\n"
    plural = "s" if result.total != 1 else ""
    lines = [f'{result.total} result{plural} for "{result.query}"']
    for rank, hit in enumerate(result.hits, 1):
        e = hit.entry
        where = " ".join(str(p) for p in (e.venue, e.year) if p)
        lines.append(f"{rank:2}. {e.title}" + (f" — {where}" if where else ""))
        if e.links:
            lines.append("    " + "  ".join(f"{k}: {v}" for k, v in e.links.items()))
    more = result.total - len(result.hits)
    if more > 0:
        lines.append(f"… {more} more (use --limit or add filters)")
    return "\n".join(lines) + "\n"


def _open(name: str) -> TextIO:
    if name == "-":
        return sys.stdin
    try:
        return Path(name).open(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{name}: cannot read the queries file ({exc.strerror})") from None
