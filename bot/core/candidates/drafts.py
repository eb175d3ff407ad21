"""The prefilled entry of a candidate, its one-line summary drafted by the optional LLM.

A draft is asked for once per candidate and kept while the service runs (`start`), so the ✅
that writes the entry, Slack's modal and Discord's modal share one LLM call. Nobody waits longer
than `seconds` (the LLM client's own deadline) for it: what has not come by then, or failed, is
an empty summary for the maintainer to write.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.core.candidates.lifecycle import EntryDraft, build_draft
from bot.core.llm import Complete
from bot.core.models import Candidate, Catalog
from bot.core.summary import draft_summary, pick_examples, summary_style

log = logging.getLogger(__name__)

KEPT = 200
"""Drafts kept at most (the oldest are forgotten): candidates are decided within weeks."""


class SummaryDrafts:
    """One LLM summary draft per candidate, started once, waited for at most `seconds`."""

    def __init__(
        self,
        complete: Complete | None,
        catalog: Callable[[], Awaitable[Catalog]],
        seconds: float,
    ) -> None:
        self.complete = complete
        self.catalog = catalog
        self.seconds = seconds
        self._tasks: dict[int, asyncio.Task[str]] = {}

    @property
    def enabled(self) -> bool:
        """True when an LLM is configured."""
        return self.complete is not None

    def start(self, candidate: Candidate) -> None:
        """Begin drafting the candidate's summary in the background (once)."""
        if self.complete is None or candidate.id in self._tasks:
            return
        while len(self._tasks) >= KEPT:
            self._tasks.pop(next(iter(self._tasks))).cancel()
        task = asyncio.create_task(self._draft(candidate), name=f"summary-{candidate.id}")
        self._tasks[candidate.id] = task

    async def summary(self, candidate: Candidate, wait: float | None = None) -> str:
        """The drafted summary, waiting at most `wait` seconds (`seconds` by default); ""."""
        self.start(candidate)
        task = self._tasks.get(candidate.id)
        if task is None:
            return ""
        if not task.done():
            limit = self.seconds if wait is None else wait
            await asyncio.wait({task}, timeout=max(limit, 0))
        return task.result() if task.done() and not task.cancelled() else ""

    async def prefill(self, candidate: Candidate, wait: float | None = None) -> EntryDraft:
        """The prefilled entry (venue, code, the list's tags) with the drafted summary."""
        catalog = await self.catalog()
        tags = {tag for entry in catalog.entries for tag in entry.tags}
        summary = await self.summary(candidate, wait)
        return build_draft(candidate, summary, known_tags=tags)

    async def aclose(self) -> None:
        """Stop the drafts under way."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _draft(self, candidate: Candidate) -> str:
        assert self.complete is not None
        try:
            catalog = await self.catalog()
            papers = [e for e in catalog.entries if e.kind == "paper"]
            style = summary_style(e.summary for e in papers)
            paper = candidate.paper
            examples = pick_examples(papers)
            text = await draft_summary(
                paper.title, paper.abstract, examples, self.complete, style=style
            )
        except Exception:  # a draft is a convenience: never an error
            log.exception("summary of candidate #%s not drafted", candidate.id)
            return ""
        return text or ""
