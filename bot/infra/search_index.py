"""The search index on disk: one binary file, so that a restart reads it instead of every entry.

    magic "VADSIDX1" · header length (8 bytes, little-endian) · JSON header (counts)
    terms ("\\n"-joined UTF-8) · entry ids ("\\n"-joined) · offsets int64 · docs int32
    · masks uint8 · fingerprints uint32

Arrays are read with `numpy.frombuffer` (no parsing), so 100,000 entries load in milliseconds.
A file that is missing, from another version or damaged reads as "no index" (a full build),
never as an error: the index can always be rebuilt from the catalog.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.models import Entry
from bot.core.search.engine import SearchIndex, build_index
from bot.core.search.postings import IndexSnapshot, Postings
from bot.settings import Settings

log = logging.getLogger(__name__)

MAGIC = b"VADSIDX1"
VERSION = 1


class SearchIndexFile:
    """A SearchIndexStore kept in one file (`search.index_path` in the settings)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> IndexSnapshot | None:
        """The saved index, or None when there is none or it cannot be read."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("search index %s unreadable (%s); rebuilding", self.path, exc.strerror)
            return None
        try:
            return parse_index(data)
        except (ValueError, KeyError, UnicodeDecodeError) as exc:
            log.warning("search index %s damaged (%s); rebuilding", self.path, exc)
            return None

    def save(self, snapshot: IndexSnapshot) -> None:
        """Replace the saved index atomically (a reader sees the old file or the new one). The
        file is a cache: where it cannot be written, search works from memory and says so."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        except OSError as exc:
            log.warning("search index not kept at %s (%s): searching from memory", self.path, exc)
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in render_index(snapshot):
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def render_index(snapshot: IndexSnapshot) -> list[bytes]:
    """The file's bytes, in chunks."""
    p = snapshot.postings
    terms = "\n".join(p.terms).encode("utf-8")
    ids = "\n".join(snapshot.ids).encode("utf-8")
    header = {
        "version": VERSION,
        "terms": len(p.terms),
        "entries": len(snapshot.ids),
        "postings": int(p.docs.size),
        "terms_bytes": len(terms),
        "ids_bytes": len(ids),
    }
    head = json.dumps(header).encode("ascii")
    arrays = (
        p.offsets.astype("<i8"),
        p.docs.astype("<i4"),
        p.masks.astype("u1"),
        snapshot.prints.astype("<u4"),
    )
    return [
        MAGIC,
        len(head).to_bytes(8, "little"),
        head,
        terms,
        ids,
        *(a.tobytes() for a in arrays),
    ]


def parse_index(data: bytes) -> IndexSnapshot:
    """An index from the file's bytes; ValueError when they are not one."""
    if data[: len(MAGIC)] != MAGIC:
        raise ValueError("not a vadbot search index")
    at = len(MAGIC) + 8
    size = int.from_bytes(data[len(MAGIC) : at], "little")
    header = json.loads(data[at : at + size])
    if header["version"] != VERSION:
        raise ValueError(f"index version {header['version']}, expected {VERSION}")
    at += size
    terms_text, at = (
        data[at : at + header["terms_bytes"]].decode("utf-8"),
        at + header["terms_bytes"],
    )
    ids_text, at = data[at : at + header["ids_bytes"]].decode("utf-8"), at + header["ids_bytes"]
    n_terms, n_entries, n_postings = header["terms"], header["entries"], header["postings"]
    shapes = (("<i8", n_terms + 1), ("<i4", n_postings), ("u1", n_postings), ("<u4", n_entries))
    arrays = []
    for dtype, count in shapes:
        arrays.append(np.frombuffer(data, dtype=dtype, count=count, offset=at))
        at += arrays[-1].nbytes
    if at != len(data):
        raise ValueError("index file has the wrong length")
    terms = tuple(terms_text.split("\n")) if n_terms else ()
    ids = tuple(ids_text.split("\n")) if n_entries else ()
    if len(terms) != n_terms or len(ids) != n_entries:
        raise ValueError("index header does not match its contents")
    offsets, docs, masks, prints = arrays
    return IndexSnapshot(ids, prints, Postings(terms, offsets, docs, masks))


def build_search_index(settings: Settings, entries: Sequence[Entry]) -> SearchIndex:
    """The search index, reusing the saved one at `search.index_path` when set."""
    path = settings.search.index_path
    return build_index(entries, SearchIndexFile(settings.resolve(path)) if path else None)
