"""Issue 13: an approval writes a finished entry (venue, year and code from arXiv's metadata;
a maintainer may edit it first), through the real adapters against the fake platforms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import yaml

from bot.core.catalog.render import render_markdown
from bot.infra.yaml_files import load_catalog
from tests import test_e2e
from tests.fakes.arxiv import Item, api_feed
from tests.fakes.platforms import DISCORD_CHANNELS, SLACK_CHANNELS
from tests.test_e2e import (
    DISCORD_MAINT,
    DISCORD_VOTER,
    MAINT_ROLE,
    FakeArxiv,
    Lab,
    start_bot,
    stop_bot,
    until,
)

lab = test_e2e.lab
"""The e2e world (fake Slack, Discord, arXiv; a git catalog; a clock) as this module's fixture."""

VERA = Item(
    "2412.05555",
    "VERA: Explainable Video Anomaly Detection via Verbalized Learning of Vision-Language Models",
    "We detect and explain video anomalies by verbalized learning with a frozen VLM.",
    submitted=datetime(2024, 12, 2, 12, 0, tzinfo=UTC),
    comment="Accepted to CVPR 2025. Code: https://github.com/vera-framework/VERA",
)


@dataclass
class ArxivApi(FakeArxiv):
    """arXiv whose API knows VERA (with its comment); the RSS as in the e2e tests."""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if request.url.path.startswith("/api/"):
            return httpx.Response(200, content=api_feed([VERA]).encode())
        return httpx.Response(200, content=self.rss)


def entry_file(lab: Lab) -> dict[str, object]:
    [path] = list((lab.repo.root / "catalog" / "papers").glob("*/vera*.yaml"))
    data: dict[str, object] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data | {"folder": path.parent.name}


async def suggest_vera(lab: Lab) -> str:
    """A member suggests VERA in Slack; the ts of its candidate post."""
    await lab.slack.send_command(f"suggest {VERA.arxiv_id}", user="W1")
    await until(lambda: lab.slack.messages_in(SLACK_CHANNELS.candidates))
    return lab.slack.messages_in(SLACK_CHANNELS.candidates)[0].ts


def rendered_group(lab: Lab, title: str) -> tuple[str, str]:
    """(year heading, venue heading) above `title` in the rendered catalog/README.md."""
    lines = render_markdown(load_catalog(lab.repo.root / "catalog")).splitlines()
    at = next(i for i, line in enumerate(lines) if title in line)
    year = next(line for line in reversed(lines[:at]) if line.startswith("## "))
    venue = next(line for line in reversed(lines[:at]) if line.startswith("### "))
    return year, venue


async def test_a_checkmark_writes_the_entry_prefilled_from_the_arxiv_comment(
    lab: Lab,
) -> None:
    lab.arxiv = ArxivApi()
    bot = await start_bot(lab)
    ts = await suggest_vera(lab)
    await lab.slack.send_reaction(SLACK_CHANNELS.candidates, ts, "white_check_mark", "UMAINT")
    await until(
        lambda: (
            "Added to the list" in str(lab.slack.messages_in(SLACK_CHANNELS.candidates)[0].latest)
        )
    )
    await stop_bot(bot)

    entry = entry_file(lab)
    assert (entry["venue"], entry["year"], entry["folder"]) == ("CVPR", 2025, "2025")
    assert entry["links"] == {
        "arxiv": f"https://arxiv.org/abs/{VERA.arxiv_id}",
        "pdf": f"https://arxiv.org/pdf/{VERA.arxiv_id}",
        "code": "https://github.com/vera-framework/VERA",
    }
    assert rendered_group(lab, "VERA") == ("## Papers (2025)", "### CVPR 2025")
    message = lab.repo.git("log", "-1", "--format=%B")
    assert "Venue from the arXiv comment 'Accepted to CVPR 2025." in message


def input_value(view: dict[str, Any], field: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == field)
    value: str | None = block["element"].get("initial_value")
    return value


async def test_edit_and_approve_on_slack_writes_the_edited_entry_in_one_commit(lab: Lab) -> None:
    lab.arxiv = ArxivApi()
    bot = await start_bot(lab)
    await suggest_vera(lab)
    post = lab.slack.messages_in(SLACK_CHANNELS.candidates)[0]
    [button] = [e for b in post.blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Edit & approve"

    # A member who is no maintainer is told so, privately; no form opens.
    await lab.slack.click_button(button["action_id"], button["value"], user="W1")
    await until(lambda: any("maintainers" in str(r) for r in lab.slack.responses))
    [told] = [r for r in lab.slack.responses if "maintainers" in str(r)]
    assert told["text"].startswith("Only the list's maintainers can edit and approve")
    assert told["response_type"] == "ephemeral"
    assert lab.slack.views == []

    # The maintainer gets the form, prefilled; the summary is empty and says it is needed.
    await lab.slack.click_button(button["action_id"], button["value"], user="UMAINT")
    await until(lambda: lab.slack.views)
    [view] = lab.slack.views
    assert (input_value(view, "venue"), input_value(view, "year")) == ("CVPR", "2025")
    assert input_value(view, "code") == "https://github.com/vera-framework/VERA"
    assert input_value(view, "summary") is None
    summary_block = next(b for b in view["blocks"] if b["block_id"] == "summary")
    assert "Needed" in summary_block["hint"]["text"]

    # Submitted without a summary: refused under the field, nothing written.
    commits = lab.repo.git("rev-list", "--count", "HEAD")
    edited = {
        "title": "VERA: Explainable Video Anomaly Detection",
        "venue": "CVPR",
        "year": "2025",
        "code": input_value(view, "code") or "",
        "tags": "vlm, explainable",
    }
    ack = await lab.slack.submit_view(view, edited, user="UMAINT")
    assert ack["payload"]["response_action"] == "errors"
    assert "summary" in ack["payload"]["errors"]
    assert lab.repo.git("rev-list", "--count", "HEAD") == commits

    # With a summary: one commit with the edited entry; the post says who approved.
    ack = await lab.slack.submit_view(
        view, edited | {"summary": "用语言化学习让VLM解释视频异常。"}, "UMAINT"
    )
    assert "payload" not in ack or not ack["payload"]
    await until(lambda: "Added to the list" in str(post.latest))
    await stop_bot(bot)
    assert int(lab.repo.git("rev-list", "--count", "HEAD")) == int(commits) + 1
    entry = entry_file(lab)
    assert entry["title"] == "VERA: Explainable Video Anomaly Detection"
    assert entry["summary"] == "用语言化学习让VLM解释视频异常。"
    assert entry["tags"] == ["vlm", "explainable"]
    assert (entry["venue"], entry["year"]) == ("CVPR", 2025)
    assert "Approved-by: UMAINT (Slack)" in lab.repo.git("log", "-1", "--format=%B")
    assert rendered_group(lab, "VERA: Explainable") == ("## Papers (2025)", "### CVPR 2025")


def modal_value(modal: dict[str, Any], field: str) -> str | None:
    inputs = [c for row in modal["components"] for c in row.get("components", [row])]
    value: str | None = next(c for c in inputs if c["custom_id"] == field).get("value")
    return value


def discord_buttons(lab: Lab) -> list[dict[str, Any]]:
    post = lab.discord.messages_in(DISCORD_CHANNELS.candidates)[0]
    latest = post.edits[-1] if post.edits else post.payload
    return [c for row in latest.get("components") or [] for c in row["components"]]


async def test_edit_and_approve_on_discord_writes_the_edited_entry_in_one_commit(
    lab: Lab,
) -> None:
    lab.arxiv = ArxivApi()
    bot = await start_bot(lab)
    await suggest_vera(lab)
    await until(lambda: lab.discord.messages_in(DISCORD_CHANNELS.candidates))
    post = lab.discord.messages_in(DISCORD_CHANNELS.candidates)[0]
    [button] = discord_buttons(lab)
    assert button["label"] == "Edit & approve"
    await stop_bot(bot)
    bot = await start_bot(lab)  # the button answers cards posted before a restart

    # A member who is no maintainer is told so, privately; no form opens.
    await lab.discord.click_button(post, button["custom_id"], user_id=DISCORD_VOTER)
    await until(lambda: lab.discord.interaction_replies)
    [told] = lab.discord.interaction_replies
    assert told["type"] == 4
    assert told["data"]["content"].startswith("Only the list's maintainers can edit and approve")
    assert told["data"]["flags"] & 64  # ephemeral
    assert lab.discord.modals == []

    # The maintainer gets the form, prefilled as on Slack (venue and year in one field).
    await lab.discord.click_button(
        post, button["custom_id"], user_id=DISCORD_MAINT, roles=(MAINT_ROLE,)
    )
    await until(lambda: lab.discord.modals)
    [modal] = lab.discord.modals
    assert modal_value(modal, "venue") == "CVPR 2025"
    assert modal_value(modal, "code") == "https://github.com/vera-framework/VERA"
    assert modal_value(modal, "title") == " ".join(VERA.title.split())

    commits = int(lab.repo.git("rev-list", "--count", "HEAD"))
    edited = {
        "title": "VERA: Explainable Video Anomaly Detection",
        "venue": "CVPR 2025",
        "code": "https://github.com/vera-framework/VERA",
        "summary": "用语言化学习让VLM解释视频异常。",
        "tags": "vlm, explainable",
    }
    await lab.discord.submit_modal(modal, edited, user_id=DISCORD_MAINT, roles=(MAINT_ROLE,))
    await until(lambda: "Added to the list" in str(post.embeds))
    await until(lambda: any(r["kind"] == "followup" for r in lab.discord.interaction_replies))
    slack_post = lab.slack.messages_in(SLACK_CHANNELS.candidates)[0]
    await until(lambda: "Added to the list" in str(slack_post.latest))
    await stop_bot(bot)

    assert int(lab.repo.git("rev-list", "--count", "HEAD")) == commits + 1
    entry = entry_file(lab)
    assert entry["title"] == "VERA: Explainable Video Anomaly Detection"
    assert entry["summary"] == "用语言化学习让VLM解释视频异常。"
    assert entry["tags"] == ["vlm", "explainable"]
    assert (entry["venue"], entry["year"]) == ("CVPR", 2025)
    assert "(Discord)" in lab.repo.git("log", "-1", "--format=%B")
    assert discord_buttons(lab) == []  # decided: the button is gone
    [said] = [r for r in lab.discord.interaction_replies if r["kind"] == "followup"]
    assert said["content"].startswith("Added “VERA: Explainable Video Anomaly Detection”")
