"""The service's jobs: catalog pull, announcer, arXiv watch, digest, outbox.

Each job is a coroutine returning a one-line result; a failure it should report (a stale feed,
posts that keep failing) is raised, so `JobRunner` tells the maintainers once per streak. Jobs
post through the service's `PostGate`, so a stop never starts a new post.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.core.announce import run_announcer
from bot.core.arxiv.learning import refresh_ranker, rerank
from bot.core.arxiv.ranker import Ranker
from bot.core.arxiv.rules import Rules
from bot.core.arxiv.watch import Judge, build_known_papers, describe, run_watch
from bot.core.candidates.flow import VoteFlow
from bot.core.candidates.lifecycle import candidate_origin, post_candidates
from bot.core.digest import DigestJob
from bot.core.health import CATALOG_KEY, Job
from bot.core.judge import Verdict as Judgement
from bot.core.judge import judge_papers
from bot.core.models import Catalog, Entry, Paper, count_kinds
from bot.core.ports import Clock, Poster
from bot.core.refresh import Finding, find_updates
from bot.core.search.engine import LiveIndex
from bot.errors import CatalogError, ChatError, FeedError, GitError, Problem
from bot.infra.announce_store import AnnounceStore
from bot.infra.arxiv_http import ArxivClient, rules_from_settings
from bot.infra.catalog_writer import REFUSED
from bot.infra.digest_source import CatalogDigestSource, list_name
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.job_store import failing_posts
from bot.infra.llm import LlmClient
from bot.infra.outbox import Outbox
from bot.infra.search_index import build_search_index
from bot.infra.state import Database
from bot.infra.stores import RankerStore
from bot.infra.yaml_files import load_catalog
from bot.proposals import Proposals
from bot.scheduling import (
    ANNOUNCE,
    ARXIV,
    DIGEST,
    PULL,
    REFRESH,
    JobSpec,
    build_triggers,
    every,
    grace_seconds,
    previous_fire_time,
)
from bot.settings import Settings

log = logging.getLogger(__name__)

OUTBOX = "outbox"
OUTBOX_MINUTES = 5
OUTBOX_FAILED_ATTEMPTS = 3
JUDGE_MARGIN_SECONDS = 1.0
"""Beyond the LLM client's own deadline, the most the watch waits for the judge's answers."""
LAST_GOOD_DEPTH = 50
"""How many catalog commits back a broken catalog looks for one that loads."""
Sleep = Callable[[float], Awaitable[None]]


def build_job_specs(jobs: Jobs, poster: Poster, tz: ZoneInfo) -> list[JobSpec]:
    """Each job with its trigger from `settings.schedule` and how late it may still run."""
    triggers = build_triggers(jobs.settings.schedule)
    digest = DigestJob(
        jobs.digest_source(),
        poster,
        jobs.db,
        jobs.clock,
        lambda now: previous_fire_time(triggers[DIGEST], now),
        tz,
        show_maybe=jobs.flow.post_maybe,
    )
    runs: dict[str, Job] = {
        PULL: jobs.pull,
        ANNOUNCE: jobs.announce,
        ARXIV: jobs.watch,
        DIGEST: digest,
        REFRESH: jobs.refresh,
    }
    triggers[OUTBOX] = every(OUTBOX_MINUTES)
    runs[OUTBOX] = jobs.flush_outbox
    return [JobSpec(n, triggers[n], run, grace_seconds(triggers[n])) for n, run in runs.items()]


class Jobs:
    """The jobs' coroutines and what they share."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        poster: Poster,
        outbox: Outbox,
        flow: VoteFlow,
        repo: GitRepo,
        search: LiveIndex,
        arxiv_transport: httpx.AsyncBaseTransport | None = None,
        arxiv_sleep: Sleep = asyncio.sleep,
        llm: LlmClient | None = None,
        proposals: Proposals | None = None,
    ) -> None:
        self.proposals = proposals
        """Pull-request mode: the pull job checks and publishes the PRs."""
        self.settings, self.db, self.clock, self.poster = settings, db, clock, poster
        self.outbox = outbox
        self.flow, self.repo, self.search = flow, repo, search
        self.arxiv_transport, self.arxiv_sleep = arxiv_transport, arxiv_sleep
        self.llm = llm
        """The optional LLM judge's client (None: the rules and the ranker decide alone)."""
        c = settings.catalog
        self.history = GitCatalogHistory(repo, c.path, c.remote, c.branch)
        self.indexed_head: str | None = repo.head() if repo.path.is_dir() else None
        """The catalog commit the search index was built at (build_bot built it at start-up)."""

    def catalog_root(self) -> Path:
        """The catalog folder in the work tree."""
        s = self.settings
        return s.resolve(s.catalog.repo) / s.catalog.path

    async def load_catalog(self) -> Catalog:
        """The catalog as it is in the work tree (approvals included)."""
        return await asyncio.to_thread(load_catalog, self.catalog_root())

    def digest_source(self) -> CatalogDigestSource:
        """The digest's data: the catalog's history and the candidates with their tallies."""
        name = list_name(self.catalog_root())
        flow = self.flow
        return CatalogDigestSource(self.history, flow.store.list, lambda c: flow.tally(c.id), name)

    # ---------------------------------------------------------------- jobs

    async def pull(self) -> str:
        """Push what a failed push left, fetch and fast-forward; rebuild search on a change.
        A catalog that does not load keeps the last good one serving, and fails the job (the
        maintainers hear of it once) until it is fixed."""
        proposed = await self.proposals.sync() if self.proposals is not None else ""
        push_error = await self.flow.push_pending()
        head = await asyncio.to_thread(self.history.sync)
        if push_error and push_error.startswith(REFUSED):
            proposed = "approved entries committed locally, not pushed: the branch is protected"
        elif push_error:  # a refusal was told once, at the approval; anything else is raised
            raise GitError(f"approved entries are committed but not pushed: {push_error}")
        if head != self.indexed_head:
            self.indexed_head = head
            entries, read = await asyncio.to_thread(read_catalog, self.settings, self.history)
            self.db.put(CATALOG_KEY, read)
            if not read.get("error"):
                index = await asyncio.to_thread(build_search_index, self.settings, entries)
                self.search.replace(index)  # /vad search and Discord's autocomplete alike
        read = self.db.get(CATALOG_KEY) or {}
        if read.get("error"):
            raise CatalogError([Problem(str(self.catalog_root()), 0, catalog_failure(read))])
        done = f"catalog at {(head or '')[:7]}: {sum(read['counts'].values())} entries indexed"
        return f"{done}; {proposed}" if proposed else done

    async def announce(self) -> str:
        """Announce the entries new since the last run."""
        report = await run_announcer(
            self.history,
            AnnounceStore(self.db),
            self.poster,
            self.clock,
            announce_updates=self.settings.catalog.announce_updates,
            origin=candidate_origin(self.flow.store),
            credit=self.proposals.credit if self.proposals is not None else None,
        )
        return report.summary()

    async def watch(self) -> str:
        """Read arXiv (filling gaps), save candidates, post every candidate not yet posted."""
        settings = self.settings
        catalog = await self.load_catalog()
        rules = rules_from_settings(settings.arxiv, [e.title for e in catalog.papers()])
        async with ArxivClient(
            settings.arxiv,
            rules,
            transport=self.arxiv_transport,
            sleep=self.arxiv_sleep,
        ) as client:
            known = build_known_papers(catalog)
            ranker = await asyncio.to_thread(self.learn, catalog, rules)
            report = await run_watch(
                client,
                self.flow.store,
                self.db,
                self.clock,
                known,
                rules,
                ranker=ranker,
                judge=self.judge(),
            )
        # each key once, through the shutdown gate (self.poster)
        await post_candidates(self.flow.store, self.poster, self.flow.build_card)
        lines = [line.removeprefix("error: ") for line in describe(report)]
        if not report.ok:
            raise FeedError("; ".join(lines[1:]))
        return "; ".join(lines)

    def learn(self, catalog: Catalog, rules: Rules) -> Ranker:
        """The ranker for the list and the decisions as they are now: retrained, and the maybe
        lane re-ranked, only when the catalog or a decision changed since the last run."""
        store = self.flow.store
        ranker, trained = refresh_ranker(
            catalog.entries, store.list(), RankerStore(self.db), self.clock.now()
        )
        if trained:
            log.info("ranker retrained: %d positive, %d negative example(s)", *ranker.examples)
            store.set_ranks(rerank(store.maybe(), rules, ranker))
        return ranker

    def judge(self) -> Judge | None:
        """The LLM judge for the watch, or None when no LLM is configured. All papers are asked
        at once, so the watch waits one call's deadline at most; what fails, the rules decide."""
        llm = self.llm
        if llm is None:
            return None
        scope, cap = self.settings.arxiv.scope, llm.settings.daily_cap
        deadline = llm.settings.timeout_seconds + JUDGE_MARGIN_SECONDS

        async def judge(papers: Sequence[Paper]) -> Mapping[str, Judgement | None]:
            try:
                async with asyncio.timeout(deadline):
                    return await judge_papers(
                        papers, llm.complete, scope=scope, budget=cap, concurrency=len(papers)
                    )
            except TimeoutError:
                log.warning("LLM judge: no answers within %.0f s; the rules decide", deadline)
                return {}

        return judge

    async def refresh(self) -> str:
        """Weekly: what arXiv now says about incomplete entries, one proposal post each for the
        maintainers (what they applied or dismissed is never proposed again)."""
        fixes = self.flow.fixes
        if fixes is None:
            return "no catalog fixes configured"
        findings = await self.find_fixes(fixes.book.closed())
        posted = await fixes.propose(findings)
        return f"{posted} catalog fix(es) proposed"

    async def find_fixes(self, closed: Collection[str] = ()) -> list[Finding]:
        """The refresh's findings (nothing posted): arXiv API by id, exact-title searches."""
        catalog = await self.load_catalog()
        async with ArxivClient(
            self.settings.arxiv, transport=self.arxiv_transport, sleep=self.arxiv_sleep
        ) as client:
            return await find_updates(catalog.entries, client, self.clock.now().year, closed)

    async def flush_outbox(self) -> str:
        """Retry posts that did not go out; failing for long is reported."""
        sent = await self.outbox.flush()
        failing = failing_posts(self.db, OUTBOX_FAILED_ATTEMPTS)
        if failing:
            errors = "; ".join(sorted({f"{platform}: {error}" for platform, error in failing}))
            raise ChatError(f"{len(failing)} post(s) keep failing ({errors[:200]})")
        return f"{sent} waiting post(s) sent"


def read_catalog(
    settings: Settings, history: GitCatalogHistory, back: int = LAST_GOOD_DEPTH
) -> tuple[list[Entry], dict[str, Any]]:
    """The catalog's entries as the service serves them, and what `vadbot status` shows of it.

    A work tree that does not load (a YAML error committed) is reported, and the newest of the
    last `back` commits whose catalog loads is served instead."""
    root = settings.resolve(settings.catalog.repo) / settings.catalog.path
    try:
        entries = list(load_catalog(root).entries)
    except CatalogError as exc:
        error = str(exc.problems[0]) if exc.problems else str(exc)
        for sha in _catalog_commits(history, back):
            version = history.snapshot(sha)
            if not version.is_broken:
                log.error(
                    "catalog cannot be read (%s); serving %s, its last good commit", error, sha[:7]
                )
                counts = count_kinds(version.entries)
                return list(version.entries), {"counts": counts, "error": error, "serving": sha}
        log.error("catalog cannot be read (%s), nor any of its last %d commits", error, back)
        return [], {"counts": None, "error": error, "serving": None}
    return entries, {"counts": count_kinds(entries), "error": None, "serving": None}


def catalog_failure(read: dict[str, Any]) -> str:
    """One line for the maintainers: what is broken, and what is served meanwhile."""
    serving = read.get("serving")
    meanwhile = f"serving the last good commit {serving[:7]}" if serving else "search is empty"
    return f"the catalog does not load ({read['error']}); {meanwhile} until it is fixed"


def _catalog_commits(history: GitCatalogHistory, back: int) -> list[str]:
    try:
        out = history.repo.run("rev-list", f"--max-count={back}", "HEAD", "--", history.path)
    except GitError:
        return []
    return out.split()
