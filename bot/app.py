"""The one composition root: builds every object vadbot runs and wires them together.

Adapters start only when their tokens are present; with none, the console adapter runs so a
fresh install works. Each platform connects (and reconnects) on its own: one failing never
stops the other. Posts wait in the outbox until their platform is up.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.slack.adapter import SlackAdapter
from bot.clock import UtcClock
from bot.core.commands import CommandRouter, build_router, search_completions
from bot.core.models import Entry, ReactionEvent
from bot.core.ports import Clock, ReactionSink
from bot.core.search.engine import LiveIndex, Searcher, SearchIndex, build_index
from bot.errors import CatalogError, ConfigError, UserError
from bot.infra.outbox import Outbox, Pacer, Sender
from bot.infra.search_index import SearchIndexFile
from bot.infra.state import Database
from bot.infra.yaml_files import load_catalog
from bot.settings import ChannelSettings, Settings

log = logging.getLogger(__name__)

RETRY_SECONDS = (5.0, 30.0, 60.0, 300.0)
FLUSH_SECONDS = 60.0
"""How often posts that failed (a platform error, a network blip) are tried again."""
CONSOLE_CHANNELS = ChannelSettings(
    papers="papers", candidates="candidates", digest="digest", admin="admin"
)
NO_TOKEN_HELP = """\
vadbot is running in the console: no chat token is set.
  Type a command such as `/vad search vera` or `/vad help` (Ctrl-C stops the bot).
  To add Slack: create the app from config/slack-manifest.yaml, then set SLACK_BOT_TOKEN (xoxb-…)
    and SLACK_APP_TOKEN (xapp-…, Socket Mode) and the channel ids under slack.channels.
  To add Discord: create an application with a bot, set DISCORD_TOKEN, invite it with the link
    from `vadbot discord invite-url`, and set the channel ids under discord.channels.
"""


class Startable(Sender, Protocol):
    """A platform adapter the app can connect and disconnect."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class LoggingSink:
    """The reaction sink until the votes area plugs in its own: logs each reaction."""

    async def on_reaction(self, event: ReactionEvent) -> None:
        log.info(
            "%s reaction %s %s on %s by %s",
            event.platform,
            event.emoji,
            "added" if event.added else "removed",
            event.message_id,
            event.user_id,
        )


@dataclass
class ReactionRelay:
    """The sink the adapters hold; `target` is set once the votes area is built (it needs the
    app's outbox and state, so it cannot exist before the adapters do)."""

    target: ReactionSink = field(default_factory=LoggingSink)

    async def on_reaction(self, event: ReactionEvent) -> None:
        await self.target.on_reaction(event)


@dataclass
class App:
    """Everything vadbot runs, wired once; `await app.run()` serves until stopped."""

    settings: Settings
    db: Database
    router: CommandRouter
    outbox: Outbox
    adapters: Sequence[Startable]
    reactions: ReactionRelay
    search: LiveIndex
    console: ConsoleAdapter | None = None
    out: TextIO = sys.stdout
    retry_seconds: Sequence[float] = RETRY_SECONDS
    flush_seconds: float = FLUSH_SECONDS
    connected: set[str] = field(default_factory=set)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self, interactive: bool = True) -> None:
        """Connect every platform in the background; alone, the console prints its help and
        reads commands (unless not `interactive`: a one-shot run only prints its posts)."""
        for adapter in self.adapters:
            self._tasks.append(asyncio.create_task(self._connect(adapter)))
        self._tasks.append(asyncio.create_task(self._flush_now_and_then()))
        if self.console is not None:
            if interactive:
                self.console.say(NO_TOKEN_HELP)
                self._tasks.append(asyncio.create_task(self.console.run()))
            self.connected.add(self.console.platform)
            await self.outbox.flush(self.connected)
        # scheduling: the service area starts its jobs (announce, arXiv watch, digest) here.

    async def run(self) -> None:
        """Start, then serve until `stop()`."""
        await self.start()
        try:
            await self._stop.wait()
        finally:
            await self.close()

    def stop(self) -> None:
        """Ask `run()` to return."""
        self._stop.set()

    async def close(self) -> None:
        """Disconnect everything."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for adapter in self.adapters:
            if adapter.platform in self.connected:
                await adapter.close()
        self.db.close()

    async def _flush_now_and_then(self) -> None:
        """Retry unconfirmed posts while the bot runs, not only at start-up."""
        while True:
            await asyncio.sleep(self.flush_seconds)
            try:
                if self.outbox.unsent():
                    await self.outbox.flush(self.connected)
            except Exception:
                log.exception("outbox: retrying unsent posts failed")

    async def _connect(self, adapter: Startable) -> None:
        """Connect one platform, retrying with backoff; then send what waited for it."""
        for attempt in itertools.count():
            try:
                await adapter.start()
                break
            except UserError as exc:  # a setting is wrong: retrying will not fix it
                log.error("%s: not started: %s", adapter.platform, exc)
                return
            except Exception as exc:
                delay = self.retry_seconds[min(attempt, len(self.retry_seconds) - 1)]
                log.error(
                    "%s: cannot connect (%s); retrying in %.0f s", adapter.platform, exc, delay
                )
                await asyncio.sleep(delay)
        self.connected.add(adapter.platform)
        log.info("%s: connected", adapter.platform)
        sent = await self.outbox.flush({adapter.platform})
        if sent:
            log.info("%s: %d waiting post(s) sent", adapter.platform, sent)


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    sink: ReactionSink | None = None,
    out: TextIO | None = None,
    pacer: Pacer | None = None,
    discord_ready_timeout: float = 2.0,
) -> App:
    """Wire vadbot from its settings: state, search, router, adapters with tokens, outbox.

    Areas plug in afterwards: `app.router.register(...)` for their `/vad` subcommands,
    `app.reactions.target = …` for the votes, `app.outbox` as their Poster.
    """
    check_tokens(settings)
    clock = clock or UtcClock()
    db = Database(settings.resolve(settings.state.path))
    index = LiveIndex(build_search_index(settings, _load_entries(settings)))
    router = build_router(index, settings.search.results)
    reactions = ReactionRelay(sink or LoggingSink())
    adapters = _build_adapters(settings, router, reactions, db, clock, index, discord_ready_timeout)
    console = None if adapters else ConsoleAdapter(router, out)
    senders: list[Sender] = [*adapters, *([console] if console else [])]
    channels = {
        "discord": settings.discord.channels,
        "slack": settings.slack.channels,
        "console": CONSOLE_CHANNELS,
    }
    outbox = Outbox(db, senders, channels, clock, pacer)
    return App(settings, db, router, outbox, adapters, reactions, index, console, out or sys.stdout)


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


def _build_adapters(
    settings: Settings,
    router: CommandRouter,
    sink: ReactionSink,
    db: Database,
    clock: Clock,
    index: Searcher,
    discord_ready_timeout: float,
) -> list[Startable]:
    secrets = settings.secrets
    adapters: list[Startable] = []
    if secrets.slack_bot_token:

        def seen(key: str) -> bool:
            return db.first_time(key, clock.now().isoformat())

        adapters.append(SlackAdapter(settings.slack, secrets, router, sink, seen))
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
                guild_ready_timeout=discord_ready_timeout,
            )
        )
    return adapters


def build_search_index(settings: Settings, entries: Sequence[Entry]) -> SearchIndex:
    """The search index, reusing the saved one at `search.index_path` when set."""
    path = settings.search.index_path
    return build_index(entries, SearchIndexFile(settings.resolve(path)) if path else None)


def _load_entries(settings: Settings) -> list[Entry]:
    root = settings.resolve(settings.catalog.repo) / settings.catalog.path
    try:
        return list(load_catalog(root).entries)
    except CatalogError as exc:
        log.error("catalog at %s cannot be read; search will find nothing:\n%s", root, exc)
        return []
