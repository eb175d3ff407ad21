"""Issue 13 point 3: with an LLM configured, the entry a ✅ writes (and the Edit & approve modal)
carries a one-line summary drafted in the list's language and style; a wrong or over-long answer
is retried once, a failure or a timeout leaves the summary empty, in time. Through build_bot,
the fake Slack and a fake OpenAI-compatible server."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from bot.settings import LlmSettings
from tests.fakes.openai_server import FakeOpenAI, Reply, answer, slow, status
from tests.fakes.platforms import SLACK_CHANNELS
from tests.git_repo import make_entry
from tests.test_e2e import Lab, start_bot, stop_bot, until
from tests.test_finished_entries import ArxivApi, entry_file, lab, suggest_vera

__all__ = ["lab"]

SUMMARY = "用语言化学习让视觉语言模型解释视频异常。"
LIST_SUMMARIES = ("利用大模型推理检测视频中的异常事件。", "以文本描述定位监控视频的异常片段。")


@pytest.fixture
async def openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.close()


def with_llm(lab: Lab, fake: FakeOpenAI, timeout: float = 5.0) -> None:
    """The lab's list written in Chinese, and the LLM endpoint configured."""
    lab.repo.add(*(make_entry(f"zh-{n}", summary=s) for n, s in enumerate(LIST_SUMMARIES)))
    settings = LlmSettings(base_url=fake.base_url, model="drafter", timeout_seconds=timeout)
    lab.settings = dataclasses.replace(lab.settings, llm=settings)
    lab.arxiv = ArxivApi()


async def approve_by_reaction(lab: Lab) -> float:
    """A maintainer's ✅ on VERA's Slack post; seconds until its post says it was added."""
    bot = await start_bot(lab)
    ts = await suggest_vera(lab)
    started = time.monotonic()
    await lab.slack.send_reaction(SLACK_CHANNELS.candidates, ts, "white_check_mark", "UMAINT")
    post = lab.slack.messages_in(SLACK_CHANNELS.candidates)[0]
    await until(lambda: "Added to the list" in str(post.latest))
    took = time.monotonic() - started
    await stop_bot(bot)
    return took


async def test_a_checkmark_writes_the_summary_drafted_in_the_lists_language(
    lab: Lab, openai: FakeOpenAI
) -> None:
    with_llm(lab, openai)
    openai.script = [answer(SUMMARY)]
    await approve_by_reaction(lab)
    assert entry_file(lab)["summary"] == SUMMARY
    [asked] = openai.requests
    assert "Chinese" in asked.messages[0]["content"]
    assert LIST_SUMMARIES[0] in asked.prompt  # few-shot from the list's own entries


async def test_a_wrong_language_is_retried_once(lab: Lab, openai: FakeOpenAI) -> None:
    with_llm(lab, openai)
    openai.script = [answer("VERA explains video anomalies with a VLM."), answer(SUMMARY)]
    await approve_by_reaction(lab)
    assert entry_file(lab)["summary"] == SUMMARY
    assert len(openai.requests) == 2
    assert "was not in Chinese" in openai.requests[1].messages[-1]["content"]


@pytest.mark.parametrize(
    ("replies", "calls"),
    [
        ([answer("异常" * 300), answer("检测" * 300)], 2),  # too long, twice
        ([status(500)], 1),
    ],
    ids=["too-long", "500"],
)
async def test_no_usable_draft_leaves_the_summary_empty(
    lab: Lab, openai: FakeOpenAI, replies: list[Reply], calls: int
) -> None:
    with_llm(lab, openai)
    openai.script = list(replies)
    await approve_by_reaction(lab)
    assert not entry_file(lab).get("summary")
    assert entry_file(lab)["venue"] == "CVPR"  # written all the same, prefilled
    assert len(openai.requests) == calls


async def test_a_timeout_writes_the_entry_with_an_empty_summary_in_time(
    lab: Lab, openai: FakeOpenAI
) -> None:
    with_llm(lab, openai, timeout=0.3)
    openai.script = [slow()]
    took = await approve_by_reaction(lab)
    assert not entry_file(lab).get("summary")
    assert took < 3.0  # the client's deadline, then git: never the model's silence


async def test_the_slack_modal_opens_at_once_and_gets_the_draft_when_it_comes(
    lab: Lab, openai: FakeOpenAI
) -> None:
    with_llm(lab, openai)
    openai.script = [answer(SUMMARY)]
    bot = await start_bot(lab)
    await suggest_vera(lab)
    post = lab.slack.messages_in(SLACK_CHANNELS.candidates)[0]
    [button] = [e for b in post.blocks if b["type"] == "actions" for e in b["elements"]]
    await lab.slack.click_button(button["action_id"], button["value"], user="UMAINT")
    await until(lambda: lab.slack.view_updates)
    [opened] = lab.slack.views
    assert (
        "initial_value"
        not in next(b for b in opened["blocks"] if b["block_id"] == "summary")["element"]
    )
    [updated] = lab.slack.view_updates
    assert (updated["view_id"], updated["hash"]) == ("V1", "hash-V1")
    block = next(b for b in updated["blocks"] if b["block_id"] == "summary-drafted")
    assert block["element"]["initial_value"] == SUMMARY

    values = {
        b["block_id"]: b["element"].get("initial_value") or "" for b in updated["blocks"]
    }  # the maintainer keeps what the form holds
    ack = await lab.slack.submit_view(updated, values, "UMAINT")
    assert "payload" not in ack or not ack["payload"]
    await until(lambda: "Added to the list" in str(post.latest))
    await stop_bot(bot)
    assert entry_file(lab)["summary"] == SUMMARY
    assert len(openai.requests) == 1
