"""The fast reader gives exactly what feedparser gives, on every arXiv sample we have."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from bot.core.arxiv.watch import parse_feed
from bot.errors import FeedError
from bot.infra.arxiv_http import parse_known_layout
from tests.fakes.arxiv import VAD_PAPERS, api_feed

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLES = sorted(p.name for p in DATA.glob("*.xml") if not p.name.startswith("rss1_"))


@pytest.mark.parametrize("name", SAMPLES)
def test_fast_reader_agrees_with_feedparser(name: str) -> None:
    data = (DATA / name).read_bytes()
    fast = parse_known_layout(data)
    assert fast is not None
    assert parse_feed(fast) == parse_feed(feedparser.parse(data))


def test_built_api_answer_agrees_too() -> None:
    data = api_feed(VAD_PAPERS, total=7).encode()
    fast = parse_known_layout(data)
    assert fast is not None
    assert parse_feed(fast) == parse_feed(feedparser.parse(data))
    assert parse_feed(fast).total == 7


def test_old_rss1_feed_is_left_to_feedparser() -> None:
    data = (DATA / "rss1_old_format_written_for_tests.xml").read_bytes()
    assert parse_known_layout(data) is None


def test_entity_bomb_is_a_feed_error_not_a_hang() -> None:
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    bomb = f"<?xml version='1.0'?><!DOCTYPE x [{''.join(levels)}]><rss><channel><item>"
    bomb += "<title>&l9;</title></item></channel></rss>"
    with pytest.raises(FeedError, match="broken feed"):
        parse_known_layout(bomb.encode())
