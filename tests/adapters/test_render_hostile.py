"""Candidate posts of hostile papers, as Slack and Discord receive them."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from bot.adapters.discord import adapter as discord_render
from bot.adapters.slack import adapter as slack_render
from bot.core.candidates.lifecycle import build_candidate_card
from bot.core.models import Candidate
from tests.support_votes import make_candidate

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def with_paper(**changes: object) -> Candidate:
    candidate = make_candidate()
    return replace(candidate, paper=replace(candidate.paper, **changes))  # type: ignore[arg-type]


def test_a_3000_character_title_keeps_the_slack_link_closed() -> None:
    card = build_candidate_card(with_paper(title="Video anomaly & LLM " * 160))
    title = slack_render.render_card(card)["blocks"][0]["text"]["text"]
    assert len(title) <= slack_render.SECTION_MAX
    assert re.fullmatch(r"\*<https://arxiv\.org/abs/2501\.01234\|[^<>|]*…>\*", title)


def test_5000_characters_of_authors_leave_the_discord_links_in_the_card() -> None:
    card = build_candidate_card(with_paper(authors=("X" * 5_000, "Y" * 5_000)))
    embed = discord_render.render_card(card)["embeds"][0]
    assert "[abs](https://arxiv.org/abs/2501.01234)" in embed["description"]
    assert "[code](https://github.com/lab/rare-events)" in embed["description"]
    assert discord_render.embed_length(embed) <= discord_render.MESSAGE_MAX


def test_bidi_controls_in_a_card_never_reach_chat_raw() -> None:
    sneaky = f"Normal {BIDI}gnp.exe"
    card = build_candidate_card(with_paper(title=sneaky, abstract=sneaky, authors=(sneaky,)))
    for payload in (slack_render.render_card(card), discord_render.render_card(card)):
        assert not set(json.dumps(payload, ensure_ascii=False)) & set(BIDI)
