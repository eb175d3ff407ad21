"""The service's jobs on the app as `vadbot run` wires it (console, no tokens)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from bot.app import Seams, build_bot, interactive
from bot.cli import main
from bot.core.models import Request
from bot.scheduling import PULL
from bot.settings import ArxivSettings, load_settings
from tests.fakes import FakeClock
from tests.git_repo import CatalogRepo, make_entry


async def test_search_finds_an_entry_committed_while_the_bot_runs_after_a_pull(
    tmp_path: Path,
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    repo.add(make_entry("holmes-vau"))
    env = {
        "VADBOT_CATALOG__REPO": str(repo.root),
        "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3"),
        "VADBOT_SEARCH__RESULTS": "1",
    }
    app = build_bot(load_settings(None, env), clock=FakeClock(), seams=Seams(out=io.StringIO()))
    service = app.service
    ask = Request("console", "me", "c", "search", "Rare Events")
    assert (await app.router.dispatch(ask)).text.startswith("No match")

    repo.add(make_entry("rare-events", title="Rare Events with Multimodal LLMs"))
    await service.scheduler.run_job(PULL)

    reply = await app.router.dispatch(ask)
    assert reply.cards[0].items[0].title == "Rare Events with Multimodal LLMs"
    assert app.search.search("rare").hits[0].entry.id == "rare-events"  # autocomplete's index
    two = await app.router.dispatch(Request("console", "me", "c", "search", "kind:paper"))
    assert len(two.cards[0].items) == 1  # search.results caps a reply
    await app.close()


def test_run_outside_the_project_folder_says_so_and_leaves_no_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("VADBOT_CONFIG", "VADBOT_CATALOG__REPO", "VADBOT_STATE__PATH"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run", "--once"]) == 2
    err = capsys.readouterr().err
    assert (
        "catalog.repo '.' is not a git repository: run vadbot from its project folder or "
        "pass --config" in err
    )
    assert list(tmp_path.iterdir()) == []  # no var/vadbot.sqlite3 left behind


def test_a_person_waiting_in_chat_gets_a_short_arxiv_schedule() -> None:
    patient = ArxivSettings(max_retries=4, timeout_seconds=30.0)
    quick = interactive(patient)
    # one retry of at most 10 s: a down arXiv is said in seconds, not after 90 s of backoff
    assert (quick.max_retries, quick.timeout_seconds) == (1, 10.0)
    assert quick.delay_seconds == patient.delay_seconds  # still polite to arXiv


async def test_a_broken_catalog_at_start_up_keeps_the_last_good_one_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = CatalogRepo(tmp_path / "list")
    good = repo.add(make_entry("holmes-vau"))
    repo.write("papers/2025/broken.yaml", "id: broken\ntitle: [unclosed\n")
    repo.commit("A YAML error slips in")
    env = {
        "VADBOT_CATALOG__REPO": str(repo.root),
        "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3"),
    }
    settings = load_settings(None, env)
    bot = build_bot(settings, clock=FakeClock(), seams=Seams(out=io.StringIO()))
    try:
        reply = await bot.router.dispatch(Request("console", "me", "c", "search", "holmes"))
        assert reply.cards, "search serves the last good catalog, not nothing"
        health = await bot.service.scheduler.run_job(PULL)
        assert health is not None
        assert health.failures == 1  # the job fails: the maintainers hear of it (once a streak)
        assert "does not load" in (health.last_error or "")
        assert f"serving the last good commit {good[:7]}" in (health.last_error or "")
    finally:
        await bot.close()
    for name, value in env.items():
        os.environ[name] = value
    try:
        assert main(["status"]) == 1
    finally:
        for name in env:
            del os.environ[name]
    out = capsys.readouterr().out
    assert "catalog: BROKEN (" in out
    assert f"serving {good[:7]}" in out
