"""The `/vad` dispatcher: one router for every platform, so each subcommand is written once.

Areas register their subcommands (`search` and `help` here; `candidates`, `suggest` and `digest`
by their areas). A UserError reaches the user as is; anything else is logged and answered with
a short generic message, never with exception text.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.core.models import Card, Reply, Request
from bot.core.search.engine import Searcher, search_reply
from bot.errors import UserError

log = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Reply]]
Alert = Callable[[str, Card], Awaitable[None]]
"""Tells the maintainers (the admin channel): a key (posted once) and a card."""
GENERIC_ERROR = "Sorry, that failed on our side. The maintainers can find the details in the log."
SHARE_WORD = "share"


@dataclass(frozen=True, slots=True)
class Command:
    """One registered subcommand."""

    name: str
    handler: Handler
    summary: str
    example: str


class CommandRouter:
    """Routes a parsed `Request` to the handler registered for its subcommand."""

    def __init__(self, alert: Alert | None = None) -> None:
        self._commands: dict[str, Command] = {}
        self.alert = alert
        """Unexpected failures are told to the maintainers once per command and error type."""

    def register(self, name: str, handler: Handler, summary: str, example: str) -> None:
        """Add (or replace) a subcommand."""
        self._commands[name] = Command(name, handler, summary, example)

    def commands(self) -> tuple[Command, ...]:
        """Every registered subcommand, in registration order."""
        return tuple(self._commands.values())

    async def dispatch(self, request: Request) -> Reply:
        """The reply to a request; never raises."""
        command = self._commands.get(request.command)
        if command is None:
            return Reply(text=self._unknown(request.command))
        try:
            return await command.handler(request)
        except UserError as exc:
            return Reply(text=str(exc))
        except Exception as exc:
            log.exception("/vad %s failed (platform %s)", request.command, request.platform)
            await self._alert(request, exc)
            return Reply(text=GENERIC_ERROR)

    async def _alert(self, request: Request, exc: Exception) -> None:
        if self.alert is None:
            return
        what = type(exc).__name__
        card = Card(
            title=f"/vad {request.command} failed",
            body=f"An unexpected {what} on {request.platform}; the person got a generic "
            "answer. The traceback is in the log.",
            kind="alert",
        )  # the exception's text stays in the log: it can hold paths or secrets
        try:
            await self.alert(f"command-failed:{request.command}:{what}", card)
        except Exception:  # telling the maintainers must not cost the person their answer
            log.exception("could not alert the maintainers about /vad %s", request.command)

    def _unknown(self, name: str) -> str:
        known = ", ".join(sorted(self._commands))
        what = f"Unknown subcommand '{name}'." if name else "Which subcommand?"
        return f"{what} Available: {known}. Try /vad help."


def parse_command_text(text: str) -> tuple[str, str]:
    """`"search venue:CVPR vera"` → `("search", "venue:CVPR vera")`; empty text asks for help."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "help", ""
    return parts[0].casefold(), parts[1] if len(parts) > 1 else ""


def build_router(index: Searcher, results: int = 5, alert: Alert | None = None) -> CommandRouter:
    """A router with `search` (at most `results` hits a reply) and `help`; other areas
    register the rest. `alert` tells the maintainers of an unexpected failure."""
    router = CommandRouter(alert)

    async def search(request: Request) -> Reply:
        query, share = split_share(request.text)
        if not query:
            raise UserError("What should I look for? Example: /vad search vera")
        reply = search_reply(index, query, results)
        return Reply(cards=reply.cards, text=reply.text, ephemeral=not share)

    async def help_(request: Request) -> Reply:
        listed = [(c.name, c.summary, c.example) for c in router.commands()]
        return Reply(cards=(build_help_card(listed),))

    router.register(
        "search",
        search,
        "search the list; filters venue: year: has:code; add 'share' to show everyone",
        "/vad search venue:CVPR year:2025 has:code",
    )
    router.register("help", help_, "every subcommand with an example", "/vad help")
    return router


def search_completions(index: Searcher, text: str, limit: int = 25) -> list[str]:
    """Queries to offer while someone types a search: the short names or titles it would find."""
    if len(text.strip()) < 2:
        return []
    names = [h.entry.short_name or h.entry.title for h in index.search(text, limit).hits]
    return list(dict.fromkeys(name[:100] for name in names))


def split_share(text: str) -> tuple[str, bool]:
    """`"share vera"` → `("vera", True)`: the asker wants the answer visible to the channel."""
    words = text.split(maxsplit=1)
    if words and words[0].casefold() == SHARE_WORD:
        return (words[1] if len(words) > 1 else "").strip(), True
    return text.strip(), False


def build_help_card(commands: Sequence[tuple[str, str, str]]) -> Card:
    """The `/vad help` card: one line per (name, summary, example)."""
    lines = [f"/vad {name} — {summary}\n    e.g. {example}" for name, summary, example in commands]
    return Card(
        title="vadbot · /vad commands",
        body="\n".join(lines),
        footer="Votes: react on a candidate post; maintainers approve or reject by reaction.",
        kind="help",
    )
