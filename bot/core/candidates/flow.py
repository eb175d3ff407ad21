"""The vote flow: reactions on candidates' posts become votes and decisions, and posts follow.

`VoteFlow.on_reaction` is the ReactionSink the adapters call. A vote updates the tally shown
on every post of the candidate, at most once per throttle window (a burst is one edit). A
maintainer's ✅ writes the entry and commits it, a ❌ rejects; either way every post of the
candidate, on every platform, is edited to say who decided. Decisions are taken one at a time,
so a ✅ on Discord and one on Slack at the same moment make one entry.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import replace

from bot.core.candidates.drafts import SummaryDrafts
from bot.core.candidates.lifecycle import (
    AUTO_APPROVER,
    AddedEntry,
    CardBuilder,
    EntryDraft,
    approved_decision,
    build_failed_card,
    build_maybe_card,
    build_protected_card,
    build_push_card,
    candidate_key,
    maybe_key,
    parse_candidate_key,
    parse_maybe_key,
    post_candidates,
)
from bot.core.candidates.reactions import (
    Decision,
    Meaning,
    VoteRules,
    build_tally,
    display_name,
    is_auto_approved,
    normalise_emoji,
    platform_name,
    read_reaction,
)
from bot.core.models import Candidate, Card, MessageRef, ReactionEvent, SignOff, Tally
from bot.core.ports import CandidateStore, ChatPlatform, Clock, EntryWriter, Poster, Proposer
from bot.core.refresh import PROPOSAL_PREFIX, CatalogFixes
from bot.errors import ChatError, RateLimited

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
RATE_LIMIT_RETRIES = 3
APPROVE_FAILED = "⚠️ Approval failed; the maintainers were told. It is still pending."


class VoteFlow:
    """Turns reactions into votes and decisions; implements the ReactionSink port."""

    def __init__(
        self,
        rules: VoteRules,
        store: CandidateStore,
        writer: EntryWriter,
        poster: Poster,
        find_key: Callable[[str, str, str | None], str | None],
        clock: Clock,
        build_card: CardBuilder,
        *,
        gate: Poster | None = None,
        throttle_seconds: float = 5.0,
        sleep: Sleep = asyncio.sleep,
        proposer: Proposer | None = None,
        fixes: CatalogFixes | None = None,
        drafts: SummaryDrafts | None = None,
    ) -> None:
        self.rules = rules
        self.drafts = drafts
        """The LLM's summary drafts: a ✅ writes the prefilled entry with one, when it comes."""
        self.fixes = fixes
        """The catalog refresh's proposal posts: a maintainer's ✅ applies, ❌ dismisses."""
        self.proposer = proposer
        """Pull-request mode: opens or updates the PR after an approval, says which."""
        self.store = store
        self.writer = writer
        self.poster = poster
        """Edits and alerts: they still go out while the service stops."""
        self.gate = gate or poster
        """New candidate posts: through the service's shutdown gate, so a stop starts none."""
        self.find_key = find_key
        """(platform, message id, channel) → the key it was posted for (the outbox's lookup)."""
        self.clock = clock
        self.build_card = build_card
        self.throttle = Throttle(throttle_seconds, sleep)
        self._decide_lock = asyncio.Lock()
        self._edit_lock = asyncio.Lock()
        """One edit at a time, so a slow tally edit can never land over a decision."""

    async def on_reaction(self, event: ReactionEvent) -> None:
        """Handle one reaction added or removed, from any platform; never raises (an
        unexpected error is logged and told to the maintainers once per post)."""
        try:
            await self._on_reaction(event)
        except Exception as exc:
            log.exception("%s: reaction on %s failed", event.platform, event.message_id)
            card = Card(
                title="A reaction could not be handled",
                body=f"An unexpected {type(exc).__name__} on a {event.platform} post; the "
                "traceback is in the log.",
                kind="alert",
            )
            await self._alert(f"reaction-failed:{event.platform}:{event.message_id}", card)

    async def _on_reaction(self, event: ReactionEvent) -> None:
        meaning = read_reaction(event, self.rules)
        if meaning is None:
            return
        key = self.find_key(event.platform, event.message_id, event.channel)
        if key is not None and key.startswith(PROPOSAL_PREFIX):
            if self.fixes is not None and event.added and meaning in ("approve", "reject"):
                name = display_name(self.rules, event.platform, event.user_id, event.user_name)
                await self.fixes.decide(key, meaning == "approve", name, event.platform)
            return
        arxiv_id = parse_maybe_key(key)
        if arxiv_id is not None:  # a maybe card: a member's 👍 or a maintainer's ✅ promotes
            if event.added and meaning in ("up", "approve"):
                name = display_name(self.rules, event.platform, event.user_id, event.user_name)
                await self.promote(arxiv_id, name, event.platform)
            return
        candidate_id = parse_candidate_key(key)
        candidate = self.store.get(candidate_id) if candidate_id is not None else None
        if candidate is None or candidate.status != "pending":
            return
        if meaning in ("up", "down"):
            await self._vote(candidate, event)
        elif event.added:
            name = display_name(self.rules, event.platform, event.user_id, event.user_name)
            decided = await self.decide(candidate.id, meaning, name, event.platform)
            if decided is not None and self.proposer is not None:
                # a PR closed unmerged makes the candidate pending again: this ✅, still on the
                # post, must not approve it anew when a restart catches up (the tally skips it)
                self.store.record_vote(event, candidate.id, self.clock.now())

    async def _vote(self, candidate: Candidate, event: ReactionEvent) -> None:
        if not self.store.record_vote(event, candidate.id, self.clock.now()):
            return
        tally = self.tally(candidate.id)
        if is_auto_approved(tally, self.rules):
            await self.decide(candidate.id, "approve", AUTO_APPROVER, event.platform, auto=True)
            return
        self.throttle.request(candidate.id, lambda: self._show_tally(candidate.id))

    def tally(self, candidate_id: int) -> Tally:
        """The current votes on a candidate, over all its posts."""
        return build_tally(self.store.vote_reactions(candidate_id), self.rules)

    async def _show_tally(self, candidate_id: int) -> None:
        async with self._edit_lock:
            candidate = self.store.get(candidate_id)
            if candidate is None or candidate.status != "pending":
                return  # decided: the posts show the decision, not the tally
            card = self.build_card(candidate, self.tally(candidate_id), None)
            await self.poster.update(candidate_key(candidate_id), card)

    async def decide(
        self,
        candidate_id: int,
        meaning: Meaning,
        by: str,
        platform: str,
        *,
        auto: bool = False,
        draft: EntryDraft | None = None,
    ) -> Decision | None:
        """Approve or reject a pending candidate (approving writes `draft` when a maintainer
        edited one, else the prefilled entry); None if it was decided already."""
        if meaning == "approve" and draft is None:
            draft = await self._prefill(candidate_id)  # before the lock: others need not wait
        async with self._decide_lock:
            candidate = self.store.get(candidate_id)
            if candidate is None or candidate.status != "pending":
                return None
            added = (
                await self._add(candidate, by, platform, draft) if meaning == "approve" else None
            )
            if meaning == "approve" and added is None:
                return None
            decision = (
                approved_decision(added, by, platform, auto)
                if added
                else Decision("rejected", by, platform)
            )
            entry_id = added.entry_id if added else None
            if not self.store.decide(candidate_id, decision, entry_id, self.clock.now()):
                return None
            if added and added.push_error:
                self.store.mark_unpushed(candidate_id, added.path)
        log.info("candidate #%s %s by %s (%s)", candidate_id, decision.status, by, platform)
        if added and self.proposer is not None:
            proposal = await self.proposer.propose(candidate_id)
            decision = dataclasses.replace(decision, proposal=proposal)
        await self._show_decision(candidate_id, decision)
        if added and added.created and not added.push_error:
            await self._show_pushed()  # this push took the earlier unpushed commits along
        return decision

    async def _prefill(self, candidate_id: int) -> EntryDraft | None:
        """The prefilled entry with the LLM's summary, when one is configured and drafts one
        within its deadline; else None (the writer prefills it without a summary)."""
        candidate = self.store.get(candidate_id)
        if self.drafts is None or not self.drafts.enabled or candidate is None:
            return None
        if candidate.status != "pending":
            return None
        found = await self.drafts.prefill(candidate)
        return found if found.summary else None

    async def push_pending(self) -> str | None:
        """Push what a failed push left; then the posts that said "not pushed yet" show the
        commit the remote has. None, or why the push failed again."""
        async with self._decide_lock:  # an approval's push cannot slip between the two
            error = await asyncio.to_thread(self.writer.push_pending)
        if error is None:
            await self._show_pushed()
        return error

    async def _show_pushed(self) -> None:
        for candidate_id, path in self.store.unpushed():
            commit = await asyncio.to_thread(self.writer.commit_of, path)
            self.store.set_pushed(candidate_id, commit)
            candidate = self.store.get(candidate_id)
            if candidate is None or candidate.status != "approved":
                continue
            by, platform = candidate.decided_by or "", candidate.decided_platform or ""
            auto = by == AUTO_APPROVER
            decision = Decision("approved", by, platform, commit, path, "", auto)
            await self._show_decision(candidate_id, decision)

    async def _add(
        self, candidate: Candidate, by: str, platform: str, draft: EntryDraft | None = None
    ) -> AddedEntry | None:
        try:
            added = await asyncio.to_thread(
                self.writer.add_candidate, candidate, SignOff(by, platform), draft
            )
        except Exception:  # an OSError too (a file name too long): never silence
            log.exception("approving candidate #%s failed; it stays pending", candidate.id)
            await self._alert(f"approve-failed:{candidate.id}", build_failed_card(candidate))
            await self._show_problem(candidate, APPROVE_FAILED)
            return None
        if added.push_refused:
            if not self.store.unpushed():  # once per streak: later ones wait with the first
                card = build_protected_card(candidate, added)
                await self._alert(f"push-refused:{added.commit}", card)
        elif added.push_error:
            await self._alert(f"push-failed:{added.commit}", build_push_card(candidate, added))
        return added

    async def _show_decision(self, candidate_id: int, decision: Decision) -> None:
        async with self._edit_lock:
            candidate = self.store.get(candidate_id)
            if candidate is not None:
                card = self.build_card(candidate, self.tally(candidate_id), decision)
                await self.poster.update(candidate_key(candidate_id), card)

    async def _show_problem(self, candidate: Candidate, text: str) -> None:
        """Say on the candidate's posts what went wrong, so the person who reacted is answered."""
        try:
            async with self._edit_lock:
                card = self.build_card(candidate, self.tally(candidate.id), None)
                footer = f"{card.footer} · {text}" if card.footer else text
                await self.poster.update(candidate_key(candidate.id), replace(card, footer=footer))
        except Exception:
            log.exception("could not show the problem on candidate #%s", candidate.id)

    async def _alert(self, key: str, card: Card) -> None:
        try:
            await self.poster.publish("admin", key, card)
        except Exception:  # an alert that cannot be sent must not undo the decision
            log.exception("could not post the alert %s", key)

    # ---------------------------------------------------------------- posting and catch-up

    async def post_new(self, pending: Iterable[Candidate] | None = None) -> int:
        """Post each pending candidate not posted yet (the outbox posts each key once), through
        the shutdown gate; how many."""
        return await post_candidates(self.store, self.gate, self.build_card, pending)

    # ---------------------------------------------------------------- the maybe lane

    async def promote(self, arxiv_id: str, by: str, platform: str) -> Candidate | None:
        """Make a maybe paper a candidate, post it for votes, and say so on its maybe card;
        None when it is not (or no longer) in the maybe lane."""
        found = self.store.get_by_arxiv(arxiv_id)
        if found is None:
            return None
        who = f"{by} ({platform_name(platform)})"
        async with self._decide_lock:
            promoted = self.store.promote(found.id, who, self.clock.now())
        if promoted is None:
            return None
        log.info("maybe %s promoted to candidate #%s by %s", arxiv_id, promoted.id, who)
        await self.post_new([promoted])
        done = f"⬆️ promoted by {who}: now candidate #{promoted.id}, vote on its post"
        await self.poster.update(maybe_key(arxiv_id), build_maybe_card(promoted, done=done))
        return promoted

    async def post_maybe(self, papers: Iterable[Candidate]) -> int:
        """Post each maybe paper's small card once (the outbox posts a key once) in the digest
        channel, with the reactions that promote it; how many were shown."""
        reactions = (min(self.rules.up), min(self.rules.approve))
        count = 0
        for paper in papers:
            if paper.status == "maybe":
                card = build_maybe_card(paper, reactions)
                await self.gate.publish("digest", maybe_key(paper.paper.arxiv_id), card)
                count += 1
        return count

    async def catch_up(
        self, platform: ChatPlatform, refs: Callable[[str], Sequence[MessageRef]]
    ) -> int:
        """Feed the votes and decisions made on `platform` while the bot was down (a ✅ then
        approves, a 👍 on a maybe card promotes); how many reactions changed. The flow ignores
        repeats, so this is safe."""
        fed = 0
        for kept in self.store.maybe():
            for ref in refs(maybe_key(kept.paper.arxiv_id)):
                if ref.platform == platform.platform:
                    fed += await self._catch_up_post(ref, platform)
        for candidate in self.store.list("pending"):
            for ref in refs(candidate_key(candidate.id)):
                if ref.platform == platform.platform:
                    fed += await self._catch_up_post(ref, platform)
        return fed

    async def _catch_up_post(self, ref: MessageRef, platform: ChatPlatform) -> int:
        # the store first: a live event landing between the two reads is then only fed twice,
        # which changes nothing, instead of being undone
        recorded = self.store.post_votes(ref.platform, ref.message_id)
        present = await self._read_reactions(ref, platform)
        if present is None:
            return 0
        events = reconcile(ref, recorded, present)
        for event in events:
            await self.on_reaction(event)
        return len(events)

    async def _read_reactions(
        self, ref: MessageRef, platform: ChatPlatform
    ) -> Sequence[ReactionEvent] | None:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                return await platform.read_reactions(ref)
            except RateLimited as exc:
                if attempt == RATE_LIMIT_RETRIES:
                    break
                await self.throttle.sleep(exc.retry_after)
            except ChatError as exc:  # one unreadable post must not stop the others
                log.warning(
                    "%s: cannot read the reactions on %s: %s", ref.platform, ref.message_id, exc
                )
                return None
        log.warning("%s: reactions on %s not read: rate limited", ref.platform, ref.message_id)
        return None

    async def aclose(self) -> None:
        """Run the tally edits still waiting (at shutdown, and in tests); stop the drafts."""
        await self.throttle.drain()
        if self.drafts is not None:
            await self.drafts.aclose()


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


class Throttle:
    """At most one run of an action per key and window: a burst of requests is one run."""

    def __init__(self, seconds: float, sleep: Sleep = asyncio.sleep) -> None:
        self.seconds = seconds
        self.sleep = sleep
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
        await self.sleep(self.seconds)
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
