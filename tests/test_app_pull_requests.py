"""Approvals by pull request in the running bot (`build_bot`): fake Slack and Discord with the
real adapters, a fake GitHub REST API, and a real bare remote whose pre-receive hook refuses
pushes to main, as GitHub's branch protection does."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import Bot, Seams, build_bot
from bot.core.models import Match, Placement
from bot.scheduling import ANNOUNCE, PULL
from bot.settings import (
    CatalogSettings,
    Secrets,
    Settings,
    load_settings,
)
from tests.fakes import FakeClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.github_api import FakeGitHub
from tests.fakes.platforms import DISCORD_CHANNELS, SLACK_CHANNELS, on_the_fakes
from tests.fakes.slack import FakeSlack
from tests.infra.test_pull_requests import GITHUB_URL, protected_repo
from tests.support_votes import git, make_candidate

MAINT_ROLE = "555555555555555555"
DISCORD_MAINT = "232163710506893313"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PAPERS = [
    ("2601.00001", "Explaining Video Anomalies with a Multimodal LLM"),
    ("2601.00002", "Zero-Shot Video Anomaly Detection by Vision-Language Reasoning"),
]


@dataclass
class Lab:
    settings: Settings
    repo: Path
    remote: Path
    slack: FakeSlack
    discord: FakeDiscord
    github: FakeGitHub
    clock: FakeClock


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    repo, remote = protected_repo(tmp_path, GITHUB_URL)
    slack, discord = FakeSlack(), FakeDiscord(roles=(MAINT_ROLE,))
    github = FakeGitHub(remote)
    for fake in (slack, discord, github):
        await fake.start()
    base = load_settings(
        None,
        {"VADBOT_CATALOG__REPO": str(repo), "VADBOT_STATE__PATH": str(tmp_path / "state.sqlite3")},
    )
    catalog = CatalogSettings(
        repo=str(repo), remote="origin", publish="pull-request", github_api_url=github.url
    )
    with_token = dataclasses.replace(base, secrets=Secrets(github_token=github.token))
    settings = on_the_fakes(with_token, slack, discord, MAINT_ROLE, catalog=catalog)
    yield Lab(settings, repo, remote, slack, discord, github, FakeClock(NOW))
    for fake in (discord, slack, github):
        await fake.close()


async def no_sleep(seconds: float) -> None:
    pass


@dataclass
class Running:
    bot: Bot
    task: asyncio.Task[None]


async def start_bot(lab: Lab, **catalog: Any) -> Running:
    settings = dataclasses.replace(
        lab.settings, catalog=dataclasses.replace(lab.settings.catalog, **catalog)
    )
    seams = Seams(
        sleep=no_sleep, arxiv_sleep=no_sleep, out=io.StringIO(), discord_ready_timeout=0.05
    )
    bot = build_bot(settings, clock=lab.clock, seams=seams)
    task = asyncio.create_task(bot.run())
    await asyncio.wait_for(bot.service.caught_up.wait(), 10)
    await bot.wait_connected(10)
    await asyncio.wait_for(bot.caught_up(), 10)
    return Running(bot, task)


async def stop_bot(running: Running) -> None:
    running.bot.stop()
    await asyncio.wait_for(running.task, 10)


async def until(predicate: Any) -> None:
    async with asyncio.timeout(10):
        while not predicate():
            await asyncio.sleep(0.01)


async def propose_papers(running: Running, count: int = 2) -> None:
    bot = running.bot
    for arxiv_id, title in PAPERS[:count]:
        paper = make_candidate(arxiv_id=arxiv_id, title=title).paper
        bot.candidates.add_candidate(paper, Match(2.0, ("llm",)), NOW, Placement(source="arxiv"))
    await bot.flow.post_new()


def footers(lab: Lab) -> list[tuple[str, str]]:
    """(Slack, Discord) text of each candidate post, in order."""
    slack = [str(m.latest) for m in lab.slack.messages_in(SLACK_CHANNELS.candidates)]
    discord = [str(m.embeds) for m in lab.discord.messages_in(DISCORD_CHANNELS.candidates)]
    return list(zip(slack, discord, strict=True))


def admin_texts(lab: Lab) -> list[str]:
    return [str(m.latest) for m in lab.slack.messages_in(SLACK_CHANNELS.admin)] + [
        str(m.embeds) for m in lab.discord.messages_in(DISCORD_CHANNELS.admin)
    ]


async def approve(lab: Lab, index: int, on: str = "discord") -> None:
    """A maintainer's ✅ on the candidate post number `index`."""
    if on == "discord":
        post = lab.discord.messages_in(DISCORD_CHANNELS.candidates)[index]
        await lab.discord.send_reaction(
            DISCORD_CHANNELS.candidates,
            post.id,
            "✅",
            user_id=DISCORD_MAINT,
            roles=(MAINT_ROLE,),
        )
    else:
        post = lab.slack.messages_in(SLACK_CHANNELS.candidates)[index]
        await lab.slack.send_reaction(
            SLACK_CHANNELS.candidates, post.ts, "white_check_mark", user="UMAINT"
        )


def merge_on_the_remote(lab: Lab, branch: str) -> None:
    """What GitHub's merge button does: a merge commit on main, authored by whoever merged."""
    bare = ["--git-dir", str(lab.remote)]
    tree = git(lab.remote, *bare, "rev-parse", f"{branch}^{{tree}}").strip()
    merge = git(
        lab.remote,
        *bare,
        "-c",
        "user.name=Merging Person",
        "-c",
        "user.email=m@lab.example",
        "commit-tree",
        tree,
        "-p",
        "main",
        "-p",
        branch,
        "-m",
        "Merge pull request #1",
    ).strip()
    git(lab.remote, *bare, "update-ref", "refs/heads/main", merge)


async def test_two_approvals_make_one_pull_request_merged_then_announced_once(lab: Lab) -> None:
    running = await start_bot(lab)
    await propose_papers(running)
    await approve(lab, 0, on="discord")
    await until(lambda: all("proposed in PR #1" in t for t in footers(lab)[0]))
    await approve(lab, 1, on="slack")
    await until(lambda: all("proposed in PR #1" in t for t in footers(lab)[1]))
    for slack, discord in footers(lab):
        for text in (slack, discord):
            assert "proposed in PR #1" in text
            assert "/lab/awesome-vad/pull/1" in text  # the link (Slack shows it unlinked)
    [pull] = lab.github.pulls.values()
    assert pull.head == "vadbot/updates"
    assert "discord.com/channels/" in pull.body  # the PR links the candidate post
    assert git(lab.remote, "--git-dir", str(lab.remote), "rev-list", "--count", "main") == "1\n"

    # A restart in the middle: nothing is opened nor posted twice.
    await stop_bot(running)
    running = await start_bot(lab)
    await running.bot.service.scheduler.run_job(PULL)
    assert len(lab.github.pulls) == 1
    assert len(footers(lab)) == 2

    # Someone merges the PR on GitHub; the next pull notices it.
    merge_on_the_remote(lab, "vadbot/updates")
    lab.github.merge_pull(1)
    await running.bot.service.scheduler.run_job(PULL)
    for slack, discord in footers(lab):
        assert "merged into the list (PR #1" in slack
        assert "merged into the list (PR #1" in discord
    await running.bot.service.scheduler.run_job(ANNOUNCE)
    await running.bot.service.scheduler.run_job(ANNOUNCE)
    await running.bot.service.scheduler.run_job(PULL)
    approvers = [c.decided_by for c in running.bot.candidates.list()]
    await stop_bot(running)
    papers = [str(m.latest) for m in lab.slack.messages_in(SLACK_CHANNELS.papers)]
    assert len(papers) == 2  # one announcement per entry, after the merge only
    for text, approver in zip(papers, approvers, strict=True):
        assert f"added by @{approver}" in text
        assert "Merging Person" not in text
    assert admin_texts(lab) == []


async def test_per_entry_mode_opens_one_pull_request_per_paper(lab: Lab) -> None:
    running = await start_bot(lab, pr_per_entry=True)
    await propose_papers(running)
    await approve(lab, 0)
    await approve(lab, 1)
    await until(lambda: all("proposed in PR #" in t for pair in footers(lab) for t in pair))
    await stop_bot(running)
    assert sorted(p.number for p in lab.github.open_pulls()) == [1, 2]
    assert "proposed in PR #1" in footers(lab)[0][0]
    assert "proposed in PR #2" in footers(lab)[1][0]


async def test_a_pull_request_closed_unmerged_sends_the_candidate_back_to_the_vote(
    lab: Lab,
) -> None:
    running = await start_bot(lab)
    await propose_papers(running, count=1)
    await approve(lab, 0)
    await until(lambda: "proposed in PR #1" in footers(lab)[0][0])
    lab.github.close_pull(1)
    await running.bot.service.scheduler.run_job(PULL)
    await running.bot.service.scheduler.run_job(PULL)
    await stop_bot(running)
    running = await start_bot(lab)  # the ✅ still on the post does not approve it again
    candidate = running.bot.candidates.get(1)
    await stop_bot(running)
    assert candidate is not None
    assert candidate.status == "pending"
    assert len(lab.github.pulls) == 1
    [(slack, discord)] = footers(lab)
    for text in (slack, discord):
        assert "PR #1 closed without merging" in text
        assert "React 👍 / 👎 to vote" in text  # the vote card is back
    told = admin_texts(lab)
    assert len(told) == 2  # once on each platform
    assert all("closed without merging" in text for text in told)


async def test_a_refused_token_is_told_once_and_the_next_pull_opens_the_pull_request(
    lab: Lab,
) -> None:
    running = await start_bot(lab)
    await propose_papers(running)
    forbidden = {"message": "Resource not accessible by personal access token"}
    lab.github.answer_next(403, forbidden, {"X-Accepted-GitHub-Permissions": "pull_requests=write"})
    await approve(lab, 0)
    await until(lambda: "not open yet" in footers(lab)[0][0])
    lab.github.answer_next(403, forbidden)
    await running.bot.service.scheduler.run_job(PULL)  # still refused: not told again
    told = admin_texts(lab)
    assert len(told) == 2
    assert all("cannot open its PR on GitHub" in t for t in told)
    approved = running.bot.candidates.get(1)
    assert approved is not None
    assert approved.status == "approved"

    await running.bot.service.scheduler.run_job(PULL)  # the token was fixed: it goes out
    await stop_bot(running)
    assert [p.number for p in lab.github.open_pulls()] == [1]
    assert "proposed in PR #1" in footers(lab)[0][0]
    assert "proposed in PR #1" in footers(lab)[0][1]
    assert len(admin_texts(lab)) == 2


async def test_push_mode_against_a_protected_main_is_told_once_and_posts_say_so(
    lab: Lab,
) -> None:
    running = await start_bot(lab, publish="push")
    await propose_papers(running)
    await approve(lab, 0)
    await until(lambda: "committed locally, not pushed" in footers(lab)[0][1])
    await approve(lab, 1, on="slack")
    await until(lambda: "committed locally, not pushed" in footers(lab)[1][0])
    await running.bot.service.scheduler.run_job(PULL)
    await stop_bot(running)
    told = admin_texts(lab)
    assert len(told) == 2  # once on each platform, not per approval nor per pull
    assert all("catalog.publish: pull-request" in text for text in told)
    assert lab.github.calls == []
