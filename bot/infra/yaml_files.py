"""The catalog on disk: one YAML file per entry, plus `list.yaml` for the list's prose.

    catalog/
      list.yaml                   title, intro, prose blocks (overview, notes, related lists)
      papers/<year>/<id>.yaml     one entry each (the folder is for people; `kind` decides)
      datasets/<id>.yaml
      …
      README.md, SCHEMA.md        rendered list and the schema; not read by the loader

Loading reads every `*.yaml` below the root. Problems come back as `path:line: message`, every
one at once; YAML is parsed with the C loader when available (about 10× faster).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.core.catalog import build_prose, find_duplicates, make_catalog, validate_entry
from bot.core.models import Catalog, Entry, ProseBlock
from bot.errors import CatalogError, Problem

LIST_FILE = "list.yaml"
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def read_catalog_files(root: Path) -> dict[str, str]:
    """Every catalog YAML file below `root`, as {relative posix path: text}."""
    if not root.is_dir():
        raise CatalogError([Problem(str(root), 0, "no catalog folder here")])
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        files[rel] = path.read_text(encoding="utf-8")
    return files


def parse_catalog(
    files: Mapping[str, str], max_year: int | None = None
) -> tuple[Catalog, list[Problem]]:
    """The catalog in `files` ({path: YAML text}) and every problem found in it."""
    max_year = max_year or date.today().year + 1
    problems: list[Problem] = []
    entries: list[Entry] = []
    title, intro = "", ""
    prose: tuple[ProseBlock, ...] = ()
    for path, text in files.items():
        raw, problem = _parse_yaml(path, text)
        if problem is not None:
            problems.append(problem)
            continue
        if path == LIST_FILE:
            title, intro, prose, key_problems = build_prose(raw)
        else:
            entry, key_problems = validate_entry(raw, path, max_year)
            if entry is not None:
                entries.append(entry)
        problems += [Problem(path, locate(text, key), msg) for key, msg in key_problems]
    for dup in find_duplicates(entries):
        problems.append(Problem(dup.path, locate(files[dup.path], dup.key), dup.message))
    return make_catalog(title, intro, entries, prose), problems


def load_catalog(root: Path) -> Catalog:
    """The catalog below `root`; raises CatalogError listing every problem."""
    catalog, problems = parse_catalog(read_catalog_files(root))
    if problems:
        raise CatalogError(problems)
    return catalog


def _parse_yaml(path: str, text: str) -> tuple[Any, Problem | None]:
    try:
        return yaml.load(text, Loader=_Loader), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, Problem(path, line, f"YAML syntax error: {reason}")


def locate(text: str, key: str) -> int:
    """The 1-based line of a dotted key (`links.code`, `prose[2]`) in YAML text; 1 if not found."""
    line = 0
    lines = text.splitlines()
    for depth, part in enumerate(_key_parts(key)):
        pattern = re.compile(
            rf"^\s{{{2 * depth if depth else 0},}}-?\s*['\"]?{re.escape(part)}['\"]?\s*:"
        )
        for i in range(line, len(lines)):
            if pattern.match(lines[i]):
                line = i
                break
    return line + 1


def _key_parts(key: str) -> Iterator[str]:
    for part in key.split("."):
        name = part.split("[", 1)[0]
        if name:
            yield name


# ---------------------------------------------------------------------------- writing

ENTRY_KEY_ORDER = (
    "id", "kind", "title", "short_name", "venue", "year", "section", "order", "arxiv_id",
    "authors", "links", "summary", "tags", "preview", "note",
)  # fmt: skip


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


# Multi-line text as `|` blocks, so summaries and prose stay readable and diff well.
_BlockDumper: type[yaml.SafeDumper] = type("_BlockDumper", (_Dumper,), {})
_BlockDumper.add_representer(str, _represent_str)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=10**6)


def dump_entry(entry: Entry) -> str:
    """YAML text for one entry: keys in a fixed order, empty optional keys left out."""
    data: dict[str, Any] = {}
    for key in ENTRY_KEY_ORDER:
        value = getattr(entry, key)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        if value or key in ("id", "kind", "title", "summary"):
            data[key] = value
    return _dump(data)


def dump_list(title: str, intro: str, prose: Iterable[ProseBlock]) -> str:
    """YAML text of `list.yaml`: the list's title, intro and prose blocks."""
    blocks = [
        {"id": b.id, "title": b.title, "level": b.level, "order": b.order, "body": b.body}
        for b in prose
    ]
    return _dump({"title": title, "intro": intro, "prose": blocks})


def build_catalog_files(catalog: Catalog) -> dict[str, str]:
    """Every file of a catalog as {relative path: YAML text}, `list.yaml` first."""
    files = {LIST_FILE: dump_list(catalog.title, catalog.intro, catalog.prose)}
    for entry in catalog.entries:
        files[entry_path(entry)] = dump_entry(entry)
    return files


def entry_path(entry: Entry) -> str:
    """Where an entry's file goes, relative to the catalog root."""
    if entry.kind == "paper":
        return f"papers/{entry.year or 'undated'}/{entry.id}.yaml"
    folder = {"dataset": "datasets", "resource": "resources"}.get(entry.kind, entry.kind)
    return f"{folder}/{entry.id}.yaml"


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a reader sees the old text or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
