"""Catching up on reactions made while the bot was down, over the vote flow's ports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.candidates.flow import reconcile
from bot.core.models import MessageRef, ReactionEvent
from bot.errors import ChatError, RateLimited
from tests.core.test_voting import DISCORD_POST, SLACK_POST, build_world

REFS = [MessageRef("discord", "C", DISCORD_POST[1]), MessageRef("slack", "C", SLACK_POST[1])]


@dataclass
class Reader:
    """A platform as far as catching up reads it: its name and the reactions on a post."""

    platform: str
    read: Callable[[MessageRef], Awaitable[Sequence[ReactionEvent]]]

    async def read_reactions(self, ref: MessageRef) -> Sequence[ReactionEvent]:
        return await self.read(ref)


def on(ref: MessageRef, user: str, emoji: str, added: bool = True) -> ReactionEvent:
    return ReactionEvent(ref.platform, ref.channel, ref.message_id, user, emoji, added)


def test_reconcile_removes_what_is_gone_before_adding_what_is_new() -> None:
    ref = REFS[1]
    recorded = {("U1", "👍"), ("U2", "👍")}
    present = [on(ref, "U1", "+1"), on(ref, "U2", "-1"), on(ref, "U3", "thumbsup")]
    events = reconcile(ref, recorded, present)
    assert [(e.user_id, e.emoji, e.added) for e in events] == [
        ("U2", "👍", False),
        ("U2", "-1", True),
        ("U3", "thumbsup", True),
    ]


async def test_a_rate_limit_is_waited_out_and_a_failing_platform_does_not_stop_the_other() -> None:
    world = build_world()
    waits: list[float] = []
    limited = [RateLimited("slow down", 7.0)]

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def discord(ref: MessageRef) -> Sequence[ReactionEvent]:
        raise ChatError("Discord: 403 Missing Access")

    async def slack(ref: MessageRef) -> Sequence[ReactionEvent]:
        if limited:
            raise limited.pop()
        return [on(ref, "U1", "+1"), on(ref, "U2", "+1")]

    world.flow.throttle.sleep = sleep
    fed = 0
    for platform in (Reader("discord", discord), Reader("slack", slack)):
        fed += await world.flow.catch_up(platform, lambda key: REFS)  # type: ignore[arg-type]
    assert (fed, waits) == (2, [7.0])
    assert world.flow.tally(world.candidate.id).up == 2
