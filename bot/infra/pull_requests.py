"""Pull-request mode: which entry waits in which PR/MR, publishing the bot branches, and
noticing when a PR is merged or closed.

    approval ─► CatalogWriter.approve          commit on vadbot/updates (or vadbot/<id>), book row
    publish()  ─► push the branch ─► find the open PR, else create it, then set title + body
    check()    ─► each open PR's state ─► merged / closed-unmerged, as PrChange per entry

Everything is idempotent: a restart between any two steps finds the branch, the book row and
the open PR again (by number, else by branch) and finishes the work without doubling it. A
failure leaves the commit on the bot branch and the row `unpublished`; the next `publish()`
carries it. A rate limit makes both calls wait, without a request, until it lifts.

Table `pr_entries` (migration 2 in `state.py`): one row per entry sent to a PR.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal, cast

from bot.core.ports import Clock
from bot.errors import ForgeError, GitError, PushRefused
from bot.infra.catalog_writer import PublishProblem

if TYPE_CHECKING:  # the PR book alone (read by `vadbot status`) needs no HTTP client
    from bot.infra.catalog_writer import CatalogWriter, ProblemKind
    from bot.infra.forge import Forge, PullRequest
from bot.infra.stores import PrEntry, PullRequestBook

log = logging.getLogger(__name__)

FORGE_KINDS = frozenset({"unauthorized", "forbidden", "rate_limited", "unavailable", "not_found"})
MAX_BODY_ENTRIES = 200
"""Entries listed in one PR body (GitHub's body limit is 65,536 characters)."""


@dataclass(frozen=True, slots=True)
class PrChange:
    """An entry whose PR was merged or closed without merging since the last check."""

    entry_id: str
    candidate_id: int
    approver: str
    post_url: str
    number: int
    url: str
    state: Literal["merged", "closed"]


@dataclass(frozen=True, slots=True)
class PublishReport:
    """What `publish()` did: the PRs opened or updated, and what stopped it, if anything."""

    opened: list[PullRequest] = field(default_factory=list)
    updated: list[PullRequest] = field(default_factory=list)
    problem: PublishProblem | None = None


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What `check()` found: entries whose PR closed, and what stopped it, if anything."""

    changes: list[PrChange] = field(default_factory=list)
    problem: PublishProblem | None = None


class PullRequestPublisher:
    """Pushes bot branches and keeps one PR/MR per branch listing its entries."""

    def __init__(
        self, writer: CatalogWriter, forge: Forge, book: PullRequestBook, clock: Clock
    ) -> None:
        self.writer = writer
        self.forge = forge
        self.book = book
        self.clock = clock
        self._not_before: datetime | None = None

    async def publish(self) -> PublishReport:
        """Push every bot branch with new entries and open or update its PR."""
        waiting = self._waiting()
        if waiting is not None:
            return PublishReport(problem=waiting)
        opened: list[PullRequest] = []
        updated: list[PullRequest] = []
        for branch in self.book.branches_to_publish():
            try:
                await asyncio.to_thread(self.writer.publish_branch, branch)
                pr, created = await self._open_or_update(branch)
            except (ForgeError, GitError) as exc:
                report = PublishReport(opened, updated, self._problem(exc, branch))
                log.warning("publishing %s stopped: %s", branch, report.problem)
                return report
            (opened if created else updated).append(pr)
            log.info(
                "%s %s %s #%s: %s",
                self.forge.name,
                self.forge.noun,
                "opened" if created else "updated",
                pr.number,
                pr.url,
            )
        return PublishReport(opened, updated)

    async def check(self) -> CheckReport:
        """Ask the service about every open PR; the entries whose PR was merged or closed."""
        waiting = self._waiting()
        if waiting is not None:
            return CheckReport(problem=waiting)
        changes: list[PrChange] = []
        for number in self.book.open_numbers():
            try:
                pr = await self.forge.get(number)
            except ForgeError as exc:
                return CheckReport(changes, self._problem(exc, f"#{number}"))
            if pr.state == "open":
                continue
            for e in self.book.close(pr):
                changes.append(
                    PrChange(
                        e.entry_id,
                        e.candidate_id,
                        e.approver,
                        e.post_url,
                        pr.number,
                        e.url or pr.url,
                        pr.state,
                    )
                )
        return CheckReport(changes)

    async def _open_or_update(self, branch: str) -> tuple[PullRequest, bool]:
        entries = self.book.live(branch)
        title, body = render_pull_request(entries, self.forge.noun)
        base = self.writer.branch
        pr = await self._find(branch, base, entries)
        created = False
        if pr is None:
            try:
                pr = await self.forge.create(branch, base, title, body)
                created = True
            except ForgeError as exc:
                if exc.kind != "exists":
                    raise
                pr = await self.forge.find_open(branch, base)
                if pr is None:
                    raise
        if not created:
            pr = await self.forge.update(pr.number, title, body)
        self.book.set_open(branch, pr, [e.entry_id for e in entries])
        return pr, created

    async def _find(self, branch: str, base: str, entries: list[PrEntry]) -> PullRequest | None:
        """The open PR of `branch`: the one the book knows if still open, else by branch."""
        for number in dict.fromkeys(e.number for e in entries if e.number is not None):
            pr = await self.forge.get(number)
            if pr.state == "open":
                return pr
        return await self.forge.find_open(branch, base)

    def _waiting(self) -> PublishProblem | None:
        if self._not_before is None or self.clock.now() >= self._not_before:
            return None
        left = (self._not_before - self.clock.now()).total_seconds()
        return PublishProblem(
            "rate_limited",
            f"{self.forge.name} rate-limited the bot; it waits {_minutes(left)} before trying "
            "again, nothing is lost",
            retry_after=left,
        )

    def _problem(self, exc: ForgeError | GitError, where: str) -> PublishProblem:
        if isinstance(exc, ForgeError):
            if exc.kind == "rate_limited":
                wait = exc.retry_after if exc.retry_after is not None else 60.0
                self._not_before = self.clock.now() + timedelta(seconds=wait)
            kind = cast("ProblemKind", exc.kind if exc.kind in FORGE_KINDS else "invalid")
            retryable = exc.kind in ("rate_limited", "unavailable")
            return PublishProblem(kind, exc.advice, retryable, exc.retry_after)
        if isinstance(exc, PushRefused):
            return PublishProblem(
                "diverged" if "lacks" in str(exc) else "forbidden",
                f"the remote refused the bot branch {where} ({str(exc)[:120]}); let the bot "
                "push vadbot/* branches (or merge or close the PR so it starts afresh)",
                retryable=False,
            )
        return PublishProblem(
            "push_failed",
            f"pushing {where} failed ({str(exc)[:120]}); the commits stay on the bot branch "
            "and go out at the next try",
        )


def render_pull_request(entries: Sequence[PrEntry], noun: str = "PR") -> tuple[str, str]:
    """The title and Markdown body of a PR listing `entries` with approvers and posts."""
    if len(entries) == 1:
        title = f"vadbot: add {_plain(entries[0].title, 80)}"
    else:
        title = f"vadbot: add {len(entries)} papers approved in chat"
    lines = [
        f"Entries approved by maintainers in chat. Merge this {noun} to add them to the list;",
        f"close it to send them back to the candidates. vadbot keeps this {noun} up to date.",
        "",
    ]
    for e in entries[:MAX_BODY_ENTRIES]:
        post = f" — [candidate post]({e.post_url})" if e.post_url.startswith("https://") else ""
        lines.append(
            f"- **{_plain(e.title, 200)}** (`{e.entry_id}`), approved by "
            f"{_plain(e.approver, 60)}{post}"
        )
    if len(entries) > MAX_BODY_ENTRIES:
        lines.append(f"- … and {len(entries) - MAX_BODY_ENTRIES} more")
    return title, "\n".join(lines) + "\n"


def _plain(text: str, limit: int) -> str:
    """Text safe in Markdown on one line: no mentions, links or markup; at most `limit`."""
    line = " ".join(text.split())
    for char in "\\`*_[]<>|#":
        line = line.replace(char, "\\" + char)
    line = line.replace("@", "@\u200b")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"
