"""`vadbot catalog …`: check, list, import and render the list."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import re
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli.common import catalog_dir, print_json
from bot.cli.history import add_changes_command
from bot.core.models import Entry
from bot.errors import CatalogError, Problem, UserError
from bot.infra.yaml_files import (
    LIST_FILE,
    build_catalog_files,
    entry_path,
    load_catalog,
    parse_catalog,
    read_catalog_files,
    write_atomic,
    write_files,
)
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.catalog.importer import ImportResult
    from bot.core.refresh import Finding

BIG_LIST = 200
"""Entries from which `import` draws a progress bar."""


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

    importing = commands.add_parser(
        "import",
        help="turn an awesome list (Markdown) into catalog files",
        description="Read an awesome list and write one YAML file per entry plus list.yaml. "
        "Lines that fit nowhere are reported as LIST.md:line (exit 1); none is dropped silently.",
    )
    importing.add_argument("source", metavar="LIST.md", help="the awesome list to read")
    importing.add_argument("--out", metavar="DIR", help="catalog folder to write")
    importing.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be created (counts per section, first entries) and write nothing",
    )
    importing.add_argument(
        "--force", action="store_true", help="write into a non-empty DIR, replacing its *.yaml"
    )
    importing.add_argument("--json", action="store_true", help="a JSON report for scripts")
    importing.set_defaults(handler=run_import)

    render = commands.add_parser(
        "render", help="the awesome list as Markdown (stdout, or --out FILE)"
    )
    _catalog_option(render)
    render.add_argument("--out", metavar="FILE", help="write here (atomically) instead of stdout")
    render.set_defaults(handler=run_render)
    refresh = commands.add_parser(
        "refresh",
        help="what arXiv now says about incomplete entries (venue, code, id); posts nothing",
    )
    _catalog_option(refresh)
    refresh.add_argument("--json", action="store_true", help="a JSON array for scripts")
    refresh.set_defaults(handler=run_refresh)
    add_changes_command(commands)


def _catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalog", metavar="DIR", help="catalog folder (default: from config)")


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    root = catalog_dir(args, settings)
    catalog, problems = parse_catalog(read_catalog_files(root))
    if problems:
        raise CatalogError([dataclasses.replace(p, path=_shown(root / p.path)) for p in problems])
    if not catalog.entries:
        raise UserError(f"{root}: no catalog entries here; is this the catalog folder?")
    print(f"{root}: {len(catalog.entries)} entries, no problems")
    return 0


def _shown(path: Path) -> str:
    """A path as the user can open it from where vadbot runs: relative below it, else absolute."""
    full = path.absolute()
    with contextlib.suppress(ValueError):
        return str(full.relative_to(Path.cwd()))
    return str(full)


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A write that fails (read-only place, a folder in the way, a full disk) is one line."""
    try:
        yield
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


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


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.catalog.importer import parse_awesome_list

    if not args.out and not args.dry_run:
        raise UserError("say where to write the catalog: --out DIR (or --dry-run to preview)")
    source = Path(args.source)
    text = _read_list(source)
    if not text.strip():
        raise UserError(f"{source} is empty: nothing to import")
    result = parse_awesome_list(text)
    problems = [dataclasses.replace(p, path=str(source)) for p in result.problems]
    files = build_catalog_files(result.catalog())
    _, invalid = parse_catalog(files)
    entries = _without_invalid(result.entries, files, invalid, problems, source)
    if args.dry_run:
        _print_preview(entries, len(result.prose))
        _report_problems(problems, result, entries, args.json)
        return 1 if problems else 0
    out = Path(args.out)
    fresh = _prepare_out(out, args.force)
    from bot.progress import Progress

    with _writing(out), Progress("import", len(files)) as bar:
        bar.enabled = bar.enabled and len(files) >= BIG_LIST
        if fresh:
            write_files(out, files, bar.advance)
        else:
            for rel, content in files.items():
                write_atomic(out / rel, content)
                bar.advance()
    _report_import(args, entries, len(result.prose), out, problems)
    _report_problems(problems, result, entries, args.json)
    return 1 if problems else 0


def _without_invalid(
    entries: tuple[Entry, ...],
    files: dict[str, str],
    invalid: list[Problem],
    problems: list[Problem],
    source: Path,
) -> tuple[Entry, ...]:
    """Entries whose file `catalog check` would refuse are left out, each reported with its
    source line, so that what is written always passes the check."""
    bad = {p.path for p in invalid if p.path != LIST_FILE}
    by_path = {entry_path(e): e for e in entries}
    for problem in invalid:
        entry = by_path.get(problem.path)
        line = entry.order if entry else 0
        problems.append(Problem(str(source), line, f"left out: {problem.message}"))
    for path in bad:
        files.pop(path, None)
    return tuple(e for e in entries if entry_path(e) not in bad)


def _print_preview(entries: tuple[Entry, ...], prose: int, shown: int = 3) -> None:
    """Counts per section and the first entries of each: was the list understood?"""
    sections: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        sections.setdefault((entry.kind, entry.section or "(no section)"), []).append(entry)
    print(
        f"would create {len(entries)} entries and {prose} prose blocks (dry run: nothing written)"
    )
    for (kind, section), members in sections.items():
        print(f"{section}: {len(members)} {kind}{'s' if len(members) != 1 else ''}")
        for entry in members[:shown]:
            where = " ".join(str(p) for p in (entry.venue, entry.year) if p)
            print(f"  - {entry.title[:70]}{f' ({where})' if where else ''}")
        if len(members) > shown:
            print(f"  … and {len(members) - shown} more")


def _read_list(source: Path) -> str:
    """The list's text; UTF-8 with or without a byte-order mark, else a UserError."""
    try:
        # NUL is never meant in a Markdown list and would end up inside the YAML files.
        return source.read_text(encoding="utf-8-sig").replace("\0", "")
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise UserError(
            f"{source}:{line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}): save the list as UTF-8 and import again"
        ) from exc


def _prepare_out(out: Path, force: bool) -> bool:
    """Refuse a non-empty folder unless --force; with it, old entry files go first.

    True when the folder is fresh (absent or empty): nobody reads it while it is written."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UserError(f"{out} is not empty; pass --force to replace its catalog files")
        with _writing(out):
            for old in out.rglob("*.yaml"):
                old.unlink()
        return False
    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {out}: permission denied")
    return True


def _report_import(
    args: argparse.Namespace,
    entries: tuple[Entry, ...],
    prose: int,
    out: Path,
    problems: list[Problem],
) -> None:
    kinds = Counter(e.kind for e in entries)
    if args.json:
        print_json(
            {
                "out": str(out),
                "entries": len(entries),
                "kinds": dict(kinds),
                "prose": prose,
                "ids": [e.id for e in entries],
                "problems": [dataclasses.asdict(p) for p in problems],
            }
        )
    else:
        counts = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        print(f"{out}: {len(entries)} entries ({counts}) and {prose} prose blocks")


GROUPED = 3
"""Problems of one kind shown before the rest are counted, not printed."""


def _report_problems(
    problems: list[Problem], result: ImportResult, entries: tuple[Entry, ...], as_json: bool
) -> None:
    """Problems grouped by kind, merged repeats, then one summary line (all on stderr)."""
    groups: dict[str, list[Problem]] = {}
    for problem in sorted(problems, key=lambda p: p.line):
        groups.setdefault(_problem_kind(problem.message), []).append(problem)
    for kind, members in groups.items():
        for problem in members[:GROUPED]:
            print(problem, file=sys.stderr)
        if len(members) > GROUPED:
            print(f"  … and {len(members) - GROUPED} more: {kind}", file=sys.stderr)
    if result.notes:
        first = result.notes[0]
        print(
            f"{len(result.notes)} paper(s) listed more than once, merged into one entry each "
            f"(first at line {first.line})",
            file=sys.stderr,
        )
    kinds = Counter(e.kind for e in entries)
    counts = ", ".join(
        f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(kinds.items(), key=_paper_first)
    )
    skipped = len(problems) + result.skipped
    tail = " — see above" if problems else ""
    print(f"{counts or 'no entries'}, {skipped} lines skipped{tail}", file=sys.stderr)


def _paper_first(item: tuple[str, int]) -> tuple[int, str]:
    return (0 if item[0] == "paper" else 1 if item[0] == "dataset" else 2, item[0])


def _problem_kind(message: str) -> str:
    """A problem's message without its particulars (quoted text, URLs, numbers)."""
    text = re.sub(r"'.*'|\"[^\"]*\"|\S+://\S+|\S+:\S+@\S+|\d+", "…", message)
    return text.split(":")[0].strip()


def run_render(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core.catalog.render import render_markdown

    markdown = render_markdown(load_catalog(catalog_dir(args, settings)))
    if args.out:
        out = Path(args.out)
        if out.is_dir():
            raise UserError(
                f"--out {out} is a folder: give the file to write, e.g. {out}/README.md"
            )
        with _writing(out):
            write_atomic(out, markdown)
        print(f"{args.out}: {markdown.count(chr(10))} lines")
    else:
        sys.stdout.write(markdown)
    return 0


def run_refresh(args: argparse.Namespace, settings: Settings) -> int:
    """Print the catalog refresh's findings (those dismissed or applied in chat left out)."""
    import asyncio

    from bot.core.refresh import find_updates
    from bot.errors import FeedError
    from bot.infra.arxiv_http import ArxivClient

    catalog = load_catalog(catalog_dir(args, settings))
    closed = _closed_fixes(settings)

    async def find() -> list[Finding]:
        async with ArxivClient(settings.arxiv) as client:
            return await find_updates(catalog.entries, client, datetime.now(UTC).year, closed)

    try:
        findings = asyncio.run(find())
    except FeedError as exc:
        raise UserError(f"arXiv: {exc}") from None
    if args.json:
        print_json([finding_json(f) for f in findings])
        return 0
    for finding in findings:
        sys.stdout.write(finding.describe() + "\n")
    if not findings:
        print(f"{len(catalog.entries)} entries: nothing new from arXiv")
    return 0


def _closed_fixes(settings: Settings) -> set[str]:
    path = settings.resolve(settings.state.path)
    if not path.is_file():
        return set()
    from bot.infra.fix_book import FixBook
    from bot.infra.state import Database

    db = Database(path)
    try:
        return FixBook(db).closed()
    finally:
        db.close()


def finding_json(finding: Finding) -> dict[str, Any]:
    """A finding as a JSON object, with the key its proposal post has."""
    f = finding
    return {
        "entry_id": f.entry_id,
        "name": f.name,
        "field": f.field,
        "value": f.value,
        "before": f.before,
        "source": f.source,
        "key": f.key,
    }
