import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from tests.git_repo import CatalogRepo, make_entry


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CatalogRepo:
    repo = CatalogRepo(tmp_path / "list")
    old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    monkeypatch.setenv("GIT_COMMITTER_DATE", old)
    repo.add(make_entry("old-paper"))
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    repo.add(make_entry("holmes-vau", title="Holmes-VAU <b>bold</b>"))
    monkeypatch.setenv("VADBOT_CATALOG__REPO", str(repo.root))
    monkeypatch.setenv("VADBOT_STATE__PATH", str(tmp_path / "state.sqlite3"))
    monkeypatch.delenv("VADBOT_CONFIG", raising=False)
    return repo


@pytest.mark.usefixtures("lab")
def test_digest_prints_the_weeks_new_entries_as_markdown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["digest"]) == 0
    out = capsys.readouterr().out
    assert "## New in the list (1)" in out
    assert "**Holmes-VAU \\<b\\>bold\\</b\\>**" in out
    assert "The list now holds 2 papers." in out


@pytest.mark.usefixtures("lab")
def test_digest_since_an_older_day_and_as_the_slack_payload(
    capsys: pytest.CaptureFixture[str],
) -> None:
    since = (datetime.now(UTC) - timedelta(days=40)).date().isoformat()
    assert main(["digest", "--since", since, "--format", "slack"]) == 0
    payload = json.loads(capsys.readouterr().out)
    text = json.dumps(payload, ensure_ascii=False)
    assert payload["text"].startswith("🗞️ LLM4VAD weekly")
    assert "Old Paper" in text
    assert "&lt;b&gt;" in text  # Slack markup from catalog text stays inert


@pytest.mark.usefixtures("lab")
def test_digest_since_a_future_day_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert main(["digest", "--since", tomorrow]) == 1
    assert "not in the past" in capsys.readouterr().err


def test_a_big_week_on_discord_says_how_many_entries_it_left_out_instead_of_cutting_one(
    lab: CatalogRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    long = "A Long Title About Video Anomaly Detection With Multimodal Large Language Models"
    lab.add(
        *(
            make_entry(
                f"paper-{n}",
                title=f"{long} {n}",
                links={
                    "paper": f"https://arxiv.org/abs/2611.{n:05d}",
                    "code": f"https://github.com/lab/p{n}",
                },
            )
            for n in range(40)
        )
    )
    assert main(["digest", "--format", "discord"]) == 0
    description = json.loads(capsys.readouterr().out)["embeds"][0]["description"]
    assert len(description) <= 4096
    lines = description.splitlines()
    assert lines[-1].endswith("**… and 31 more new in the list**")  # 41 new, 10 shown
    assert all(line.endswith(")") for line in lines[1:-1])  # every item shown whole


def _day(day: date) -> str:
    return f"{day.day} {day:%b}"


@pytest.mark.usefixtures("lab")
def test_a_digest_asked_for_today_covers_today_and_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    today = datetime.now(UTC).date()  # the lab's zone is UTC here (schedule.timezone default)
    assert main(["digest"]) == 0
    out = capsys.readouterr().out
    title = out.splitlines()[0]
    assert _day(today) in title  # the window runs up to now: today is in its name
    assert _day(today - timedelta(days=6)) in title
    assert "Holmes-VAU" in out  # committed today, and listed

    yesterday = today - timedelta(days=1)
    assert main(["digest", "--since", yesterday.isoformat()]) == 0
    title = capsys.readouterr().out.splitlines()[0]
    assert _day(yesterday) in title or f"{yesterday.day}–" in title
    assert _day(today) in title


@pytest.mark.usefixtures("lab")
def test_posting_the_same_digest_twice_says_it_was_posted_already(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["digest", "--post"]) == 0
    first = capsys.readouterr().out
    assert "digest posted to console" in first
    assert main(["digest", "--post"]) == 0
    second = capsys.readouterr().out
    assert "was already posted to console" in second
    assert "Holmes-VAU" not in second  # nothing was posted again
