"""The service's jobs, wired onto the App: catalog pull, announcer, arXiv watch, digest, outbox.

Each job is a coroutine returning a one-line result; a failure it should report (a stale feed,
posts that keep failing) is raised, so `JobRunner` tells the maintainers once per streak. Jobs
post through the service's `PostGate`, so a stop never starts a new post.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bot.app import App, build_app, build_search_index
from bot.app_votes import Votes, install_votes
from bot.clock import UtcClock
from bot.core.announce import run_announcer
from bot.core.arxiv.watch import build_known_papers, describe, run_watch
from bot.core.candidates.flow import post_candidates
from bot.core.digest import DigestJob, build_digest_command
from bot.core.health import HEARTBEAT_KEY, ONCE_KEY, Job, JobRunner
from bot.core.models import Candidate, Catalog, Tally
from bot.core.ports import Clock, Poster
from bot.core.shutdown import PostGate
from bot.errors import ChatError, ConfigError, FeedError, GitError
from bot.infra.announce_store import AnnounceStore
from bot.infra.arxiv_http import ArxivClient, rules_from_settings
from bot.infra.digest_source import CatalogDigestSource, list_name
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.job_store import JobStore, failing_posts
from bot.infra.yaml_files import load_catalog
from bot.logs import RedactSecrets
from bot.scheduling import (
    ANNOUNCE,
    ARXIV,
    DIGEST,
    PULL,
    JobSpec,
    Scheduler,
    build_triggers,
    every,
    grace_seconds,
    previous_fire_time,
)  # fmt: skip
from bot.service import Service
from bot.settings import ArxivSettings, Settings

log = logging.getLogger(__name__)

OUTBOX = "outbox"
OUTBOX_MINUTES = 5
OUTBOX_FAILED_ATTEMPTS = 3
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Seams:
    """What tests replace: the arXiv transport and the pauses between arXiv requests."""

    arxiv_transport: httpx.AsyncBaseTransport | None = None
    arxiv_sleep: Sleep = asyncio.sleep


def build_service(app: App, clock: Clock, votes: Votes, seams: Seams | None = None) -> Service:
    """The scheduler with every job, the `/vad digest` command, and a clean stop."""
    settings, db = app.settings, app.db
    gate = PostGate(app.outbox)
    jobs = Jobs(app, clock, gate, votes, seams or Seams())
    tz = ZoneInfo(settings.schedule.timezone)
    app.router.register(
        "digest", build_digest_command(jobs.digest_source(), clock, tz),
        "the last seven days: new entries, decisions, candidates waiting; add 'share' to show "
        "everyone", "/vad digest",
    )  # fmt: skip
    store = JobStore(db)
    redact = RedactSecrets(settings.secrets.values()).redact
    # Alerts go straight to the outbox: a failure met while stopping is still worth telling.
    runner = JobRunner(store, app.outbox, clock, redact)

    def heartbeat(now: datetime) -> None:
        db.put(HEARTBEAT_KEY, now.isoformat())

    def ran_once(now: datetime) -> None:
        db.put(ONCE_KEY, now.isoformat())

    specs = build_job_specs(jobs, gate, tz)
    scheduler = Scheduler(specs, runner, store, clock, settings.schedule.timezone, heartbeat)
    return Service(scheduler, gate, ran_once=ran_once)


def build_job_specs(jobs: Jobs, poster: Poster, tz: ZoneInfo) -> list[JobSpec]:
    """Each job with its trigger from `settings.schedule` and how late it may still run."""
    triggers = build_triggers(jobs.app.settings.schedule)
    digest = DigestJob(
        jobs.digest_source(), poster, jobs.app.db, jobs.clock,
        lambda now: previous_fire_time(triggers[DIGEST], now), tz,
    )  # fmt: skip
    runs: dict[str, Job] = {PULL: jobs.pull, ANNOUNCE: jobs.announce, ARXIV: jobs.watch,
                            DIGEST: digest}  # fmt: skip
    triggers[OUTBOX] = every(OUTBOX_MINUTES)
    runs[OUTBOX] = jobs.outbox
    return [JobSpec(n, triggers[n], run, grace_seconds(triggers[n])) for n, run in runs.items()]


class Jobs:
    """The jobs' coroutines and what they share."""

    def __init__(self, app: App, clock: Clock, poster: Poster, votes: Votes, seams: Seams) -> None:
        self.app, self.clock, self.poster, self.votes, self.seams = app, clock, poster, votes, seams
        c = app.settings.catalog
        self.repo = votes.writer.repo  # one lock for approvals' commits and the fast-forward
        self.history = GitCatalogHistory(self.repo, c.path, c.remote, c.branch)
        self.candidates = votes.store
        self.indexed_head: str | None = self.repo.head() if self.repo.path.is_dir() else None
        """The catalog commit the search index was built at (the App built it at start-up)."""

    def catalog_root(self) -> Path:
        """The catalog folder in the work tree."""
        s = self.app.settings
        return s.resolve(s.catalog.repo) / s.catalog.path

    async def load_catalog(self) -> Catalog:
        """The catalog as it is in the work tree (approvals included)."""
        return await asyncio.to_thread(load_catalog, self.catalog_root())

    def tally(self, candidate: Candidate) -> Tally:
        """A candidate's votes over all its posts."""
        return self.votes.flow.tally(candidate.id)

    def digest_source(self) -> CatalogDigestSource:
        name = list_name(self.catalog_root())
        return CatalogDigestSource(self.history, self.candidates.list, self.tally, name)

    # ---------------------------------------------------------------- jobs

    async def pull(self) -> str:
        """Push what a failed push left, fetch and fast-forward; rebuild search on a change."""
        push_error = await self.votes.push_pending()
        head = await asyncio.to_thread(self.history.sync)
        if push_error:
            raise GitError(f"approved entries are committed but not pushed: {push_error}")
        if head == self.indexed_head:
            return f"no change at {(head or '')[:7]}"
        self.indexed_head = head
        catalog = await self.load_catalog()
        settings = self.app.settings
        index = await asyncio.to_thread(build_search_index, settings, catalog.entries)
        self.app.search.replace(index)  # /vad search and Discord's autocomplete alike
        return f"catalog at {(head or '')[:7]}: {len(catalog.entries)} entries indexed"

    async def announce(self) -> str:
        """Announce the entries new since the last run."""
        report = await run_announcer(
            self.history, AnnounceStore(self.app.db), self.poster, self.clock,
            announce_updates=self.app.settings.catalog.announce_updates,
            origin=self.votes.origin,
        )  # fmt: skip
        return report.summary()

    async def watch(self) -> str:
        """Read arXiv (filling gaps), save candidates, post every candidate not yet posted."""
        settings = self.app.settings
        catalog = await self.load_catalog()
        rules = rules_from_settings(settings.arxiv, [e.title for e in catalog.papers()])
        async with ArxivClient(
            settings.arxiv, rules, transport=self.seams.arxiv_transport,
            sleep=self.seams.arxiv_sleep,
        ) as client:  # fmt: skip
            known = build_known_papers(catalog)
            report = await run_watch(client, self.candidates, self.clock, known, rules)
        pending = self.candidates.list("pending")
        # through the shutdown gate (not votes.post_new_candidates): after SIGTERM, no new posts
        await post_candidates(pending, self.poster, self.votes.flow.build_card)  # each key once
        lines = [line.removeprefix("error: ") for line in describe(report)]
        if not report.ok:
            raise FeedError("; ".join(lines[1:]))
        return "; ".join(lines)

    async def outbox(self) -> str:
        """Retry posts that did not go out; failing for long is reported."""
        sent = await self.app.outbox.flush()
        failing = failing_posts(self.app.db, OUTBOX_FAILED_ATTEMPTS)
        if failing:
            errors = "; ".join(sorted({f"{platform}: {error}" for platform, error in failing}))
            raise ChatError(f"{len(failing)} post(s) keep failing ({errors[:200]})")
        return f"{sent} waiting post(s) sent"


# ---------------------------------------------------------------------------- vadbot run

CONNECT_WAIT_SECONDS = 30.0


async def serve(
    settings: Settings, *, once: bool = False, clock: Clock | None = None,
    seams: Seams | None = None, only: Sequence[str] = (),
) -> None:  # fmt: skip
    """`vadbot run`: settings → state → catalog index → adapters → scheduler, in one loop.

    `once` runs the due jobs (or the jobs named in `only`) and exits, as cron users want."""
    check_catalog_repo(settings)  # before build_app makes the state file
    clock, seams = clock or UtcClock(), seams or Seams()
    app = build_app(settings, clock=clock)
    papers = ArxivClient(
        interactive(settings.arxiv), transport=seams.arxiv_transport, sleep=seams.arxiv_sleep
    )  # for /vad suggest
    votes = install_votes(app, papers, clock=clock)
    service = build_service(app, clock, votes, seams)
    remove = service.handle_signals()
    try:
        await app.start(interactive=not once)
        votes.catch_up_on_connect(app)  # votes and approvals made while the bot was down
        if once:
            await wait_connected(app, CONNECT_WAIT_SECONDS)
            await votes.caught_up(app.connected)
            await service.run_once(only)
            await app.outbox.flush()
        else:
            await service.run_forever()
    finally:
        remove()
        await votes.aclose()  # tally edits still waiting go out before the adapters close
        await app.close()
        await papers.aclose()


def check_catalog_repo(settings: Settings) -> None:
    """Refuse to run where `catalog.repo` is no git work tree (vadbot started in another folder)."""
    repo = settings.catalog.repo
    path = settings.resolve(repo)
    if path.is_dir():
        answer = GitRepo(path).run("rev-parse", "--is-inside-work-tree", ok=(0, 128))
        if answer.strip() == "true":
            return
    where = "" if str(path) == repo else f" ({path.resolve()})"
    raise ConfigError(
        f"catalog.repo {repo!r}{where} is not a git repository: run vadbot from its project "
        "folder or pass --config"
    )


def interactive(arxiv: ArxivSettings) -> ArxivSettings:
    """arXiv settings for a person waiting in chat: one retry and a short timeout, so a down
    arXiv is said within seconds; the scheduled watch keeps the patient schedule."""
    return dataclasses.replace(
        arxiv,
        max_retries=min(arxiv.max_retries, 1),
        timeout_seconds=min(arxiv.timeout_seconds, 10.0),
    )


async def wait_connected(app: App, timeout: float) -> None:
    """Wait until every adapter is connected (at most `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    wanted = {adapter.platform for adapter in app.adapters}
    while not wanted <= app.connected and loop.time() < deadline:
        await asyncio.sleep(0.05)
    missing = wanted - app.connected
    if missing:
        log.warning("not connected after %.0f s: %s; posts wait in the outbox", timeout, missing)
