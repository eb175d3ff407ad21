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
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.core.catalog.check import (
    build_identity,
    build_prose,
    find_duplicates,
    make_catalog,
    validate_entry,
)
from bot.core.models import Catalog, Entry, ProseBlock
from bot.errors import CatalogError, Problem

LIST_FILE = "list.yaml"
_Loader: type[yaml.BaseLoader] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
"""Every scalar is read as text: no YAML 1.1 guessing turns `arxiv_id: 2410.12340` into the
float 2410.1234 or `title: no` into False. Only a plain (unquoted) `~`/`null` is None, and
`_typed` converts the few numbers (year, order, level) itself. The base loader is also the
fastest (see bench/catalog.py)."""
_NUMBERS = ("year", "order", "level")
_NULLS = ("~", "null", "Null", "NULL")
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.|%)", re.MULTILINE)


def read_catalog_files(root: Path) -> dict[str, str]:
    """Every catalog YAML file below `root`, as {relative posix path: text}."""
    if not root.is_dir():
        raise CatalogError([Problem(str(root), 0, "no catalog folder here")])
    found: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        found += [(prefix + n, os.path.join(folder, n)) for n in names if n.endswith(".yaml")]
    files: dict[str, str] = {}
    for rel, full in sorted(found):
        with open(full, encoding="utf-8") as handle:
            files[rel] = handle.read()
    return files


def parse_catalog(
    files: Mapping[str, str], max_year: int | None = None
) -> tuple[Catalog, list[Problem]]:
    """The catalog in `files` ({path: YAML text}) and every problem found in it."""
    max_year = max_year or date.today().year + 1
    problems: list[Problem] = []
    entries: list[Entry] = []
    identities: list[Entry] = []  # the valid entries and the id/title of invalid ones
    title, intro = "", ""
    prose: tuple[ProseBlock, ...] = ()
    for path, (raw, problem) in _parse_all(files).items():
        text = files[path]
        if problem is not None:
            problems.append(problem)
            continue
        if path == LIST_FILE:
            title, intro, prose, key_problems = build_prose(raw)
        else:
            entry, key_problems = validate_entry(raw, path, max_year)
            if entry is not None:
                entries.append(entry)
            if identity := entry or build_identity(raw, path):
                identities.append(identity)
        problems += [Problem(path, locate(text, key), msg) for key, msg in key_problems]
    for dup in find_duplicates(identities):
        problems.append(Problem(dup.path, locate(files[dup.path], dup.key), dup.message))
    return make_catalog(title, intro, entries, prose), problems


def load_catalog(root: Path) -> Catalog:
    """The catalog below `root`; raises CatalogError listing every problem."""
    catalog, problems = parse_catalog(read_catalog_files(root))
    if problems:
        raise CatalogError(problems)
    return catalog


def _parse_all(files: Mapping[str, str]) -> dict[str, tuple[Any, Problem | None]]:
    """Every file's data; all files as one YAML stream when that is safe (a third faster).

    A key given twice in a file is a problem: YAML keeps the last silently, losing the first."""
    texts = list(files.values())
    if not any(_DOC_MARKER.search(text) for text in texts):
        try:
            docs, twice = _load_stream("\n---\n".join(texts))
        except (yaml.YAMLError, TypeError, NotPlainData):
            docs, twice = [], []  # some file is broken: parse one by one to name it and its line
        if len(docs) == len(texts):
            parsed: dict[str, tuple[Any, Problem | None]] = {
                path: (_typed(doc), None) for path, doc in zip(files, docs, strict=True)
            }
            for index, key in twice:
                path = list(files)[index]
                parsed[path] = (None, _twice(path, files[path], key))
            return parsed
    return {path: parse_yaml_file(path, text) for path, text in files.items()}


def _twice(path: str, text: str, key: str) -> Problem:
    message = f"key '{key}' is given twice; the second would silently replace the first"
    return Problem(path, locate(text, key), message)


_NO_KEY = object()


class NotPlainData(Exception):
    """An anchor or alias in a catalog file: refused, as an alias bomb would exhaust memory."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}")
        self.line = line


def _load_stream(text: str) -> tuple[list[Any], list[tuple[int, str]]]:
    """The documents of a YAML stream, built straight from parser events (twice as fast as
    `yaml.load_all`: no node graph), and the (document, key path) of every repeated key.

    Catalog files are plain data: the first anchor or alias raises NotPlainData, before any
    of a "billion laughs" is built. A plain `~`/`null` is None; a quoted one is the text."""
    docs: list[Any] = []
    twice: list[tuple[int, str]] = []
    stack: list[Any] = []
    keys: list[Any] = []
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if getattr(event, "anchor", None) is not None or kind is yaml.AliasEvent:
            raise NotPlainData(event.start_mark.line + 1 if event.start_mark else 1)
        if isinstance(event, yaml.ScalarEvent):
            value: Any = event.value
            is_key = bool(stack) and type(stack[-1]) is dict and keys[-1] is _NO_KEY
            if not is_key and not event.style and value in _NULLS:
                value = None
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            stack.append({} if kind is yaml.MappingStartEvent else [])
            keys.append(_NO_KEY)
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value = stack.pop()
            keys.pop()
        else:
            continue  # stream and document start/end
        if not stack:
            docs.append(value)
        elif type(stack[-1]) is list:
            stack[-1].append(value)
        elif keys[-1] is _NO_KEY:
            keys[-1] = value
        else:
            if keys[-1] in stack[-1]:
                parent = keys[-2] if len(keys) > 1 and isinstance(keys[-2], str) else ""
                twice.append((len(docs), f"{parent}.{keys[-1]}" if parent else str(keys[-1])))
            stack[-1][keys[-1]] = value
            keys[-1] = _NO_KEY
    return docs, twice


def _typed(raw: Any) -> Any:
    """year/order/level as whole numbers when they are written as one."""
    if isinstance(raw, list):
        return [_typed(item) for item in raw]
    if not isinstance(raw, dict):
        return raw
    typed = {key: _typed(value) for key, value in raw.items()}
    for key in _NUMBERS:
        value = typed.get(key)
        if isinstance(value, str) and (value == "" or value.strip().lstrip("-").isdigit()):
            typed[key] = int(value) if value else None
    return typed


def parse_yaml_file(path: str, text: str) -> tuple[Any, Problem | None]:
    """The data of one catalog YAML file, or the problem (with its line) that prevents it."""
    try:
        docs, twice = _load_stream(text)
    except NotPlainData as exc:
        message = "anchors and aliases (&a, *a) are not allowed: write the value out"
        return None, Problem(path, exc.line, message)
    except TypeError:
        return None, Problem(path, 1, "a key must be text, not a list or a mapping")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        return None, Problem(path, line, f"YAML syntax error: {reason}")
    if len(docs) > 1:
        return None, Problem(path, 1, "one YAML document per file (remove the extra '---')")
    if twice:
        return None, _twice(path, text, twice[0][1])
    return _typed(docs[0] if docs else None), None


def locate(text: str, key: str) -> int:
    """The 1-based line of a dotted key (`links.code`, `prose[2]`) in YAML text; 1 if not found."""
    line = 0
    lines = text.splitlines()
    for depth, (part, index) in enumerate(_key_parts(key)):
        pattern = re.compile(
            rf"^\s{{{2 * depth if depth else 0},}}-?\s*['\"]?{re.escape(part)}['\"]?\s*:"
        )
        for i in range(line, len(lines)):
            if pattern.match(lines[i]):
                line = i
                break
        if index is not None:
            items = [i for i in range(line + 1, len(lines)) if re.match(r"\s*- ", lines[i])]
            line = items[index] if index < len(items) else line
    return line + 1


def _key_parts(key: str) -> Iterator[tuple[str, int | None]]:
    for part in key.split("."):
        name, _, index = part.partition("[")
        if name:
            yield name, int(index.rstrip("]")) if index.rstrip("]").isdigit() else None


# ---------------------------------------------------------------------------- writing

ENTRY_KEY_ORDER = (
    "id",
    "kind",
    "title",
    "short_name",
    "venue",
    "year",
    "section",
    "order",
    "arxiv_id",
    "authors",
    "links",
    "summary",
    "tags",
    "preview",
    "note",
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


# Multi-line text as `|` blocks, so summaries and prose stay readable and diff well.
_BlockDumper: type[yaml.SafeDumper] = type("_BlockDumper", (yaml.SafeDumper,), {})
_BlockDumper.add_representer(str, _represent_str)
# libyaml writes the same text about 4× faster (a 10,000-entry import spent 5 s here), except
# that it escapes emoji ("\U0001F4CA") and the other characters below, and ends a document whose
# last text keeps trailing newlines with "..."; such data goes to the pure Python dumper.
_CBlockDumper: Any = None
if hasattr(yaml, "CSafeDumper"):
    _CBlockDumper = type("_CBlockDumper", (yaml.CSafeDumper,), {})
    _CBlockDumper.add_representer(str, _represent_str)
_LIBYAML_DIFFERS = re.compile("[\x85\u2028\u2029\U00010000-\U0010ffff]|\n\\s*\\Z")


def _dump(data: Any) -> str:
    dumper = _BlockDumper if _CBlockDumper is None or _libyaml_differs(data) else _CBlockDumper
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=10**6)


def _libyaml_differs(data: Any) -> bool:
    """True when libyaml would write some text of `data` otherwise than the Python dumper."""
    if isinstance(data, str):
        return _LIBYAML_DIFFERS.search(data) is not None
    if isinstance(data, Mapping):
        return any(_libyaml_differs(v) for v in data.values())
    if isinstance(data, (list, tuple)):
        return any(_libyaml_differs(v) for v in data)
    return False


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


def write_files(
    root: Path, files: Mapping[str, str], progress: Callable[[], None] | None = None
) -> None:
    """Write many new files into the empty folder `root` ({relative path: text}), one sync.

    For a fresh folder (`catalog import`): an fsync per file made 10,000 entries take ~10 s
    (bench/catalog_import.py). The files are written into a hidden folder inside `root` (the
    loader skips it), the disk is synced once, and then the few top-level names (`list.yaml`,
    `papers/`, …) are renamed into place: an import stopped at any point, even by a crash,
    leaves no half-written file where the catalog is read. Files that readers may see while
    they change keep `write_atomic`."""
    one_sync = hasattr(os, "sync")  # not on Windows: fsync each file there
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".importing-"))
    try:
        folders: set[Path] = set()
        for rel, text in files.items():
            path = staging / rel
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                if not one_sync:
                    handle.flush()
                    os.fsync(handle.fileno())
            if progress is not None:
                progress()
        if one_sync:
            os.sync()
        for item in sorted(staging.iterdir()):
            os.replace(item, root / item.name)
        _sync_folder(root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable (POSIX; Windows cannot open a folder)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
