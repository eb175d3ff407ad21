"""`vadbot arxiv …` against a hostile or absent feed server: it answers in one line, quickly,
with bounded memory, and names the host it could not reach."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests.fakes.arxiv import VAD_PAPERS, Item, rss_feed
from tests.fakes.arxiv_server import ArxivServer


@pytest.fixture
def arxiv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArxivServer]:
    (tmp_path / "catalog" / "papers").mkdir(parents=True)
    (tmp_path / "none.yaml").write_text("{}\n", encoding="utf-8")
    with ArxivServer() as server:
        for key, value in {
            "ARXIV__RSS_URL": f"{server.url}/rss/",
            "ARXIV__API_URL": f"{server.url}/api/query",
            "ARXIV__DELAY_SECONDS": "0",
            "STATE__PATH": str(tmp_path / "state.sqlite3"),
            "CATALOG__REPO": str(tmp_path),
        }.items():
            monkeypatch.setenv(f"VADBOT_{key}", value)
        monkeypatch.setenv("VADBOT_CONFIG", str(tmp_path / "none.yaml"))
        yield server


def test_a_feed_that_drips_forever_is_cut_at_the_timeout(
    arxiv: ArxivServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv.drip_seconds = 5.0  # a byte every 10 ms: httpx's per-read timeout never fires
    monkeypatch.setenv("VADBOT_ARXIV__TIMEOUT_SECONDS", "0.3")
    monkeypatch.setenv("VADBOT_ARXIV__MAX_RETRIES", "0")
    started = time.monotonic()
    assert main(["arxiv", "scan", f"{arxiv.url}/rss/cs.CV"]) == 1
    assert time.monotonic() - started < 2.0
    err = capsys.readouterr().err
    assert "timed out" in err
    assert len(err.strip().splitlines()) == 1


def test_a_huge_answer_is_refused_while_it_streams_in(
    arxiv: ArxivServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv.huge_bytes = 100_000_000
    monkeypatch.setenv("VADBOT_ARXIV__MAX_FEED_MB", "2")
    tracemalloc.start()
    try:
        assert main(["arxiv", "scan", f"{arxiv.url}/rss/cs.CV"]) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"peak {peak / 1e6:.0f} MB"
    err = capsys.readouterr().err
    assert "larger than 2 MB" in err
    assert "127.0.0.1" in err


def test_a_refused_connection_is_said_at_once_naming_the_host(
    arxiv: ArxivServer, capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv.refuse()
    started = time.monotonic()
    assert main(["arxiv", "scan", f"{arxiv.url}/rss/cs.CV"]) == 1
    assert time.monotonic() - started < 3.0  # no retry: it will not answer in a second either
    err = capsys.readouterr().err
    assert f"127.0.0.1:{arxiv.port}" in err
    assert "refused" in err
    assert "arXiv" not in err  # the host is not arXiv: do not blame arXiv


def test_poll_says_its_error_without_a_result_first(
    arxiv: ArxivServer, capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv.refuse()
    assert main(["arxiv", "poll"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "refused" in err
    assert "new candidate" not in err


def test_a_5_mb_abstract_is_cut_and_says_so(
    arxiv: ArxivServer, capsys: pytest.CaptureFixture[str]
) -> None:
    paper = VAD_PAPERS[0]
    long = Item(paper.arxiv_id, paper.title, paper.abstract + " word" * 1_000_000)
    arxiv.body = rss_feed(date(2026, 11, 23), [long]).encode()
    assert main(["arxiv", "poll", "--json"]) in (0, 1)
    (found,) = json.loads(capsys.readouterr().out)["candidates"]
    assert 1_000 < len(found["abstract"]) <= 20_000
    assert found["abstract"].endswith("[abstract cut at 20,000 characters]")


def scan_json(tmp_path: Path, items: list[Item], capsys: pytest.CaptureFixture[str]) -> Any:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss_feed(date(2026, 11, 23), items), encoding="utf-8")
    assert main(["arxiv", "scan", str(feed), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def vad(
    title: str = VAD_PAPERS[0].title, abstract: str = VAD_PAPERS[0].abstract, **more: Any
) -> Item:
    return Item(VAD_PAPERS[0].arxiv_id, title, abstract, **more)


def test_text_between_lt_and_gt_is_kept_and_only_real_tags_go(
    arxiv: ArxivServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    abstract = (
        "Video anomaly detection with a multimodal LLM is better (p < 0.05) for clips with > 10 "
        "people; <p>it <i>explains</i> each anomaly.</p>"
    )
    (found,) = scan_json(tmp_path, [vad(abstract=abstract)], capsys)
    assert found["abstract"] == (
        "Video anomaly detection with a multimodal LLM is better (p < 0.05) for clips with > 10 "
        "people; it explains each anomaly."
    )


@pytest.mark.parametrize(
    ("link", "code"),
    [
        ("Code: https://gitee.com/lab/vad.", "https://gitee.com/lab/vad"),
        ("Code: https://huggingface.co/lab/vad-llm", "https://huggingface.co/lab/vad-llm"),
        ("Details: <https://evil.example|click>", None),
        ("Details: https://evil.example/vad", None),
    ],
)
def test_only_plain_urls_on_code_hosts_become_the_code_link(
    arxiv: ArxivServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    link: str,
    code: str | None,
) -> None:
    (found,) = scan_json(tmp_path, [vad(abstract=VAD_PAPERS[0].abstract[:-40] + link)], capsys)
    assert found["code_url"] == code


def test_bidi_and_invisible_controls_never_reach_the_paper(
    arxiv: ArxivServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sneaky = "\u202eevil\u202c \u2066x\u2069\u200b\u2060\x7f"
    title = f"Video Anomaly Detection with Multimodal LLMs {sneaky}"
    (found,) = scan_json(
        tmp_path,
        [vad(title=title, abstract=sneaky + VAD_PAPERS[0].abstract, authors=(sneaky,))],
        capsys,
    )
    text = found["title"] + found["abstract"] + "".join(found["authors"])
    assert not [c for c in text if c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"]
    assert not [c for c in text if c in "\u200b\u2060\x7f"]
    assert found["title"].endswith("evil x")


def test_huge_titles_and_author_lists_are_cut_and_say_so(
    arxiv: ArxivServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    authors = (*(f"Author Number{i}" for i in range(5_000)), "X" * 5_000)
    title = VAD_PAPERS[0].title + " and more" * 400
    (found,) = scan_json(tmp_path, [vad(title=title, authors=authors)], capsys)
    assert len(found["title"]) <= 500
    assert found["title"].endswith("[title cut at 500 characters]")
    assert len(found["authors"]) == 200
    assert found["authors"][-1] == "(+4,802 more authors)"
