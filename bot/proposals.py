"""Pull-request mode in the running bot: between the vote flow's posts and the PR publisher.

    ✅ ─► VoteFlow.decide ─► Proposals.add_candidate ─► CatalogWriter.approve (bot branch)
                          └► Proposals.propose ─► publish() ─► posts: "proposed in PR #12 <url>"
    catalog-pull job ─► Proposals.sync ─► check(): merged → posts "merged into the list";
                                           closed → candidate pending again, vote card, admins told
                                      └► publish(): what failed before goes out now

A failure (401, 403, 422, the API down, a rate limit) is told to the maintainers once per
streak, with the problem's own advice; the entries wait on the bot branch and the next pull job
retries. Everything here can run twice: the book and the outbox's keys make repeats harmless.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence

from bot.core.candidates.lifecycle import (
    AUTO_APPROVER,
    AddedEntry,
    CardBuilder,
    EntryDraft,
    candidate_key,
)
from bot.core.candidates.reactions import Decision, VoteRules, build_tally
from bot.core.models import Candidate, Card, Entry, MessageRef, SignOff, Tally
from bot.core.ports import Clock, Poster
from bot.infra.catalog_writer import CatalogWriter, PublishProblem
from bot.infra.forge import build_forge
from bot.infra.git import GitRepo
from bot.infra.pull_requests import PullRequestPublisher
from bot.infra.state import Database
from bot.infra.stores import CandidateStore, PrEntry, PullRequestBook
from bot.settings import Settings

log = logging.getLogger(__name__)

PROBLEM_KEY = "pull_request_problem"
"""Set while publishing fails (the maintainers were told); cleared when it works again."""


class Proposals:
    """Approvals as pull requests, as the vote flow and the pull job see them."""

    def __init__(
        self,
        writer: CatalogWriter,
        publisher: PullRequestPublisher,
        store: CandidateStore,
        poster: Poster,
        refs: Callable[[str], Sequence[MessageRef]],
        rules: VoteRules,
        build_card: CardBuilder,
        *,
        guild_id: str = "",
    ) -> None:
        self.writer, self.publisher, self.book = writer, publisher, publisher.book
        self.store, self.poster, self.refs = store, poster, refs
        self.rules, self.build_card, self.guild_id = rules, build_card, guild_id
        self.db, self.clock = self.book.db, self.book.clock
        forge = publisher.forge
        self.noun, self.service = forge.noun, forge.name

    # ---------------------------------------------------------------- the EntryWriter port

    def add_candidate(
        self, candidate: Candidate, sign_off: SignOff, draft: EntryDraft | None = None
    ) -> AddedEntry:
        """Commit the entry (the edited `draft`, else the prefilled one) on the bot branch, with
        a link to the candidate's post; blocking."""
        url = sign_off.post_url or self.post_url(candidate.id)
        signed = dataclasses.replace(sign_off, post_url=url)
        return self.writer.approve(candidate, signed, draft).added

    def push_pending(self) -> str | None:
        return self.writer.push_pending()  # never pushes main in this mode

    def commit_of(self, path: str) -> str | None:
        return self.writer.commit_of(path)

    # ---------------------------------------------------------------- the Proposer port

    async def propose(self, candidate_id: int) -> str:
        """Open or update the PR now; what the approved candidate's posts say."""
        await self._publish(shown=candidate_id)
        entry = self._entry_of(candidate_id)
        return self.describe(entry) if entry is not None else ""

    async def sync(self) -> str:
        """The pull job's part: notice merged and closed PRs, then publish what waits."""
        checked = await self.publisher.check()
        for change in checked.changes:
            if change.state == "merged":
                line = f"merged into the list ({self.noun} #{change.number} {change.url})"
                await self._show(change.candidate_id, line)
        closed = await self._reopen_closed()
        problem: PublishProblem | None = checked.problem
        if problem is not None:
            await self._told(problem)
            opened = 0
        else:
            opened, problem = await self._publish()
        merged = sum(c.state == "merged" for c in checked.changes)
        text = f"{self.noun}s: {merged} merged, {closed} closed unmerged, {opened} updated"
        return text + (f"; {problem.message}" if problem else "")

    def credit(self, entry: Entry) -> str | None:
        """Who approved an entry that came in by a merged PR (the merge's author did not)."""
        approver = self.book.merged_approver(entry.id)
        if approver is None:
            return None
        return "votes (auto-approve)" if approver == AUTO_APPROVER else f"@{approver}"

    async def aclose(self) -> None:
        await self.publisher.forge.aclose()

    # ---------------------------------------------------------------- publishing

    async def _publish(self, shown: int | None = None) -> tuple[int, PublishProblem | None]:
        """Publish; edit the posts of entries whose PR just opened (all but `shown`, which the
        flow edits itself); tell the maintainers once when it failed. How many PRs it touched."""
        waiting = {e.entry_id for e in self.book.all("unpublished")}
        report = await self.publisher.publish()
        for entry in self.book.all("open"):
            if entry.entry_id in waiting and entry.candidate_id != shown:
                await self._show(entry.candidate_id, self.describe(entry))
        await self._told(report.problem)
        return len(report.opened) + len(report.updated), report.problem

    async def _told(self, problem: PublishProblem | None) -> None:
        """Tell the maintainers of a failure once per streak; forget the streak once it works."""
        if problem is None:
            if self.db.get(PROBLEM_KEY) is not None and not self.book.all("unpublished"):
                self.db.put(PROBLEM_KEY, None)
            return
        if self.db.get(PROBLEM_KEY) is not None:
            return
        now = self.clock.now().isoformat()
        card = Card(
            title=f"⚠️ vadbot cannot open its {self.noun} on {self.service}",
            body=f"{problem.message}\nThe approved entries wait on the bot branch; vadbot "
            "tries again at each catalog pull. Nothing approved is lost.",
            kind="alert",
        )
        try:
            await self.poster.publish("admin", f"pr-problem:{now}", card)
        except Exception:  # told next time instead
            log.exception("could not tell the maintainers that publishing failed")
            return
        self.db.put(PROBLEM_KEY, now)

    async def _reopen_closed(self) -> int:
        """Candidates whose PR was closed unmerged: pending again, the vote card back, the
        maintainers told. Read from the book, so a restart midway finishes the work."""
        count = 0
        for entry in self.book.all("closed"):
            candidate = self.store.get(entry.candidate_id)
            if candidate is None or candidate.status != "approved":
                continue
            if candidate.entry_id != entry.entry_id or not self.store.reopen(candidate.id):
                continue
            count += 1
            card = self.build_card(candidate, self._tally(candidate.id), None)
            note = f"↩️ {self.noun} #{entry.number} closed without merging: back to the vote"
            await self.poster.update(candidate_key(candidate.id), _with_footer(card, note))
            body = (
                f"{self.noun} #{entry.number} ({entry.url}) was closed without merging, so "
                f"candidate #{candidate.id} “{candidate.paper.title[:200]}” is pending again: "
                "a ✅ on its post proposes it anew."
            )
            alert = Card(title=f"{self.noun} closed without merging", body=body, kind="alert")
            await self.poster.publish("admin", f"pr-closed:{entry.number}:{candidate.id}", alert)
        return count

    # ---------------------------------------------------------------- posts

    def describe(self, entry: PrEntry) -> str:
        """ "proposed in PR #12 <url>", or why there is no PR yet."""
        if entry.state == "open" and entry.number is not None:
            return f"proposed in {self.noun} #{entry.number} {entry.url}"
        return f"committed on {entry.branch}; the {self.noun} is not open yet, vadbot retries"

    async def _show(self, candidate_id: int, line: str) -> None:
        candidate = self.store.get(candidate_id)
        if candidate is None or candidate.status != "approved":
            return
        by, platform = candidate.decided_by or "", candidate.decided_platform or ""
        decision = Decision("approved", by, platform, auto=by == AUTO_APPROVER, proposal=line)
        card = self.build_card(candidate, self._tally(candidate_id), decision)
        await self.poster.update(candidate_key(candidate_id), card)

    def _tally(self, candidate_id: int) -> Tally:
        return build_tally(self.store.vote_reactions(candidate_id), self.rules)

    def _entry_of(self, candidate_id: int) -> PrEntry | None:
        found = [e for e in self.book.all() if e.candidate_id == candidate_id]
        return found[-1] if found else None

    def post_url(self, candidate_id: int) -> str:
        """A link to the candidate's Discord post, for the PR's body ("" without one)."""
        for ref in self.refs(candidate_key(candidate_id)):
            if ref.platform == "discord" and self.guild_id:
                return (
                    f"https://discord.com/channels/{self.guild_id}/{ref.channel}/{ref.message_id}"
                )
        return ""


def build_proposals(
    settings: Settings,
    repo: GitRepo,
    db: Database,
    clock: Clock,
    store: CandidateStore,
    poster: Poster,
    refs: Callable[[str], Sequence[MessageRef]],
    rules: VoteRules,
    build_card: CardBuilder,
) -> Proposals:
    """Pull-request mode's parts: the book, the writer on bot branches, the forge, the publisher."""
    book = PullRequestBook(db, clock)
    writer = CatalogWriter.from_settings(settings, repo, pull_requests=book)
    assert writer.remote is not None  # from_settings refuses pull-request mode without one
    forge = build_forge(
        settings.catalog, repo.remote_url(writer.remote), settings.secrets, now=clock.now
    )
    publisher = PullRequestPublisher(writer, forge, book, clock)
    return Proposals(
        writer,
        publisher,
        store,
        poster,
        refs,
        rules,
        build_card,
        guild_id=settings.discord.guild_id,
    )


def _with_footer(card: Card, line: str) -> Card:
    return dataclasses.replace(card, footer=f"{line} · {card.footer}" if card.footer else line)
