"""The one composition root: `build_bot` builds every part of vadbot once, in order, and
returns a `Bot` with named parts; `serve` is `vadbot run`. Nothing completes the bot afterwards.

Order: state and stores → catalog search → outbox → vote flow → `/vad` commands → chat
platforms (adapters start only when their tokens are present; with none, the console runs so
a fresh install works) → jobs and scheduler. Each platform connects (and reconnects) on its
own: one failing never stops the other. Posts wait in the outbox until their platform is up.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import httpx

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.slack.adapter import SlackAdapter
from bot.clock import UtcClock
from bot.core.arxiv.rules import classify, match_paper
from bot.core.candidates.commands import CandidateCommands, register_candidate_commands
from bot.core.candidates.drafts import SummaryDrafts
from bot.core.candidates.editing import EntryEditor, this_year
from bot.core.candidates.flow import VoteFlow
from bot.core.candidates.lifecycle import build_vote_card, candidate_key, post_link
from bot.core.candidates.reactions import build_vote_rules
from bot.core.commands import CommandRouter, build_router, search_completions
from bot.core.digest import build_digest_command
from bot.core.health import CATALOG_KEY, HEARTBEAT_KEY, ONCE_KEY, JobRunner
from bot.core.models import Candidate, Card, Catalog, Link, Match, Paper
from bot.core.ports import ChatPlatform, Clock, ReactionSink
from bot.core.refresh import CatalogFixes
from bot.core.search.engine import LiveIndex, Searcher
from bot.core.shutdown import PostGate
from bot.errors import ConfigError, UserError
from bot.infra.arxiv_http import ArxivClient, rules_from_settings
from bot.infra.catalog_writer import CatalogWriter
from bot.infra.fix_book import FixBook
from bot.infra.git import GitRepo
from bot.infra.git_history import GitCatalogHistory
from bot.infra.job_store import JobStore
from bot.infra.llm import LlmClient, build_llm
from bot.infra.outbox import Outbox, Pacer, channels_of
from bot.infra.search_index import build_search_index
from bot.infra.state import Database, StateLock, open_state
from bot.infra.stores import CandidateStore
from bot.infra.yaml_files import parse_catalog, read_catalog_files
from bot.jobs import Jobs, build_job_specs, read_catalog
from bot.logs import RedactSecrets
from bot.proposals import Proposals, build_proposals
from bot.scheduling import Scheduler
from bot.service import Service
from bot.settings import ArxivSettings, Settings

log = logging.getLogger(__name__)

RETRY_SECONDS = (5.0, 30.0, 60.0, 300.0)
FLUSH_SECONDS = 60.0
"""How often posts that failed (a platform error, a network blip) are tried again."""
NO_TOKEN_HELP = """\
vadbot is running in the console: no chat token is set.
  Type a command such as `/vad search vera` or `/vad help` (Ctrl-C stops the bot).
  To add Slack: create the app from config/slack-manifest.yaml, then set SLACK_BOT_TOKEN (xoxb-…)
    and SLACK_APP_TOKEN (xapp-…, Socket Mode) and the channel ids under slack.channels.
  To add Discord: create an application with a bot, set DISCORD_TOKEN, invite it with the link
    from `vadbot discord invite-url`, and set the channel ids under discord.channels.
"""


Sleep = Callable[[float], Awaitable[None]]
CONNECT_WAIT_SECONDS = 30.0


@dataclass
class Seams:
    """What tests replace: the arXiv transport, every pause, the console's output, the pacing
    of posts, and how long discord.py waits for the server list."""

    arxiv_transport: httpx.AsyncBaseTransport | None = None
    arxiv_sleep: Sleep = asyncio.sleep
    sleep: Sleep = asyncio.sleep
    """Every pause of the chat side: the pacing of posts per channel, the vote flow's throttle,
    the catch-up's waits after a rate limit."""
    out: TextIO | None = None
    pacer: Pacer | None = None
    discord_ready_timeout: float = 2.0


@dataclass
class Bot:
    """Everything vadbot runs, built once by `build_bot`; `await bot.run()` serves until stopped."""

    settings: Settings
    clock: Clock
    db: Database
    candidates: CandidateStore
    search: LiveIndex
    router: CommandRouter
    outbox: Outbox
    flow: VoteFlow
    platforms: Sequence[ChatPlatform]
    console: ConsoleAdapter | None
    papers: ArxivClient
    jobs: Jobs
    service: Service
    llm: LlmClient | None = None
    """The optional LLM endpoint's client (None when `llm.base_url` is empty)."""
    retry_seconds: Sequence[float] = RETRY_SECONDS
    flush_seconds: float = FLUSH_SECONDS
    proposals: Proposals | None = None
    """Pull-request mode (`catalog.publish: pull-request`); None in push mode."""
    connected: set[str] = field(default_factory=set)
    lock: StateLock | None = None
    """One sender at a time: `vadbot run` holds it; a one-shot command takes it or hands off."""
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _catch_ups: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    async def start(self, interactive: bool = True) -> None:
        """Connect every platform in the background (each catches up on the reactions made
        while the bot was down once connected); alone, the console prints its help and reads
        commands (unless not `interactive`: a one-shot run only prints its posts)."""
        for platform in self.platforms:
            self._tasks.append(asyncio.create_task(self._connect(platform)))
        self._tasks.append(asyncio.create_task(self._flush_now_and_then()))
        if self.console is not None:
            if interactive:
                self.console.say(NO_TOKEN_HELP)
                self._tasks.append(asyncio.create_task(self.console.run()))
            self.connected.add(self.console.platform)
            await self.outbox.flush(self.connected)

    async def run(self) -> None:
        """`vadbot run`: start, serve on schedule until a signal or `stop()`, close."""
        if self.lock is not None and not self.lock.acquire():
            self.db.close()
            raise ConfigError(
                f"another vadbot (pid {self.lock.holder()}) is running on "
                f"{self.settings.state.path}: one sender at a time; stop it first"
            )
        remove = self.service.handle_signals()
        try:
            await self.start()
            await self.service.run_forever()
        finally:
            remove()
            await self.close()

    async def run_once(self, only: Sequence[str] = ()) -> list[str]:
        """`vadbot run --once`: connect, catch up, run the due jobs (or `only`), send, close."""
        remove = self.service.handle_signals()
        try:
            if await self.start_posting():
                await asyncio.gather(
                    *(self._catch_up(p) for p in self.platforms if p.platform in self.connected)
                )
            ran = await self.service.run_once(only)
            await self.outbox.flush()
            return ran
        finally:
            remove()
            await self.close()

    async def start_posting(self) -> bool:
        """A one-shot command's start: Web API/REST only, never Socket Mode or the gateway (each
        Slack event goes to one connection: it must be the service's). True when this process
        sends; False when a service runs on the state file: then posts are only recorded, and
        the service sends them within `flush_seconds`."""
        if self.lock is not None and not self.lock.acquire():
            self.outbox.hand_off = True
            log.warning(
                "vadbot is running (pid %s): posts are handed to it through the outbox",
                self.lock.holder(),
            )
            return False
        for platform in self.platforms:
            try:
                await platform.start_posting()
            except Exception as exc:
                log.error(
                    "%s: cannot log in (%s); its posts wait in the outbox", platform.platform, exc
                )
                continue
            self.connected.add(platform.platform)
        if self.console is not None:
            self.connected.add(self.console.platform)
        return True

    def stop(self) -> None:
        """Ask `run()` to return (the post in flight finishes first)."""
        self.service.stop()

    async def close(self) -> None:
        """Send the tally edits still waiting, then disconnect everything."""
        tasks = [*self._tasks, *self._catch_ups.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.flow.aclose()  # before the platforms close, so the edits go out
        for platform in self.platforms:  # a platform still connecting has a gateway task too
            try:
                await platform.close()
            except Exception:
                log.exception("%s: closing failed", platform.platform)
        await self.papers.aclose()
        if self.llm is not None:
            await self.llm.aclose()
        if self.proposals is not None:
            await self.proposals.aclose()
        self.db.close()
        if self.lock is not None:
            self.lock.release()

    async def wait_connected(self, timeout: float) -> None:
        """Wait until every platform is connected (at most `timeout` seconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        wanted = {platform.platform for platform in self.platforms}
        while not wanted <= self.connected and loop.time() < deadline:
            await asyncio.sleep(0.05)
        missing = wanted - self.connected
        if missing:
            log.warning(
                "not connected after %.0f s: %s; posts wait in the outbox", timeout, missing
            )

    async def caught_up(self) -> None:
        """Wait until the catch-up of every connected platform is done."""
        await asyncio.gather(*self._catch_ups.values())

    async def _flush_now_and_then(self) -> None:
        """Retry unconfirmed posts while the bot runs, not only at start-up."""
        while True:
            await asyncio.sleep(self.flush_seconds)
            try:
                if self.outbox.unfinished():
                    await self.outbox.flush(self.connected)
            except Exception:
                log.exception("outbox: retrying unsent posts failed")

    async def _connect(self, platform: ChatPlatform) -> None:
        """Connect one platform, retrying with backoff; send what waited for it; catch up."""
        for attempt in itertools.count():
            try:
                await platform.start()
                break
            except UserError as exc:  # a setting is wrong: retrying will not fix it
                log.error("%s: not started: %s", platform.platform, exc)
                return
            except Exception as exc:
                delay = self.retry_seconds[min(attempt, len(self.retry_seconds) - 1)]
                log.error(
                    "%s: cannot connect (%s); retrying in %.0f s", platform.platform, exc, delay
                )
                await asyncio.sleep(delay)
        self.connected.add(platform.platform)
        log.info("%s: connected", platform.platform)
        self._catch_ups[platform.platform] = asyncio.create_task(self._catch_up(platform))
        sent = await self.outbox.flush({platform.platform})
        if sent:
            log.info("%s: %d waiting post(s) sent", platform.platform, sent)

    async def _catch_up(self, platform: ChatPlatform) -> None:
        try:
            fed = await self.flow.catch_up(platform, self.outbox.refs)
        except Exception:  # the live events still work: never let this stop the bot
            log.exception("%s: catching up on reactions failed", platform.platform)
            return
        log.info("%s: %d reaction(s) made while the bot was down caught up", platform.platform, fed)


def build_bot(settings: Settings, *, clock: Clock | None = None, seams: Seams | None = None) -> Bot:
    """Build every part of vadbot once, in order, from its settings."""
    check_tokens(settings)
    clock, seams = clock or UtcClock(), seams or Seams()
    db = open_state(settings)
    db.quick_check()  # a damaged state file is said now, not when a table is read at night
    candidates = CandidateStore(db)
    repo = GitRepo(settings.resolve(settings.catalog.repo))  # one lock: approvals and pulls
    c = settings.catalog
    entries, read = read_catalog(settings, GitCatalogHistory(repo, c.path, c.remote, c.branch))
    db.put(CATALOG_KEY, read)  # `vadbot status` shows it; the pull job alerts while broken
    search = LiveIndex(build_search_index(settings, entries))
    redact = RedactSecrets(settings.secrets.values()).redact
    pacer = seams.pacer or Pacer(sleep=seams.sleep)
    outbox = Outbox(db, channels_of(settings), clock, pacer, redact)
    router = build_router(search, settings.search.results, _admin_alert(outbox))

    gate = PostGate(outbox)  # jobs post through it: after a stop, no new post starts
    rules = build_vote_rules(settings)
    proposals = (
        build_proposals(
            settings,
            repo,
            db,
            clock,
            candidates,
            outbox,
            outbox.refs,
            rules,
            build_vote_card(rules),
        )
        if settings.catalog.publish == "pull-request"
        else None
    )
    writer = proposals.writer if proposals else CatalogWriter.from_settings(settings, repo)
    fixes = CatalogFixes(FixBook(db), writer, outbox, (min(rules.approve), min(rules.reject)))
    llm = build_llm(settings, db, clock)  # None unless llm.base_url is set
    catalog_root = settings.resolve(settings.catalog.repo) / settings.catalog.path
    drafts = SummaryDrafts(
        llm.complete if llm else None, _catalog_reader(catalog_root), settings.llm.timeout_seconds
    )  # the ✅ and both Edit & approve forms share one draft per candidate
    flow = VoteFlow(
        rules,
        candidates,
        proposals or writer,
        outbox,
        outbox.find_key,
        clock,
        build_vote_card(rules),
        gate=gate,
        throttle_seconds=settings.votes.edit_throttle_seconds,
        sleep=seams.sleep,
        proposer=proposals,
        fixes=fixes,
        drafts=drafts,
    )
    papers = ArxivClient(
        interactive(settings.arxiv), transport=seams.arxiv_transport, sleep=seams.arxiv_sleep
    )  # /vad suggest: a person waits, so a down arXiv is said within seconds
    register_candidate_commands(
        router,
        CandidateCommands(
            flow,
            papers,
            _catalog_reader(catalog_root),
            clock,
            relevance=_relevance(settings),
            post_links=_post_links(settings, outbox),
        ),
    )
    jobs = Jobs(
        settings,
        db,
        clock,
        gate,
        outbox,
        flow,
        repo,
        search,
        seams.arxiv_transport,
        seams.arxiv_sleep,
        llm,
        proposals,
    )
    tz = ZoneInfo(settings.schedule.timezone)
    router.register(
        "digest",
        build_digest_command(jobs.digest_source(), clock, tz),
        "the last seven days: new entries, decisions, candidates waiting; add 'share' to show "
        "everyone",
        "/vad digest",
    )

    editor = EntryEditor(flow, _catalog_reader(catalog_root), this_year(clock.now), drafts)
    platforms = _build_platforms(settings, router, flow, db, clock, search, seams, editor)
    console = None if platforms else ConsoleAdapter(router, seams.out)
    outbox.add_platforms([*platforms, *([console] if console else [])])  # the cycle closes here
    return Bot(
        settings,
        clock,
        db,
        candidates,
        search,
        router,
        outbox,
        flow,
        platforms,
        console,
        papers,
        jobs,
        build_service(settings, db, clock, jobs, gate, outbox),
        llm=llm,
        proposals=proposals,
        lock=StateLock(settings.resolve(settings.state.path)),
    )


def build_service(
    settings: Settings, db: Database, clock: Clock, jobs: Jobs, gate: PostGate, outbox: Outbox
) -> Service:
    """The scheduler with every job, health alerts, and a clean stop."""
    store = JobStore(db)
    redact = RedactSecrets(settings.secrets.values()).redact
    # Alerts go straight to the outbox: a failure met while stopping is still worth telling.
    runner = JobRunner(store, outbox, clock, redact)

    def heartbeat(now: datetime) -> None:
        db.put(HEARTBEAT_KEY, now.isoformat())

    def ran_once(now: datetime) -> None:
        db.put(ONCE_KEY, now.isoformat())

    tz = ZoneInfo(settings.schedule.timezone)
    specs = build_job_specs(jobs, gate, tz)
    scheduler = Scheduler(specs, runner, store, clock, settings.schedule.timezone, heartbeat)
    return Service(scheduler, gate, ran_once=ran_once)


async def serve(
    settings: Settings,
    *,
    once: bool = False,
    clock: Clock | None = None,
    seams: Seams | None = None,
    only: Sequence[str] = (),
) -> None:
    """`vadbot run`: build the bot and serve; `once` runs the due jobs (or `only`) and exits."""
    check_catalog_repo(settings)  # before build_bot makes the state file
    bot = build_bot(settings, clock=clock, seams=seams)
    if once:
        await bot.run_once(only)
    else:
        await bot.run()


def open_stores(settings: Settings) -> Database:
    """The state database for a read-only command (no platform, no scheduler)."""
    return open_state(settings, create=False)


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


def _relevance(settings: Settings) -> Callable[[Paper], Match]:
    """How the watch rates a paper (its lane's score and the terms it met), for /vad suggest."""
    rules = rules_from_settings(settings.arxiv)

    def rate(paper: Paper) -> Match:
        verdict = classify(paper, rules)
        found = match_paper(paper, rules)
        return Match(verdict.score, found.terms if found else ())

    return rate


def _post_links(settings: Settings, outbox: Outbox) -> Callable[[Candidate], tuple[Link, ...]]:
    def links(candidate: Candidate) -> tuple[Link, ...]:
        refs = outbox.refs(candidate_key(candidate.id))
        found = (post_link(ref, settings.discord.guild_id) for ref in refs)
        return tuple(link for link in found if link is not None)

    return links


def _admin_alert(outbox: Outbox) -> Callable[[str, Card], Awaitable[None]]:
    async def alert(key: str, card: Card) -> None:
        await outbox.publish("admin", key, card)

    return alert


def _catalog_reader(root: Path) -> Callable[[], Awaitable[Catalog]]:
    async def catalog() -> Catalog:
        # what can be read: one broken file must not stop a suggestion
        found, _ = await asyncio.to_thread(lambda: parse_catalog(read_catalog_files(root)))
        return found

    return catalog


def check_tokens(settings: Settings) -> None:
    """Refuse half-set Slack secrets: Slack would never connect while the bot looks healthy."""
    secrets = settings.secrets
    bot = ("SLACK_BOT_TOKEN", secrets.slack_bot_token)
    if settings.slack.mode == "http":
        other = ("SLACK_SIGNING_SECRET", secrets.slack_signing_secret)
    else:
        other = ("SLACK_APP_TOKEN", secrets.slack_app_token)
    for (given, value), (missing, needed) in ((bot, other), (other, bot)):
        if value and not needed:
            raise ConfigError(
                f"{given} is set but {missing} is not set: slack.mode {settings.slack.mode} "
                f"needs both (to run without Slack, unset {given})"
            )


def _build_platforms(
    settings: Settings,
    router: CommandRouter,
    sink: ReactionSink,
    db: Database,
    clock: Clock,
    index: Searcher,
    seams: Seams,
    editor: EntryEditor | None = None,
) -> list[ChatPlatform]:
    secrets = settings.secrets
    adapters: list[ChatPlatform] = []
    if secrets.slack_bot_token:

        def seen(key: str) -> bool:
            return db.first_time(key, clock.now().isoformat())

        adapters.append(SlackAdapter(settings.slack, secrets, router, sink, seen, editor))
    if secrets.discord_token:
        token = secrets.discord_token

        def complete(text: str) -> list[str]:
            return search_completions(index, text)

        # discord.py waits this long for the server list before READY (2 s; tests use less)
        adapters.append(
            DiscordAdapter(
                settings.discord,
                token,
                router,
                sink,
                complete=complete,
                guild_ready_timeout=seams.discord_ready_timeout,
                editor=editor,
            )
        )
    return adapters
