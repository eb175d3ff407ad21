"""`/vad suggest` and `/vad candidates` over fake ports."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from bot.core.candidates.commands import CandidateCommands
from bot.core.candidates.flow import VoteFlow
from bot.core.candidates.lifecycle import build_vote_card
from bot.core.candidates.reactions import VoteReaction, VoteRules
from bot.core.models import Catalog, Entry, Paper, Request
from bot.errors import FeedError, UserError
from tests.fakes import FakeClock, FakePoster
from tests.support_votes import FakeBook, make_candidate

RULES = VoteRules()
CARD = build_vote_card(RULES)


@dataclass
class FakeArxiv:
    papers: dict[str, Paper] = field(default_factory=dict)
    down: bool = False
    asked: list[Sequence[str]] = field(default_factory=list)

    async def fetch_by_ids(self, ids: Sequence[str]) -> Sequence[Paper]:
        self.asked.append(list(ids))
        if self.down:
            raise FeedError("arXiv API answered 503")
        return [self.papers[i] for i in ids if i in self.papers]


HOLMES = Entry("holmes-vau", "paper", "Holmes-VAU: Long-term VAU", arxiv_id="2412.06171")


async def catalog() -> Catalog:
    return Catalog("List", "", (HOLMES,))


@pytest.fixture
def parts() -> tuple[CandidateCommands, FakeBook, FakeArxiv, FakePoster]:
    book, arxiv, poster = FakeBook(), FakeArxiv(), FakePoster()
    for c in (make_candidate(1, "2501.00001", "Fresh Paper"),):
        arxiv.papers[c.paper.arxiv_id] = c.paper
    arxiv.papers["2412.06171"] = make_candidate(9, "2412.06171", "Holmes-VAU: Long-term VAU").paper
    book.votes[1] = [VoteReaction("slack", "U9", "+1")]
    flow = VoteFlow(RULES, book, None, poster, lambda *_: None, FakeClock(), CARD)  # type: ignore[arg-type]
    commands = CandidateCommands(flow, arxiv, catalog, FakeClock())
    return commands, book, arxiv, poster


def ask(text: str) -> Request:
    return Request("slack", "U1", "C1", "suggest", text, user_name="ana")


async def test_a_suggestion_becomes_a_posted_candidate(parts) -> None:
    commands, book, arxiv, poster = parts
    reply = await commands.suggest(ask("https://arxiv.org/abs/2501.00001v2"))
    assert arxiv.asked == [["2501.00001"]]
    assert reply.text == "Thanks! “Fresh Paper” is now candidate #1: vote on its post."
    assert book.items[0].source == "suggest"
    assert book.suggested_by == "ana (Slack)"
    [(purpose, key, card)] = poster.published
    assert (purpose, key, card.title) == ("candidates", "candidate:1", "Fresh Paper")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give an arXiv id or link, for example `/vad suggest 2501.01234`."),
        ("not-a-paper", "“not-a-paper” is not an arXiv id or link"),
        ("2501.99999", "arXiv has no paper 2501.99999; check the id."),
        ("2412.06171", "“Holmes-VAU: Long-term VAU” is already in the list (entry `holmes-vau`)."),
    ],
)
async def test_clear_messages_for_what_cannot_be_suggested(parts, text, message) -> None:
    commands, book, _, poster = parts
    with pytest.raises(UserError) as caught:
        await commands.suggest(ask(text))
    assert str(caught.value).startswith(message)
    assert book.items == []
    assert poster.published == []


async def test_a_listed_paper_is_answered_without_asking_arxiv(parts) -> None:
    commands, _, arxiv, _ = parts
    arxiv.down = True  # the answer must not wait for, or depend on, arXiv
    with pytest.raises(UserError, match="is already in the list"):
        await commands.suggest(ask("https://arxiv.org/abs/2412.06171v2"))
    assert arxiv.asked == []


async def test_a_known_candidate_is_named_with_its_fate(parts) -> None:
    commands, book, _, _ = parts
    pending = make_candidate(4, "2501.00004", "Pending One")
    rejected = dataclasses.replace(
        make_candidate(5, "2501.00005", "Rejected One"),
        status="rejected",
        decided_by="bo",
        decided_platform="discord",
    )
    book.items += [pending, rejected]
    with pytest.raises(UserError, match=r"already candidate #4: vote on its post"):
        await commands.suggest(ask("2501.00004"))
    with pytest.raises(UserError, match=r"#5\) was rejected by bo \(Discord\)"):
        await commands.suggest(ask("arXiv:2501.00005v3"))


async def test_arxiv_down_is_a_friendly_message(parts) -> None:
    commands, _, arxiv, _ = parts
    arxiv.down = True
    with pytest.raises(UserError, match="arXiv did not answer just now"):
        await commands.suggest(ask("2501.00001"))


async def test_candidates_lists_the_pending_ones_most_voted_first(parts) -> None:
    commands, book, _, _ = parts
    assert (
        await commands.list_pending(ask(""))
    ).text == "No candidates are waiting for a decision."
    book.items += [
        make_candidate(1, "2501.00001", "Liked"),
        make_candidate(2, "2501.00002", "Fresh"),
        make_candidate(3, "2501.00003", "Decided", status="approved"),
    ]
    [card] = (await commands.list_pending(ask(""))).cards
    assert card.title == "2 candidate(s) waiting for a decision"
    assert [i.title for i in card.items] == ["Liked", "Fresh"]  # numbered once, by the list
    assert card.items[0].body == "candidate #1 · 👍 1 · 👎 0 (Slack 1)"  # the votes are shown
    assert card.items[1].body == "candidate #2 · no votes yet"
