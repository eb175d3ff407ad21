"""The vote flow: reactions on candidates' posts become votes and decisions, and posts follow.

`VoteFlow.on_reaction` is the ReactionSink the adapters call. A vote updates the tally shown
on every post of the candidate, at most once per throttle window (a burst is one edit). A
maintainer's ✅ writes the entry and commits it, a ❌ rejects; either way every post of the
candidate, on every platform, is edited to say who decided. Decisions are taken one at a time,
so a ✅ on Discord and one on Slack at the same moment make one entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from bot.core.candidates.approval import AddedEntry
from bot.core.candidates.reactions import (
    Decision,
    Meaning,
    VoteRules,
    build_tally,
    describe_decision,
    display_name,
    is_auto_approved,
    read_reaction,
)
from bot.core.cards import build_candidate_card
from bot.core.models import Candidate, Card, Entry, ReactionEvent, Tally
from bot.core.ports import Candidates, Clock, EntryWriter, Poster, SuggestionBook, VoteState
from bot.errors import VadbotError

log = logging.getLogger(__name__)

CardBuilder = Callable[[Candidate, Tally, Decision | None], Card]
Sleep = Callable[[float], Awaitable[None]]
AUTO_APPROVER = "auto-approve"
CANDIDATE_PREFIX = "candidate:"


def candidate_key(candidate_id: int) -> str:
    """The Poster key of a candidate's posts."""
    return f"{CANDIDATE_PREFIX}{candidate_id}"


def parse_candidate_key(key: str | None) -> int | None:
    """The candidate number in a post key, or None for posts about anything else."""
    number = key.removeprefix(CANDIDATE_PREFIX) if key else ""
    return int(number) if key != number and number.isdigit() else None


class VoteFlow:
    """Turns reactions into votes and decisions; implements the ReactionSink port."""

    def __init__(
        self,
        rules: VoteRules,
        votes: VoteState,
        candidates: Candidates,
        writer: EntryWriter,
        poster: Poster,
        find_key: Callable[[str, str], str | None],
        clock: Clock,
        build_card: CardBuilder,
        *,
        throttle_seconds: float = 5.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rules = rules
        self.votes = votes
        self.candidates = candidates
        self.writer = writer
        self.poster = poster
        self.find_key = find_key
        """(platform, message id) → the key it was posted for (the outbox's lookup)."""
        self.clock = clock
        self.build_card = build_card
        self.throttle = Throttle(throttle_seconds, sleep)
        self._decide_lock = asyncio.Lock()
        self._edit_lock = asyncio.Lock()
        """One edit at a time, so a slow tally edit can never land over a decision."""

    async def on_reaction(self, event: ReactionEvent) -> None:
        """Handle one reaction added or removed, from any platform."""
        meaning = read_reaction(event, self.rules)
        if meaning is None:
            return
        candidate_id = parse_candidate_key(self.find_key(event.platform, event.message_id))
        candidate = self.candidates.get(candidate_id) if candidate_id is not None else None
        if candidate is None or candidate.status != "pending":
            return
        if meaning in ("up", "down"):
            await self._vote(candidate, event)
        elif event.added:
            name = display_name(self.rules, event.platform, event.user_id, event.user_name)
            await self.decide(candidate.id, meaning, name, event.platform)

    async def _vote(self, candidate: Candidate, event: ReactionEvent) -> None:
        if not self.votes.record_vote(event, candidate.id, self.clock.now()):
            return
        tally = self.tally(candidate.id)
        if is_auto_approved(tally, self.rules):
            await self.decide(candidate.id, "approve", AUTO_APPROVER, event.platform, auto=True)
            return
        self.throttle.request(candidate.id, lambda: self._show_tally(candidate.id))

    def tally(self, candidate_id: int) -> Tally:
        """The current votes on a candidate, over all its posts."""
        return build_tally(self.votes.vote_reactions(candidate_id), self.rules)

    async def _show_tally(self, candidate_id: int) -> None:
        async with self._edit_lock:
            candidate = self.candidates.get(candidate_id)
            if candidate is None or candidate.status != "pending":
                return  # decided: the posts show the decision, not the tally
            card = self.build_card(candidate, self.tally(candidate_id), None)
            await self.poster.update(candidate_key(candidate_id), card)

    async def decide(
        self, candidate_id: int, meaning: Meaning, by: str, platform: str, *, auto: bool = False
    ) -> Decision | None:
        """Approve or reject a pending candidate; None if it was decided already."""
        async with self._decide_lock:
            candidate = self.candidates.get(candidate_id)
            if candidate is None or candidate.status != "pending":
                return None
            added = await self._add(candidate, by, platform) if meaning == "approve" else None
            if meaning == "approve" and added is None:
                return None
            decision = (
                _approved(added, by, platform, auto)
                if added
                else Decision("rejected", by, platform)
            )
            entry_id = added.entry_id if added else None
            if not self.votes.decide(candidate_id, decision, entry_id, self.clock.now()):
                return None
            if added and added.push_error:
                self.votes.mark_unpushed(candidate_id, added.path)
        log.info("candidate #%s %s by %s (%s)", candidate_id, decision.status, by, platform)
        await self._show_decision(candidate_id, decision)
        if added and added.created and not added.push_error:
            await self._show_pushed()  # this push took the earlier unpushed commits along
        return decision

    async def push_pending(self) -> str | None:
        """Push what a failed push left; then the posts that said "not pushed yet" show the
        commit the remote has. None, or why the push failed again."""
        async with self._decide_lock:  # an approval's push cannot slip between the two
            error = await asyncio.to_thread(self.writer.push_pending)
        if error is None:
            await self._show_pushed()
        return error

    async def _show_pushed(self) -> None:
        for candidate_id, path in self.votes.unpushed():
            commit = await asyncio.to_thread(self.writer.commit_of, path)
            self.votes.set_pushed(candidate_id, commit)
            candidate = self.candidates.get(candidate_id)
            if candidate is None or candidate.status != "approved":
                continue
            by, platform = candidate.decided_by or "", candidate.decided_platform or ""
            auto = by == AUTO_APPROVER
            decision = Decision("approved", by, platform, commit, path, "", auto)
            await self._show_decision(candidate_id, decision)

    async def _add(self, candidate: Candidate, by: str, platform: str) -> AddedEntry | None:
        try:
            added = await asyncio.to_thread(self.writer.add_candidate, candidate, by, platform)
        except VadbotError:
            log.exception("approving candidate #%s failed; it stays pending", candidate.id)
            await self._alert(f"approve-failed:{candidate.id}", _failed_card(candidate))
            return None
        if added.push_error:
            await self._alert(f"push-failed:{added.commit}", _push_card(candidate, added))
        return added

    async def _show_decision(self, candidate_id: int, decision: Decision) -> None:
        async with self._edit_lock:
            candidate = self.candidates.get(candidate_id)
            if candidate is not None:
                card = self.build_card(candidate, self.tally(candidate_id), decision)
                await self.poster.update(candidate_key(candidate_id), card)

    async def _alert(self, key: str, card: Card) -> None:
        try:
            await self.poster.publish("admin", key, card)
        except Exception:  # an alert that cannot be sent must not undo the decision
            log.exception("could not post the alert %s", key)

    async def aclose(self) -> None:
        """Run the tally edits still waiting (at shutdown, and in tests)."""
        await self.throttle.drain()


async def post_candidates(
    pending: Iterable[Candidate], poster: Poster, build_card: CardBuilder
) -> int:
    """Post each pending candidate to the candidates channels (once per key); how many."""
    count = 0
    for candidate in pending:
        if candidate.status == "pending":
            card = build_card(candidate, Tally(), None)
            await poster.publish("candidates", candidate_key(candidate.id), card)
            count += 1
    return count


def candidate_origin(book: SuggestionBook) -> Callable[[Entry], str | None]:
    """For the announcer: "from candidate #12" when an entry came from an approved candidate."""

    def origin(entry: Entry) -> str | None:
        found = book.get_by_arxiv(entry.arxiv_id) if entry.arxiv_id else None
        if found is None or found.status != "approved" or found.entry_id not in (None, entry.id):
            return None
        return f"from candidate #{found.id}"

    return origin


def _approved(added: AddedEntry, by: str, platform: str, auto: bool) -> Decision:
    note = "not pushed yet, will retry" if added.push_error else ""
    return Decision("approved", by, platform, added.commit, added.path, note, auto)


def _failed_card(candidate: Candidate) -> Card:
    body = "Writing or committing the entry failed; the candidate is still pending. See the log."
    return Card(title=f"Could not add candidate #{candidate.id}", body=body, kind="alert")


def _push_card(candidate: Candidate, added: AddedEntry) -> Card:
    body = (
        f"Candidate #{candidate.id} is committed locally ({(added.commit or '')[:7]}, "
        f"{added.path}) but the push failed; it goes out with the next push. See the log."
    )
    return Card(title="Push to the catalog remote failed", body=body, kind="alert")


def build_vote_card(rules: VoteRules) -> CardBuilder:
    """The candidate card builder (the chat area's card), with the configured reactions, the
    tally in the footer, and the decision line once there is one."""
    reactions = tuple(min(group) for group in (rules.up, rules.down, rules.approve, rules.reject))

    def build(candidate: Candidate, tally: Tally, decision: Decision | None) -> Card:
        line = describe_decision(decision) if decision else None
        return build_candidate_card(candidate, tally, line, reactions)

    return build


class Throttle:
    """At most one run of an action per key and window: a burst of requests is one run."""

    def __init__(self, seconds: float, sleep: Sleep = asyncio.sleep) -> None:
        self.seconds = seconds
        self._sleep = sleep
        self._waiting: dict[object, Callable[[], Awaitable[None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def request(self, key: object, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` after the window, unless a run for `key` is already waiting."""
        if key in self._waiting:
            self._waiting[key] = action
            return
        self._waiting[key] = action
        task = asyncio.create_task(self._later(key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _later(self, key: object) -> None:
        await self._sleep(self.seconds)
        await self._run(key)

    async def _run(self, key: object) -> None:
        action = self._waiting.pop(key, None)
        if action is None:
            return
        try:
            await action()
        except Exception:  # one failed edit must not stop later ones
            log.exception("throttled edit of %s failed", key)

    async def drain(self) -> None:
        """Run every waiting action now and cancel their timers."""
        for task in list(self._tasks):
            task.cancel()
        for key in list(self._waiting):
            await self._run(key)
