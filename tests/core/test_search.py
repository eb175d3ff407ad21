"""Search behaviour on small catalogs built here: fields, filters, restore, the reply."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.models import Entry
from bot.core.search.engine import SearchIndex, build_index, search_reply
from bot.core.search.postings import IndexSnapshot
from bot.core.search.query import parse_query


def entry(id: str, title: str, **fields: object) -> Entry:
    return Entry(id=id, kind=str(fields.pop("kind", "paper")), title=title, **fields)  # type: ignore[arg-type]


ENTRIES = [
    entry(
        "a",
        "Anomaly Agents for Streets",
        year=2023,
        venue="CVPR",
        summary="traffic 交通异常",
        tags=("agents", "traffic"),
        authors=("Mei Zhang", "Ana Silva"),
    ),
    entry(
        "b",
        "Street Scenes: A Benchmark",
        kind="dataset",
        year=2024,
        venue="ECCV Workshop",
        links={"project": "https://example.org/b"},
        authors=("Li Wei",),
    ),
    entry(
        "c",
        "GlowNet: Light Models",
        year=2025,
        venue="ICCV",
        summary="about agents",
        links={"code": "https://github.com/x/glow", "arxiv": "https://arxiv.org/abs/2501.1"},
    ),
    entry(
        "d",
        "Quiet Hours",
        year=2025,
        venue="arXiv",
        arxiv_id="2502.00001",
        summary="夜间监控视频中的异常推理",
        tags=("night",),
    ),
]


@pytest.fixture
def index() -> SearchIndex:
    return SearchIndex(ENTRIES)


def ids(index: SearchIndex, query: str, limit: int = 10) -> list[str]:
    return [h.entry.id for h in index.search(query, limit).hits]


def test_a_title_match_outranks_a_summary_match(index: SearchIndex) -> None:
    assert ids(index, "agents") == ["a", "c"]


def test_tags_and_authors_are_searched(index: SearchIndex) -> None:
    assert ids(index, "night") == ["d"]
    assert ids(index, "silva") == ["a"]


def test_author_and_tag_filters(index: SearchIndex) -> None:
    assert ids(index, "author:zhang") == ["a"]
    assert ids(index, "author:wei") == ["b"]
    assert ids(index, "tag:traffic") == ["a"]
    assert ids(index, "tag:nothing") == []


def test_has_arxiv_counts_an_arxiv_id_as_well_as_a_link(index: SearchIndex) -> None:
    assert ids(index, "has:arxiv") == ["c", "d"]
    assert ids(index, "has:code") == ["c"]


def test_venue_matches_a_word_or_the_start_never_the_middle(index: SearchIndex) -> None:
    assert ids(index, "venue:eccv") == ["b"]
    assert ids(index, "venue:workshop") == ["b"]
    assert ids(index, "venue:CV") == ["a"]  # CVPR starts with it; ICCV does not
    assert ids(index, 'venue:"ECCV Workshop"') == ["b"]


def test_year_ranges_open_and_reversed(index: SearchIndex) -> None:
    assert ids(index, "year:2024..") == ["c", "d", "b"]
    assert ids(index, "year:..2023") == ["a"]
    assert ids(index, "year:2025..2024") == ["c", "d", "b"]
    assert ids(index, "year:>2024 kind:paper") == ["c", "d"]


def test_repeating_a_filter_means_either_value(index: SearchIndex) -> None:
    assert ids(index, "venue:CVPR venue:ICCV") == ["c", "a"]


def test_every_word_must_match(index: SearchIndex) -> None:
    assert ids(index, "agents quiet") == []
    assert ids(index, "agents glownet") == ["c"]  # its summary says agents
    assert ids(index, "agents streets") == ["a"]


def test_chinese_words_match_by_character_pairs(index: SearchIndex) -> None:
    assert ids(index, "异常") == ["d", "a"]
    assert ids(index, "异常推理") == ["d"]
    assert ids(index, "监控 glownet") == []
    assert ids(index, "交通 agents") == ["a"]


def test_short_typos_are_not_guessed(index: SearchIndex) -> None:
    # three letters leave too little to tell a typo from another word
    assert ids(index, "agt") == []
    assert ids(index, "agnets") == ["a", "c"]


def test_an_empty_query_asks_for_words(index: SearchIndex) -> None:
    result = index.search("   ")
    assert result.error is not None
    assert "venue:CVPR" in result.error


def test_limit_cuts_hits_not_the_total(index: SearchIndex) -> None:
    result = index.search("kind:paper", 2)
    assert result.total == 3
    assert len(result.hits) == 2


def test_urls_and_titles_with_colons_are_words_not_filters() -> None:
    query = parse_query("GlowNet: https://github.com/x/glow")
    assert query.words == ("GlowNet:", "https://github.com/x/glow")
    assert query.filters.is_empty()


def test_reply_for_a_filter_alone_shows_venue_year_and_links(index: SearchIndex) -> None:
    (card,) = search_reply(index, "has:code").cards
    (item,) = card.items
    assert (item.title, item.body, item.url) == ("GlowNet: Light Models", "ICCV 2025", item.url)
    assert [link.label for link in item.links] == ["code", "arxiv"]
    assert card.footer == ""


def test_reply_to_a_malformed_filter_is_its_message(index: SearchIndex) -> None:
    assert "year:2024..2025" in search_reply(index, "year:soon").text


# ---------------------------------------------------------------------------- restore


class MemoryStore:
    """A SearchIndexStore in memory, counting saves."""

    def __init__(self) -> None:
        self.saved: IndexSnapshot | None = None
        self.saves = 0

    def load(self) -> IndexSnapshot | None:
        return self.saved

    def save(self, snapshot: IndexSnapshot) -> None:
        self.saved = snapshot
        self.saves += 1


def catalog(count: int) -> list[Entry]:
    return [
        entry(f"e{n}", f"Method{n} for anomalies", year=2020 + n % 6, summary=f"word{n} 视频")
        for n in range(count)
    ]


def test_restore_finds_changed_added_and_not_removed_entries() -> None:
    store = MemoryStore()
    before = catalog(40)
    build_index(before, store)
    after = before[1:]  # e0 removed
    after[5] = dataclasses.replace(after[5], summary="rewritten 新摘要")
    after.append(entry("new", "Brandnew Thing", year=2026))
    index = build_index(after, store)
    assert store.saves == 2
    assert "e0" not in ids(index, "method0", 50)
    assert ids(index, "新摘要") == [after[5].id]
    assert after[5].id not in ids(index, f"word{after[5].id[1:]}", 50)
    assert ids(index, "brandnew") == ["new"]
    assert index.search("视频").total == 38  # e0 removed, one rewritten
    assert index.search("year:2026").total == 1


def test_restore_of_an_unchanged_catalog_saves_nothing() -> None:
    store = MemoryStore()
    build_index(catalog(10), store)
    index = build_index(catalog(10), store)
    assert store.saves == 1
    assert ids(index, "method3") == ["e3"]


def test_restore_after_many_changes_rebuilds_in_full() -> None:
    store = MemoryStore()
    build_index(catalog(10), store)
    index = build_index(catalog(10)[5:], store)
    assert store.saved is not None
    assert "" not in store.saved.ids  # nothing dead kept: a full build
    assert len(index) == 5


def test_restored_and_fresh_indexes_agree() -> None:
    store = MemoryStore()
    build_index(catalog(60), store)
    changed = catalog(60)
    changed[7] = dataclasses.replace(changed[7], title="Renamed Approach")
    restored, fresh = build_index(changed, store), SearchIndex(changed)
    for query in ("renamed", "method7", "anomalies year:2022", "视频", "approch"):
        assert restored.search(query).total == fresh.search(query).total
        assert {h.entry.id for h in restored.search(query, 60).hits} == {
            h.entry.id for h in fresh.search(query, 60).hits
        }
