"""The LLM summary drafter, through the real client, against a fake endpoint on 127.0.0.1."""

from __future__ import annotations

import logging

import pytest

from bot.core.models import Entry
from bot.core.summary import Example, draft_summary, pick_examples, summary_style
from tests.fakes.openai_server import KEY, FakeOpenAI, MakeLlm, answer, echo_key, slow, status

# Five entries of the seed list (catalog/papers/), as the list writes them.
EXAMPLES = (
    Example(
        "Holmes-VAD: Towards Unbiased and Explainable Video Anomaly Detection via Multi-modal LLM",
        "通过多模态 LLM 实现无偏且可解释的视频异常检测，"
        "结合视觉与语言模态提供异常判断的多维度证据。",
    ),
    Example(
        "Follow the Rules: Reasoning for Video Anomaly Detection with Large Language Models",
        "通过两阶段推理机制（归纳与演绎）利用 LLM 从少量正常样本中总结正常规律，再据此检测异常帧，"
        "结合规则聚合与感知平滑提升推理稳健性。",
    ),
    Example(
        "HAWK: Learning to Understand Open-World Video Anomalies",
        "利用视觉语言模型理解开放世界视频异常，引入运动模态增强 VLM 对动态异常的感知能力，"
        "突破传统封闭集检测限制。",
    ),
    Example(
        "VadCLIP: Adapting Vision-Language Models for Weakly Supervised Video Anomaly Detection",
        "将 CLIP 适配到弱监督视频异常检测，利用可学习提示和视觉-语言对齐提升检测效果。",
    ),
    Example(
        "Harnessing Large Language Models for Training-free Video Anomaly Detection",
        "无需训练，利用 LLM 对视频描述进行推理，实现零样本视频异常检测。",
    ),
)
TITLE = "Reasoning About Rare Events: Multimodal LLMs for Open-Set Video Anomaly Detection"
ABSTRACT = (
    "We propose a framework that prompts a multimodal large language model (MLLM) to detect and "
    "explain anomalies in surveillance videos."
)
GOOD = "利用多模态大语言模型检测并解释监控视频中的开放集异常事件，无需针对新异常类别重新训练。"
ENGLISH = "A multimodal LLM framework that detects and explains open-set anomalies in surveillance."


async def test_right_language_is_kept_and_the_list_is_shown_as_examples(
    server: FakeOpenAI, make_llm: MakeLlm
) -> None:
    server.script = [answer(f"  {GOOD}  ")]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) == GOOD
    assert len(server.requests) == 1
    prompt = server.requests[0].prompt
    assert all(e.title in prompt and e.summary in prompt for e in EXAMPLES)
    assert "Chinese" in prompt
    assert ABSTRACT in prompt


async def test_wrong_language_is_retried_once_then_kept(
    server: FakeOpenAI, make_llm: MakeLlm
) -> None:
    server.script = [answer(ENGLISH), answer(GOOD)]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) == GOOD
    assert len(server.requests) == 2
    retry = server.requests[1].messages
    assert retry[-2]["content"] == ENGLISH  # the model sees what it answered…
    assert "Chinese" in retry[-1]["content"]  # …and what was wrong with it


async def test_wrong_language_twice_is_left_for_the_maintainer(
    server: FakeOpenAI, make_llm: MakeLlm
) -> None:
    server.script = [answer(ENGLISH), answer(ENGLISH), answer(GOOD)]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) is None
    assert len(server.requests) == 2


async def test_too_long_is_retried_then_given_up(server: FakeOpenAI, make_llm: MakeLlm) -> None:
    longest = max(len(e.summary) for e in EXAMPLES)
    rambling = "利用多模态大语言模型" * (longest // 5)
    assert len(rambling) > longest * 1.2
    server.script = [answer(rambling), answer(rambling)]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) is None
    assert len(server.requests) == 2
    assert str(int(longest * 1.2)) in server.requests[1].messages[-1]["content"]


@pytest.mark.parametrize(
    "bad",
    [
        f"摘要：\n{GOOD}",
        f"**{GOOD}**",
        f"{GOOD} https://evil.example",
        f"<@U123> {GOOD}",
    ],
)
async def test_markup_or_several_lines_is_retried(
    server: FakeOpenAI, make_llm: MakeLlm, bad: str
) -> None:
    server.script = [answer(bad), answer(GOOD)]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) == GOOD
    assert len(server.requests) == 2


async def test_server_error_gives_none_at_once(
    server: FakeOpenAI, make_llm: MakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [status(500)]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) is None
    assert len(server.requests) == 1
    assert "Traceback" not in caplog.text


async def test_timeout_gives_none(server: FakeOpenAI, make_llm: MakeLlm) -> None:
    server.script = [slow()]
    llm = make_llm(server.base_url, timeout=0.05)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) is None


async def test_the_key_never_reaches_a_summary_or_the_log(
    server: FakeOpenAI, make_llm: MakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script = [echo_key(), echo_key(500)]
    llm = make_llm(server.base_url)
    assert await draft_summary(TITLE, ABSTRACT, EXAMPLES, llm.complete) is None
    assert KEY not in caplog.text
    assert all(KEY not in r.prompt for r in server.requests)  # not even echoed back to it


def test_style_follows_most_of_the_list() -> None:
    summaries = [e.summary for e in EXAMPLES] + ["Campus surveillance anomaly set.", ""]
    style = summary_style(summaries)
    assert style.language == "Chinese"
    assert style.max_chars == int(max(len(s) for s in summaries) * 1.2)
    english = summary_style(["Real-world surveillance anomaly dataset.", "A benchmark.", GOOD])
    assert english.language == "English"


def test_examples_are_the_newest_summaries_in_the_list_s_language() -> None:
    entries = [
        Entry(f"e{i}", "paper", e.title, year=2020 + i, summary=e.summary)
        for i, e in enumerate(EXAMPLES)
    ]
    entries += [
        Entry("en", "paper", "An English one", year=2030, summary="Plain English summary."),
        Entry("empty", "paper", "No summary", year=2031),
        Entry("data", "dataset", "A dataset", year=2032, summary="数据集。"),
    ]
    picked = pick_examples(entries, n=3)
    assert [p.title for p in picked] == [EXAMPLES[4].title, EXAMPLES[3].title, EXAMPLES[2].title]
