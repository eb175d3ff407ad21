"""`vadbot arxiv …` as a user runs it; poll and backfill against a local HTTP server."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bot.app import Seams, build_bot
from bot.cli import main
from bot.core.models import Entry
from bot.infra.yaml_files import dump_entry
from bot.settings import load_settings
from tests.fakes.arxiv import OTHER_PAPERS, VAD_PAPERS, api_feed, rss_feed


@pytest.fixture
def feed_file(tmp_path: Path) -> Path:
    path = tmp_path / "feed.xml"
    path.write_text(rss_feed(date(2026, 11, 23), [*OTHER_PAPERS, *VAD_PAPERS]), encoding="utf-8")
    return path


def test_scan_lists_only_the_candidates_with_score_and_terms(
    feed_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["arxiv", "scan", str(feed_file), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert sorted(f["arxiv_id"] for f in found) == sorted(i.arxiv_id for i in VAD_PAPERS)
    assert all(0 < f["score"] <= 1 and f["terms"] for f in found)
    assert found == sorted(found, key=lambda f: -f["score"])


def test_scan_prints_why_for_people(feed_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arxiv", "scan", str(feed_file)]) == 0
    out = capsys.readouterr()
    assert "matched: " in out.out
    assert "3 candidate(s) among 5 paper(s)" in out.err


def test_scan_of_a_missing_file_says_so_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["arxiv", "scan", str(tmp_path / "feeed.xml")]) == 1
    err = capsys.readouterr().err
    assert "feeed.xml: no such feed file" in err
    assert "Traceback" not in err


def test_scan_of_a_broken_file_names_the_file_not_arxiv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "saved.xml"
    broken.write_text("<rss><channel><item><title>half", encoding="utf-8")
    assert main(["arxiv", "scan", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "saved.xml: not a readable arXiv feed" in err
    assert "Traceback" not in err


def test_score_prints_one_line_per_input_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [OTHER_PAPERS[0], VAD_PAPERS[0], OTHER_PAPERS[1], VAD_PAPERS[1]]
    lines = [{"arxiv_id": i.arxiv_id, "title": i.title, "abstract": i.abstract} for i in items]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert main(["arxiv", "score", str(path)]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["arxiv_id"] for o in out] == [i.arxiv_id for i in items]
    assert [o["candidate"] for o in out] == [False, True, False, True]
    assert all(isinstance(o["score"], float) for o in out)


def test_score_keeps_each_line_and_adds_its_lane_reading_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {
            "arxiv_id": "2611.00001",
            "title": "Video anomaly detection in CCTV with an LLM",
            "abstract": "",
            "relevant": True,
            "kind": "relevant",
        },
        {
            "arxiv_id": "2611.00002",
            "title": "Autoencoders for video anomaly detection in CCTV",
            "abstract": "",
            "relevant": False,
            "kind": "vad-no-llm",
        },
        {
            "arxiv_id": "2611.00003",
            "title": "Sparse attention for faster training",
            "abstract": "",
            "relevant": False,
            "kind": "other",
        },
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(x) + "\n" for x in lines)))
    assert main(["arxiv", "score", "-"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["lane"] for o in out] == ["candidate", "maybe", "none"]
    assert [o["candidate"] for o in out] == [True, False, False]
    assert [(o["relevant"], o["kind"]) for o in out] == [(x["relevant"], x["kind"]) for x in lines]


def test_score_names_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"arxiv_id": "1", "title": "t"}\nnot json\n', encoding="utf-8")
    assert main(["arxiv", "score", str(path)]) == 1
    assert "in.jsonl:2:" in capsys.readouterr().err


class FakeArxivServer(BaseHTTPRequestHandler):
    """arXiv on 127.0.0.1: the RSS at /rss/…, the API at /api/query."""

    rss = b""
    api = b""
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        body = self.api if self.path.startswith("/api/") else self.rss
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def arxiv_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[type[FakeArxivServer]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeArxivServer)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    catalog = tmp_path / "catalog"
    (catalog / "papers").mkdir(parents=True)
    listed = Entry(
        "holmes-vad", "paper", VAD_PAPERS[1].title, year=2024, arxiv_id=VAD_PAPERS[1].arxiv_id
    )
    (catalog / "papers" / "holmes-vad.yaml").write_text(dump_entry(listed), encoding="utf-8")
    for key, value in {
        "ARXIV__RSS_URL": f"{base}/rss/",
        "ARXIV__API_URL": f"{base}/api/query",
        "ARXIV__DELAY_SECONDS": "0",
        "STATE__PATH": str(tmp_path / "state.sqlite3"),
        "CATALOG__REPO": str(tmp_path),
    }.items():
        monkeypatch.setenv(f"VADBOT_{key}", value)
    monkeypatch.setenv("VADBOT_CONFIG", str(tmp_path / "none.yaml"))
    (tmp_path / "none.yaml").write_text("{}\n", encoding="utf-8")
    FakeArxivServer.paths = []
    yield FakeArxivServer
    server.shutdown()
    server.server_close()


def test_poll_saves_new_candidates_but_not_listed_papers(
    arxiv_server: type[FakeArxivServer], capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv_server.rss = rss_feed(date(2026, 11, 23), [*VAD_PAPERS, *OTHER_PAPERS]).encode()
    assert main(["arxiv", "poll", "--json"]) in (0, 1)  # 1 when the feed date looks stale
    report = json.loads(capsys.readouterr().out)
    ids = sorted(c["arxiv_id"] for c in report["candidates"])
    assert ids == sorted([VAD_PAPERS[0].arxiv_id, VAD_PAPERS[2].arxiv_id])
    assert main(["arxiv", "poll", "--json"]) in (0, 1)
    assert json.loads(capsys.readouterr().out)["candidates"] == []
    assert arxiv_server.paths[0] == "/rss/cs.CV+cs.AI+cs.CL+cs.MM+cs.LG+eess.IV"


def test_backfill_searches_the_api_week_by_week(
    arxiv_server: type[FakeArxivServer], capsys: pytest.CaptureFixture[str]
) -> None:
    arxiv_server.api = api_feed(VAD_PAPERS).encode()
    args = ["arxiv", "backfill", "--since", "2026-11-01", "--until", "2026-11-14"]
    assert main(args) == 0
    assert "2 new candidate(s) from 2026-11-01 to 2026-11-14" in capsys.readouterr().out
    assert len(arxiv_server.paths) == 2


async def test_candidates_of_a_manual_poll_are_handed_to_the_running_bot_and_posted(
    arxiv_server: type[FakeArxivServer], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN"):
        os.environ.pop(name, None)
    arxiv_server.rss = rss_feed(date(2026, 11, 23), [*VAD_PAPERS, *OTHER_PAPERS]).encode()
    assert await asyncio.to_thread(main, ["arxiv", "poll"]) in (0, 1)
    assert "2 candidate post(s) handed to the running vadbot (console)" in capsys.readouterr().out

    # the running service (here: the console, as without tokens) sends what waits for it
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # `vadbot run` needs one
    settings = load_settings(tmp_path / "none.yaml", os.environ)
    out = io.StringIO()
    bot = build_bot(settings, seams=Seams(out=out))
    try:
        await bot.start(interactive=False)
    finally:
        await bot.close()
    posted = out.getvalue()
    assert VAD_PAPERS[0].title in posted
    assert VAD_PAPERS[2].title in posted
    assert "React 👍 / 👎 to vote" in posted  # a vote card, not a bare note
