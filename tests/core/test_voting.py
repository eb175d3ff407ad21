"""The vote flow over its ports: real state store, fake poster and writer, injected clock."""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.core.candidates.flow import Throttle, VoteFlow
from bot.core.candidates.lifecycle import (
    AddedEntry,
    EntryDraft,
    build_vote_card,
    candidate_origin,
    parse_candidate_key,
)
from bot.core.candidates.reactions import VoteRules, build_vote_rules
from bot.core.models import Candidate, Card, Entry, Match, ReactionEvent, SignOff
from bot.errors import GitError
from bot.infra.state import Database
from bot.infra.stores import CandidateStore
from bot.settings import load_settings
from tests.fakes import FakeClock, FakePoster
from tests.support_votes import FakeBook, make_candidate

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DISCORD_POST = ("discord", "900")
SLACK_POST = ("slack", "1700000000.0001")
ENV = {
    "VADBOT_DISCORD__MAINTAINER_USERS": "['111']",
    "VADBOT_SLACK__MAINTAINER_GROUPS": "['SMAINT']",
}

CARD = build_vote_card(VoteRules())


@dataclass
class FakeWriter:
    """An EntryWriter that remembers what it added, one entry per paper."""

    calls: list[tuple[int, str, str]] = field(default_factory=list)
    fail: bool = False
    push_error: str | None = None

    def add_candidate(
        self, candidate: Candidate, sign_off: SignOff, draft: EntryDraft | None = None
    ) -> AddedEntry:
        if self.fail:
            raise GitError("git commit failed: disk full")
        self.calls.append((candidate.id, sign_off.approver, sign_off.platform))
        path = f"catalog/papers/2025/c{candidate.id}.yaml"
        return AddedEntry(f"c{candidate.id}", path, "3f2a9c1d" * 5, push_error=self.push_error)

    def push_pending(self) -> str | None:
        return self.push_error

    def commit_of(self, path: str) -> str | None:
        return "b7e4c2a0" * 5  # the commit as rebased when the push went out


async def never(_: float) -> None:
    await asyncio.Event().wait()  # the throttle window never ends by itself: tests drain it


@dataclass
class World:
    flow: VoteFlow
    poster: FakePoster
    writer: FakeWriter
    candidates: CandidateStore
    candidate: Candidate


def build_world(rules: VoteRules | None = None) -> World:
    db = Database(":memory:")
    candidates = CandidateStore(db)
    paper = make_candidate().paper
    candidate = candidates.add_candidate(paper, Match(1.0, ("anomaly",)), NOW)
    posts = dict.fromkeys((DISCORD_POST, SLACK_POST), f"candidate:{candidate.id}")
    poster, writer = FakePoster(), FakeWriter()
    rules = rules or build_vote_rules(load_settings(None, ENV), bot_users=[("discord", "BOT")])
    flow = VoteFlow(
        rules,
        candidates,
        writer,
        poster,
        lambda p, m, _: posts.get((p, m)),
        FakeClock(),
        build_vote_card(rules),
        sleep=never,
    )
    return World(flow, poster, writer, candidates, candidate)


@pytest.fixture
def world() -> World:
    return build_world()


def react(
    post: tuple[str, str], user: str, emoji: str, added: bool = True, **kw: object
) -> ReactionEvent:
    return ReactionEvent(post[0], "C", post[1], user, emoji, added, **kw)  # type: ignore[arg-type]


def footers(world: World) -> list[str]:
    return [card.footer for _, card in world.poster.updated]


async def test_votes_on_both_platforms_are_summed_in_one_edit(world: World) -> None:
    for event in (
        react(DISCORD_POST, "1", "👍"),
        react(DISCORD_POST, "2", "👍"),
        react(DISCORD_POST, "3", "👎"),
        react(SLACK_POST, "U1", "+1"),
        react(SLACK_POST, "U2", "thumbsup"),
    ):
        await world.flow.on_reaction(event)
    assert world.poster.updated == []  # the window is still open
    await world.flow.aclose()
    assert footers(world) == ["👍 4 · 👎 1 (Discord 3, Slack 2)"]
    assert world.poster.updated[0][0] == "candidate:1"


async def test_duplicate_and_removed_reactions(world: World) -> None:
    await world.flow.on_reaction(react(SLACK_POST, "U1", "+1", event_id="Ev1"))
    await world.flow.on_reaction(react(SLACK_POST, "U1", "+1", event_id="Ev1"))
    await world.flow.on_reaction(react(DISCORD_POST, "7", "👍"))
    await world.flow.on_reaction(react(DISCORD_POST, "7", "👍"))
    await world.flow.aclose()
    assert footers(world) == ["👍 2 · 👎 0 (Discord 1, Slack 1)"]

    await world.flow.on_reaction(react(DISCORD_POST, "7", "👍", added=False))
    await world.flow.aclose()
    assert footers(world)[-1] == "👍 1 · 👎 0 (Slack 1)"
    assert world.flow.tally(1).up == 1


async def test_the_bots_own_reactions_change_nothing(world: World) -> None:
    await world.flow.on_reaction(react(DISCORD_POST, "BOT", "👍"))
    await world.flow.on_reaction(react(DISCORD_POST, "BOT", "✅"))
    await world.flow.aclose()
    assert world.poster.updated == []
    assert world.writer.calls == []


async def test_a_non_maintainers_checkmark_is_neither_a_decision_nor_a_vote(world: World) -> None:
    await world.flow.on_reaction(react(SLACK_POST, "U5", "white_check_mark"))
    await world.flow.on_reaction(react(DISCORD_POST, "5", "❌"))
    await world.flow.aclose()
    assert world.writer.calls == []
    assert world.poster.updated == []
    assert world.candidates.get(1).status == "pending"  # type: ignore[union-attr]


async def test_a_maintainers_checkmark_adds_the_paper_and_edits_the_posts(world: World) -> None:
    await world.flow.on_reaction(react(SLACK_POST, "U9", "white_check_mark", roles=("SMAINT",)))
    assert world.writer.calls == [(1, "U9", "slack")]
    assert footers(world) == [
        "✅ Added to the list by @U9 (Slack) · commit 3f2a9c1 · catalog/papers/2025/c1.yaml"
    ]
    decided = world.candidates.get(1)
    assert decided is not None
    assert (decided.status, decided.entry_id, decided.decided_platform) == (
        "approved",
        "c1",
        "slack",
    )


async def test_the_decider_is_named_as_the_platform_names_them(world: World) -> None:
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅", user_name="maintainer"))
    assert world.writer.calls == [(1, "maintainer", "discord")]
    assert footers(world)[0].startswith("✅ Added to the list by @maintainer (Discord) · ")


async def test_two_maintainers_at_once_make_one_entry(world: World) -> None:
    await asyncio.gather(
        world.flow.on_reaction(react(DISCORD_POST, "111", "✅")),
        world.flow.on_reaction(react(SLACK_POST, "U9", "white_check_mark", roles=("SMAINT",))),
    )
    assert len(world.writer.calls) == 1
    assert len(world.poster.updated) == 1


async def test_a_rejection_is_final_and_later_votes_are_ignored(world: World) -> None:
    await world.flow.on_reaction(react(DISCORD_POST, "111", "❌"))
    await world.flow.on_reaction(react(SLACK_POST, "U9", "white_check_mark", roles=("SMAINT",)))
    await world.flow.on_reaction(react(SLACK_POST, "U1", "+1"))
    await world.flow.aclose()
    assert footers(world) == ["❌ Rejected by @111 (Discord)"]
    assert world.writer.calls == []
    assert world.candidates.get(1).status == "rejected"  # type: ignore[union-attr]


async def test_removing_a_checkmark_does_not_undo_a_decision(world: World) -> None:
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅"))
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅", added=False))
    assert world.candidates.get(1).status == "approved"  # type: ignore[union-attr]


async def test_auto_approve_at_the_configured_net_votes() -> None:
    env = {**ENV, "VADBOT_VOTES__AUTO_APPROVE_AT": "2"}
    world = build_world(build_vote_rules(load_settings(None, env)))
    await world.flow.on_reaction(react(DISCORD_POST, "1", "👍"))
    assert world.writer.calls == []
    await world.flow.on_reaction(react(SLACK_POST, "U1", "+1"))
    assert world.writer.calls == [(1, "auto-approve", "slack")]
    assert footers(world)[-1].startswith("✅ Added to the list by votes (auto-approve)")


async def test_a_failed_write_keeps_the_candidate_pending_and_alerts(world: World) -> None:
    world.writer.fail = True
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅"))
    assert world.candidates.get(1).status == "pending"  # type: ignore[union-attr]
    assert [(p, k) for p, k, _ in world.poster.published] == [("admin", "approve-failed:1")]
    assert "disk full" not in world.poster.published[0][2].body  # no exception text in chat


async def test_a_failed_push_is_reported_and_shown(world: World) -> None:
    world.writer.push_error = "git push failed: rejected"
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅"))
    assert world.candidates.get(1).status == "approved"  # type: ignore[union-attr]
    assert world.poster.published[0][0] == "admin"
    assert footers(world)[-1].endswith("not pushed yet, will retry")


async def test_the_next_push_that_works_shows_the_real_commit_on_the_unpushed_posts(
    world: World,
) -> None:
    world.writer.push_error = "git push failed: rejected"
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅"))
    assert await world.flow.push_pending() == "git push failed: rejected"
    assert len(world.poster.updated) == 1  # still not pushed: nothing new to show
    world.writer.push_error = None
    assert await world.flow.push_pending() is None
    key, card = world.poster.updated[-1]
    assert key == "candidate:1"
    assert card.footer.endswith("commit b7e4c2a · catalog/papers/2025/c1.yaml")
    assert world.candidates.get(1).commit == "b7e4c2a0" * 5  # type: ignore[union-attr]
    await world.flow.push_pending()
    assert len(world.poster.updated) == 2  # shown once


async def test_an_approval_whose_push_works_takes_the_unpushed_ones_along(world: World) -> None:
    world.writer.push_error = "git push failed: rejected"
    await world.flow.on_reaction(react(DISCORD_POST, "111", "✅"))
    paper = make_candidate(0, "2501.00099", "Another anomaly paper").paper
    second = world.candidates.add_candidate(paper, Match(1.0, ("anomaly",)), NOW)
    world.writer.push_error = None
    await world.flow.decide(second.id, "approve", "ana", "slack")
    shown = {key: card.footer for key, card in world.poster.updated}
    assert shown["candidate:1"].endswith("commit b7e4c2a · catalog/papers/2025/c1.yaml")
    assert "not pushed" not in shown[f"candidate:{second.id}"]


async def test_reactions_on_other_posts_are_ignored(world: World) -> None:
    await world.flow.on_reaction(react(("discord", "12345"), "111", "✅"))
    await world.flow.on_reaction(react(("discord", "12345"), "1", "👍"))
    await world.flow.aclose()
    assert world.writer.calls == []
    assert world.poster.updated == []


async def test_new_candidates_are_posted_once_with_reactions(world: World) -> None:
    other = make_candidate(13, "2501.00013", status="rejected")
    assert await world.flow.post_new([world.candidate, other]) == 1
    await world.flow.post_new()
    [(purpose, key, card)] = world.poster.published
    assert (purpose, key) == ("candidates", "candidate:1")
    assert card.reactions == ("👍", "👎", "✅", "❌")


async def test_the_throttle_runs_a_burst_once_per_window() -> None:
    windows: list[float] = []
    opened = asyncio.Event()

    async def sleep(seconds: float) -> None:
        windows.append(seconds)
        await opened.wait()

    throttle = Throttle(5.0, sleep)
    runs: list[int] = []

    async def edit(n: int) -> None:
        runs.append(n)

    for n in range(10):
        throttle.request("c1", lambda n=n: edit(n))  # type: ignore[misc]
    await asyncio.sleep(0)
    opened.set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert runs == [9]  # one edit, showing the latest state
    assert windows == [5.0]
    throttle.request("c1", lambda: edit(10))
    for _ in range(3):
        await asyncio.sleep(0)
    assert runs == [9, 10]


def test_an_entry_from_an_approved_candidate_names_it() -> None:
    approved = make_candidate(1, "2501.01234", status="approved")
    book = FakeBook([dataclasses.replace(approved, entry_id="rare-events")])
    book.items.append(make_candidate(13, "2501.00013"))
    origin = candidate_origin(book)
    assert origin(Entry("rare-events", "paper", "Rare", arxiv_id="2501.01234")) == (
        "from candidate #1"
    )
    assert origin(Entry("other", "paper", "Pending", arxiv_id="2501.00013")) is None
    assert origin(Entry("hand-made", "paper", "No arXiv")) is None


async def test_a_slow_tally_edit_never_lands_over_the_decision(world: World) -> None:
    slow = asyncio.Event()
    real_update = world.poster.update

    async def update(key: str, card: Card) -> None:
        if "Added to the list" not in card.footer:
            await slow.wait()  # the tally edit is stuck on the network
        await real_update(key, card)

    world.poster.update = update  # type: ignore[method-assign]
    await world.flow.on_reaction(react(SLACK_POST, "U1", "+1"))
    draining = asyncio.create_task(world.flow.aclose())
    await asyncio.sleep(0)
    deciding = asyncio.create_task(world.flow.on_reaction(react(DISCORD_POST, "111", "✅")))
    await asyncio.sleep(0.01)
    slow.set()
    await asyncio.gather(draining, deciding)
    assert "Added to the list" in footers(world)[-1]


@pytest.mark.parametrize(
    ("key", "number"),
    [("candidate:12", 12), ("entry:holmes-vau", None), ("candidate:x", None), (None, None)],
)
def test_only_candidate_posts_lead_to_a_candidate(key: str | None, number: int | None) -> None:
    assert parse_candidate_key(key) == number


@dataclass
class BrokenWriter(FakeWriter):
    """A writer that fails as the file system does on a title too long for a file name."""

    def add_candidate(
        self, candidate: Candidate, sign_off: SignOff, draft: EntryDraft | None = None
    ) -> AddedEntry:
        raise OSError(36, "File name too long")


async def test_an_unexpected_error_in_an_approval_is_answered_and_alerted_once() -> None:
    world = build_world()
    world.flow.writer = BrokenWriter()
    for _ in range(2):  # the maintainer tries again
        await world.flow.on_reaction(react(DISCORD_POST, "111", "✅"))
    candidate = world.candidates.get(world.candidate.id)
    assert candidate is not None
    assert candidate.status == "pending"
    alerts = [(purpose, key) for purpose, key, _ in world.poster.published]
    assert alerts == [("admin", f"approve-failed:{world.candidate.id}")]
    assert "File name too long" not in str(world.poster.published)
    assert world.poster.updated, "the card tells the maintainer the approval failed"
    assert "failed" in world.poster.updated[-1][1].footer
