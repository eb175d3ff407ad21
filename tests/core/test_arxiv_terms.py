"""The term syntax: alternatives, parentheses, context clauses, plurals and case."""

from __future__ import annotations

from bot.core.arxiv.terms import alternatives, build_group, compile_term, split_context


def test_parentheses_give_each_alternative_its_leading_word() -> None:
    assert alternatives("A | b (c | d)") == ["A", "b c", "b d"]


def test_context_clauses_are_split_from_the_head() -> None:
    head, context = split_context("prompt | prompting if VAD unless visual prompt*")
    assert head == "prompt | prompting"
    assert context == {"if": "VAD", "unless": "visual prompt*"}


def test_a_term_with_if_and_unless_counts_only_where_both_allow() -> None:
    term = compile_term("prompt if VAD unless visual prompt*")
    assert term.spans("Text prompts help VAD.")
    assert not term.spans("Text prompts help segmentation.")
    assert not term.spans("Visual prompts and text prompts help VAD.")


def test_plurals_hyphens_and_capitals() -> None:
    group = build_group("g", ("anomaly", "near-crash*", "VLM"))
    assert group.is_met("Two anomalies")
    assert group.is_met("near crashes")
    assert group.is_met("VLMs")
    assert not group.is_met("vlm")
