"""Reactions made while the bot was down: read back from the platforms at start-up.

For each post of each pending candidate, the reactions now on the message are compared with the
votes the state store holds: a reaction it lacks is fed to the vote flow as added (a maintainer's
✅ made while the bot was down then approves), a recorded vote that is gone as removed. The flow
ignores repeats and reactions that mean nothing, so feeding it is always safe.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence

from bot.core.candidates.flow import Sleep, VoteFlow, candidate_key
from bot.core.candidates.reactions import normalise_emoji
from bot.core.models import Candidate, MessageRef, ReactionEvent
from bot.errors import ChatError, RateLimited

log = logging.getLogger(__name__)

ReadReactions = Callable[[MessageRef], Awaitable[Sequence[ReactionEvent]]]
"""The reactions now on a message, as added events (an adapter's `read_reactions`)."""
RATE_LIMIT_RETRIES = 3


async def catch_up_reactions(
    flow: VoteFlow,
    pending: Iterable[Candidate],
    refs: Callable[[str], Sequence[MessageRef]],
    readers: Mapping[str, ReadReactions],
    sleep: Sleep,
) -> int:
    """Bring the votes of pending candidates in line with their posts; how many changes fed."""
    fed = 0
    for candidate in pending:
        for ref in refs(candidate_key(candidate.id)):
            read = readers.get(ref.platform)
            if read is not None:
                fed += await _catch_up_post(flow, ref, read, sleep)
    return fed


async def _catch_up_post(flow: VoteFlow, ref: MessageRef, read: ReadReactions, sleep: Sleep) -> int:
    # the store first: a live event landing between the two reads is then only fed twice,
    # which changes nothing, instead of being undone
    recorded = flow.votes.post_votes(ref.platform, ref.message_id)
    present = await _read(ref, read, sleep)
    if present is None:
        return 0
    events = reconcile(ref, recorded, present)
    for event in events:
        await flow.on_reaction(event)
    return len(events)


async def _read(
    ref: MessageRef, read: ReadReactions, sleep: Sleep
) -> Sequence[ReactionEvent] | None:
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        try:
            return await read(ref)
        except RateLimited as exc:
            if attempt == RATE_LIMIT_RETRIES:
                break
            await sleep(exc.retry_after)
        except ChatError as exc:  # one unreadable post must not stop the others
            log.warning(
                "%s: cannot read the reactions on %s: %s", ref.platform, ref.message_id, exc
            )
            return None
    log.warning("%s: reactions on %s not read: rate limited", ref.platform, ref.message_id)
    return None


def reconcile(
    ref: MessageRef, recorded: Collection[tuple[str, str]], present: Sequence[ReactionEvent]
) -> list[ReactionEvent]:
    """The events that bring `recorded` (user id, normalised emoji) votes to what is `present`:
    removals first, so a changed vote never counts twice on the way."""
    here = {(event.user_id, normalise_emoji(event.emoji)): event for event in present}
    gone = [
        ReactionEvent(ref.platform, ref.channel, ref.message_id, user, emoji, False)
        for user, emoji in sorted(recorded)
        if (user, emoji) not in here
    ]
    return gone + [event for key, event in here.items() if key not in recorded]
