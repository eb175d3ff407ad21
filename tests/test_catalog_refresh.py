"""Issue 13 point 4: the list keeps itself current. The weekly refresh asks a fake arXiv API
about incomplete entries, posts one proposal per finding to the maintainers on both fake
platforms; a ✅ commits it, a ❌ dismisses it for good; the lab hears "VERA is now CVPR 2025"
once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import yaml

from bot.cli import main
from bot.infra.yaml_files import dump_entry
from bot.scheduling import REFRESH, build_triggers
from bot.settings import ScheduleSettings
from tests import test_e2e
from tests.fakes.arxiv import Item, api_feed
from tests.fakes.arxiv_server import ArxivServer
from tests.fakes.platforms import DISCORD_CHANNELS, SLACK_CHANNELS
from tests.git_repo import make_entry
from tests.test_e2e import FakeArxiv, Lab, start_bot, stop_bot, until

lab = test_e2e.lab

VERA = Item(
    "2412.05555",
    "VERA: Explainable Video Anomaly Detection via Verbalized Learning of Vision-Language Models",
    "We detect and explain video anomalies by verbalized learning with a frozen VLM.",
    version=3,
    submitted=datetime(2024, 12, 2, 12, 0, tzinfo=UTC),
    comment="Accepted to CVPR 2025. Code: https://github.com/vera-framework/VERA",
)
SUMMARY = Item(
    "2502.01234",
    "Video Anomaly Detection with Language Summaries",
    "Anomaly detection from the summaries an LLM writes of each clip.",
    submitted=datetime(2025, 2, 3, 12, 0, tzinfo=UTC),
)
SUMMARY_LOOKALIKE = Item(
    "2503.09999",
    "Video Anomaly Detection with Language Summaries: A Survey",
    "A survey, not the paper.",
)
ICCV = Item(
    "2403.04444",
    "Odd Years Only: Anomalies in Crowded Scenes",
    "Crowd anomaly detection.",
    comment="12 pages, 5 figures",
)


@dataclass
class RefreshArxiv(FakeArxiv):
    """arXiv's API: `id_list` answers the papers asked for, `ti:"…"` searches titles."""

    papers: tuple[Item, ...] = (VERA, SUMMARY, SUMMARY_LOOKALIKE, ICCV)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        query = parse_qs(request.url.query.decode())
        if "id_list" in query:
            ids = query["id_list"][0].split(",")
            found = [p for p in self.papers if p.arxiv_id in ids]
        elif query.get("search_query", [""])[0].startswith("ti:"):
            phrase = query["search_query"][0].removeprefix("ti:").strip('"').lower()
            found = [p for p in self.papers if phrase in p.title.lower().replace(":", " ")]
        else:
            found = []
        return httpx.Response(200, content=api_feed(found).encode())


def seed(lab: Lab) -> None:
    lab.repo.add(
        make_entry(
            "vera",
            title=VERA.title,
            short_name="VERA",
            venue="arXiv",
            year=2024,
            arxiv_id=VERA.arxiv_id,
            links={"arxiv": "https://arxiv.org/abs/2412.05555"},
        ),
        make_entry(
            "summaries",
            title=SUMMARY.title,
            venue="ICASSP",
            year=2025,
            links={"code": "https://github.com/lab/summaries"},
        ),
        make_entry(
            "odd-years",
            title=ICCV.title,
            venue="ICCV",
            year=2024,
            arxiv_id=ICCV.arxiv_id,
            links={"code": "https://github.com/lab/odd"},
        ),
    )


def admin_posts(lab: Lab) -> dict[str, str]:
    """Slack's maintainer channel: {first line of the post: its ts}."""
    return {m.text.splitlines()[0]: m.ts for m in lab.slack.messages_in(SLACK_CHANNELS.admin)}


def entry(lab: Lab, entry_id: str) -> dict[str, object]:
    [path] = (lab.repo.root / "catalog").glob(f"papers/*/{entry_id}.yaml")
    data: dict[str, object] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def proposals_in(lab: Lab) -> list[str]:
    return [p for p in admin_posts(lab) if "🔧" in p]


async def test_the_refresh_proposes_applies_on_a_checkmark_and_forgets_a_dismissal(
    lab: Lab,
) -> None:
    seed(lab)
    lab.arxiv = RefreshArxiv()
    running = await start_bot(lab)
    bot = running.bot
    await bot.jobs.refresh()

    shown = proposals_in(lab)
    vera_venue = next(p for p in shown if "VERA: arXiv → CVPR 2025" in p)
    assert "from arXiv v3 comment 'Accepted to CVPR 2025." in vera_venue
    vera_code = next(p for p in shown if "VERA: code link found, from arXiv v3" in p)
    [code_post] = [m for m in lab.slack.messages_in(SLACK_CHANNELS.admin) if vera_code in m.text]
    assert "https://github.com/vera-framework/VERA" in str(code_post.blocks)
    assert any(f"arXiv id {SUMMARY.arxiv_id}" in p for p in shown)  # the look-alike is not it
    assert not any(SUMMARY_LOOKALIKE.arxiv_id in p for p in shown)
    assert any("ICCV 2024 cannot be right" in p and "odd years" in p for p in shown)
    assert len(shown) == 4
    assert len(lab.discord.messages_in(DISCORD_CHANNELS.admin)) == len(
        lab.slack.messages_in(SLACK_CHANNELS.admin)
    )
    # the ids go to arXiv in one batch
    assert sum("id_list" in r for r in lab.arxiv.requests) == 1

    # A maintainer's ✅: one commit changes the entry file, with who approved it.
    commits = int(lab.repo.git("rev-list", "--count", "HEAD"))
    ts = admin_posts(lab)[vera_venue]
    await lab.slack.send_reaction(SLACK_CHANNELS.admin, ts, "white_check_mark", "UMAINT")
    await until(lambda: "approved by" in str(lab.slack.messages_in(SLACK_CHANNELS.admin)))
    assert (entry(lab, "vera")["venue"], entry(lab, "vera")["year"]) == ("CVPR", 2025)
    assert int(lab.repo.git("rev-list", "--count", "HEAD")) == commits + 1
    assert "Approved-by: " in lab.repo.git("log", "-1", "--format=%B")

    # A member's ❌ does nothing; a maintainer's ❌ dismisses for good.
    ts = admin_posts(lab)[vera_code]
    await lab.slack.send_reaction(SLACK_CHANNELS.admin, ts, "x", "W1")
    await lab.slack.send_reaction(SLACK_CHANNELS.admin, ts, "x", "UMAINT")
    await until(lambda: "dismissed by" in str(lab.slack.messages_in(SLACK_CHANNELS.admin)))
    assert "code" not in entry(lab, "vera")["links"]  # type: ignore[operator]
    assert int(lab.repo.git("rev-list", "--count", "HEAD")) == commits + 1

    # Next week: neither the applied nor the dismissed one comes back.
    posts = len(lab.slack.messages_in(SLACK_CHANNELS.admin))
    assert await bot.jobs.refresh() == "0 catalog fix(es) proposed"
    assert len(lab.slack.messages_in(SLACK_CHANNELS.admin)) == posts
    found = {f.key for f in await bot.jobs.find_fixes(bot.flow.fixes.book.closed())}  # type: ignore[union-attr]
    assert not any(k.startswith("proposal:vera:") for k in found)

    # The lab hears of the venue once.
    await bot.jobs.announce()
    await bot.jobs.announce()
    told = [str(m.latest) for m in lab.slack.messages_in(SLACK_CHANNELS.papers)]
    assert sum("VERA is now CVPR 2025" in t for t in told) == 1
    await stop_bot(running)


def test_the_refresh_runs_weekly_by_default() -> None:
    trigger = build_triggers(ScheduleSettings())[REFRESH]
    first = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert (first.weekday(), first.hour, (second - first).days) == (0, 8, 7)


def test_catalog_refresh_prints_findings_and_posts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog"
    vera = make_entry(
        "vera",
        title=VERA.title,
        short_name="VERA",
        venue="arXiv",
        year=2024,
        arxiv_id=VERA.arxiv_id,
        links={},
    )
    (catalog / "papers" / "2024").mkdir(parents=True)
    (catalog / "papers" / "2024" / "vera.yaml").write_text(dump_entry(vera), encoding="utf-8")
    (tmp_path / "none.yaml").write_text("{}\n", encoding="utf-8")
    with ArxivServer() as arxiv:
        arxiv.body = api_feed([VERA]).encode()
        for key, value in {
            "ARXIV__API_URL": f"{arxiv.url}/api/query",
            "ARXIV__DELAY_SECONDS": "0",
            "STATE__PATH": str(tmp_path / "state.sqlite3"),
            "CATALOG__REPO": str(tmp_path),
        }.items():
            monkeypatch.setenv(f"VADBOT_{key}", value)
        monkeypatch.setenv("VADBOT_CONFIG", str(tmp_path / "none.yaml"))
        assert main(["catalog", "refresh", "--json"]) == 0
        found = json.loads(capsys.readouterr().out)
        assert [(f["field"], f["value"]) for f in found] == [
            ("venue", "CVPR 2025"),
            ("code", "https://github.com/vera-framework/VERA"),
        ]
        assert found[0]["key"] == "proposal:vera:venue:CVPR 2025"
        assert main(["catalog", "refresh"]) == 0
        assert capsys.readouterr().out.startswith(
            "VERA: arXiv → CVPR 2025, from arXiv v3 comment 'Accepted to CVPR 2025."
        )
        assert [p.split("?")[0] for p in arxiv.paths] == ["/api/query", "/api/query"]
    assert not (tmp_path / "state.sqlite3").exists()  # nothing posted, nothing remembered
