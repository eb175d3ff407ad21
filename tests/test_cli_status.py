import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.health import CATALOG_KEY, HEARTBEAT_KEY, ONCE_KEY
from bot.core.models import Entry, JobHealth, SignOff
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.job_store import JobStore
from bot.infra.state import Database
from bot.infra.yaml_files import dump_entry, entry_path, write_atomic
from bot.jobs import read_catalog
from bot.settings import load_settings
from tests.git_repo import CatalogRepo, make_entry


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    catalog = tmp_path / "catalog"
    for n in range(3):
        entry = Entry(f"paper-{n}", "paper", f"Paper {n}", venue="CVPR", year=2025)
        write_atomic(catalog / entry_path(entry), dump_entry(entry))
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(tmp_path))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    return Database(tmp_path / "state.sqlite3")


def _record(db: Database, failures: int) -> None:
    now = datetime.now(UTC)
    db.put(HEARTBEAT_KEY, now.isoformat())
    # what the service stores when it reads the catalog (status never parses it itself)
    settings = load_settings(None, os.environ)
    root = settings.resolve(settings.catalog.repo)
    _, read = read_catalog(settings, GitCatalogHistory(GitRepo(root), "catalog"))
    db.put(CATALOG_KEY, read)
    store = JobStore(db)
    store.save(JobHealth("announce", now, "ok, 0 new", next_run=now + timedelta(minutes=10)))
    store.save(
        JobHealth(
            "arxiv-watch",
            now - timedelta(hours=1),
            "FAILED",
            "FeedError: arXiv answered 503",
            now + timedelta(hours=23),
            now - timedelta(days=3),
            failures,
            alerted=True,
        )
    )


def test_status_shows_jobs_queues_and_the_last_error_and_exits_1_when_unhealthy(
    state: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(state, failures=4)
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "FAILED ×4" in out
    assert "ok, 0 new" in out
    assert "candidates: 0 pending · outbox: 0 unsent · catalog: 3 papers" in out
    assert "last error (arxiv-watch): FeedError: arXiv answered 503" in out
    assert "UNHEALTHY: job arxiv-watch failed 4 times in a row" in out


def test_status_json_is_healthy_with_a_fresh_heartbeat_and_few_failures(
    state: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(state, failures=1)
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["healthy"] is True
    assert [job["name"] for job in report["jobs"]] == ["announce", "arxiv-watch"]
    assert report["catalog"]["counts"] == {"paper": 3}


def test_status_is_unhealthy_when_the_service_stopped_beating(
    state: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _record(state, failures=0)
    state.put(HEARTBEAT_KEY, (datetime.now(UTC) - timedelta(minutes=20)).isoformat())
    assert main(["status"]) == 1
    assert "vadbot run is down" in capsys.readouterr().out


def test_a_cron_user_running_once_is_healthy_and_cron_jobs_never_run_show_never(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("holmes-vau"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(repo.root))
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    for name in ("VADBOT_CONFIG", "DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run", "--once"]) == 0
    capsys.readouterr()

    assert main(["status"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert rows["digest"].split()[1] == "never"  # its baseline is not a run
    assert "(0 min ago)" in rows["announce"]
    assert out.endswith("healthy\n")
    assert main(["status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {j["name"]: j["last_run"] for j in report["jobs"]}["arxiv-watch"] is None


def test_a_cron_user_whose_cron_stopped_is_unhealthy_by_its_overdue_jobs(
    state: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    state.put(ONCE_KEY, long_ago.isoformat())
    JobStore(state).save(
        JobHealth("announce", long_ago, "ok", next_run=long_ago + timedelta(minutes=10))
    )
    assert main(["status"]) == 1
    out = capsys.readouterr().out
    assert "job announce is overdue" in out
    assert "heartbeat" not in out


def test_status_shows_the_open_pull_request_and_entries_not_yet_in_one(
    state: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.infra.forge import PullRequest
    from bot.infra.stores import PullRequestBook
    from tests.fakes import FakeClock
    from tests.support_votes import make_candidate

    _record(state, failures=0)
    book = PullRequestBook(state, FakeClock())
    for n, branch in ((1, "vadbot/updates"), (2, "vadbot/updates"), (3, "vadbot/other")):
        book.record(make_candidate(n), f"paper-x{n}", f"X{n}", SignOff("ana", "slack"), branch)
    url = "https://github.com/lab/awesome-vad/pull/3"
    book.set_open("vadbot/updates", PullRequest(3, url, "open"), ["paper-x1", "paper-x2"])
    main(["status"])
    out = capsys.readouterr().out
    assert f"pull request #3: open, 2 entries, waiting to be merged · {url}" in out
    assert "pull request for vadbot/other: not opened yet (1 entry committed)" in out
