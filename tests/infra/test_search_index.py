"""The search index file: what is saved comes back, and a bad file means a rebuild."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.core.models import Entry
from bot.core.search.engine import SearchIndex, build_index
from bot.infra.search_index import SearchIndexFile

ENTRIES = [
    Entry(
        id="vera",
        kind="paper",
        title="VERA: Explainable VAD",
        venue="CVPR",
        year=2025,
        summary="口头推理",
        links={"code": "https://github.com/vera-framework/VERA"},
    ),
    Entry(id="hawk", kind="paper", title="HAWK: Open-World Video Anomalies", year=2024),
    Entry(id="ucf", kind="dataset", title="UCF-Crime", summary="surveillance videos"),
]


def test_a_saved_index_answers_like_the_one_it_was_saved_from(tmp_path: Path) -> None:
    store = SearchIndexFile(tmp_path / "var" / "search-index.bin")
    original = SearchIndex(ENTRIES)
    store.save(original.snapshot())
    saved = store.load()
    assert saved is not None
    assert saved.ids == ("vera", "hawk", "ucf")
    restored = SearchIndex.restore(ENTRIES, saved)
    for query in ("vera", "推理", "kind:dataset", "hawk year:2024", "has:code", "verra"):
        assert restored.search(query) == original.search(query)


def test_build_index_keeps_the_file_in_step_with_the_catalog(tmp_path: Path) -> None:
    path = tmp_path / "search-index.bin"
    build_index(ENTRIES, SearchIndexFile(path))
    changed = [*ENTRIES[:2], dataclasses.replace(ENTRIES[2], summary="crime scenes 犯罪")]
    build_index(changed, SearchIndexFile(path))
    index = build_index(changed, SearchIndexFile(path))
    assert [h.entry.id for h in index.search("犯罪").hits] == ["ucf"]
    assert index.search("surveillance").total == 0


def test_a_missing_or_damaged_file_reads_as_no_index(tmp_path: Path) -> None:
    path = tmp_path / "search-index.bin"
    assert SearchIndexFile(path).load() is None
    SearchIndexFile(path).save(SearchIndex(ENTRIES).snapshot())
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    assert SearchIndexFile(path).load() is None
    path.write_bytes(b"something else entirely")
    assert SearchIndexFile(path).load() is None
    index = build_index(ENTRIES, SearchIndexFile(path))  # rebuilt and saved again
    assert index.search("hawk").total == 1
    assert SearchIndexFile(path).load() is not None


def test_an_empty_catalog_saves_and_loads(tmp_path: Path) -> None:
    store = SearchIndexFile(tmp_path / "search-index.bin")
    store.save(SearchIndex([]).snapshot())
    saved = store.load()
    assert saved is not None
    assert SearchIndex.restore([], saved).search("anything").total == 0
