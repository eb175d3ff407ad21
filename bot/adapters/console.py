"""The console adapter: cards printed as text, `/vad …` commands read from standard input.

It is what vadbot runs with when no chat token is set, so a fresh install shows the bot working.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import TextIO

from bot.adapters.text import trim
from bot.core.commands import CommandRouter, parse_command_text
from bot.core.models import Card, MessageRef, ReactionEvent, Reply, Request

BODY_MAX = 4000
ECHO_MAX = 200
"""How much of a typed query a reply may quote back."""
_PREFIX = re.compile(r"/?vad(?:\s+|$)", re.IGNORECASE)


def render_card(card: Card) -> str:
    """A card as plain text lines (titles, body, items, links, footer, reactions)."""
    lines = [card.title + (f"  <{card.url}>" if card.url else "")]
    if card.body:
        lines.append(trim(card.body, BODY_MAX))
    for number, item in enumerate(card.items, start=1):
        rest = [item.body] if item.body else []
        rest += [f"{link.label} <{link.url}>" for link in item.links]
        lines.append(f"{number}. {item.title}" + (" — " + " · ".join(rest) if rest else ""))
    lines += [f"{f.name}: {f.value}" for f in card.fields]
    if card.links:
        lines.append(" · ".join(f"{link.label} <{link.url}>" for link in card.links))
    if card.image:
        lines.append(f"image <{card.image}>")
    if card.footer:
        lines.append(card.footer)
    if card.reactions:
        lines.append("[" + " ".join(card.reactions) + "]")
    return "\n".join(lines)


def render_reply(reply: Reply) -> str:
    """A command reply as text."""
    parts = [reply.text] if reply.text else []
    return "\n\n".join(parts + [render_card(card) for card in reply.cards])


class ConsoleAdapter:
    """Prints posts to a stream and answers `/vad` commands typed on standard input."""

    platform = "console"

    def __init__(self, router: CommandRouter, out: TextIO | None = None) -> None:
        self.router = router
        self.out = out or sys.stdout
        self._ids = itertools.count(1)

    def say(self, text: str) -> None:
        """Print a line for the person at the terminal."""
        self.out.write(text + "\n")
        self.out.flush()

    async def post(self, channel: str, card: Card) -> MessageRef:
        """Print a card under a `#channel` header."""
        message_id = str(next(self._ids))
        self.say(f"─── #{channel} · message {message_id} " + "─" * 40)
        self.say(render_card(card))
        return MessageRef(self.platform, channel, message_id)

    async def post_keyed(self, channel: str, card: Card, key: str) -> MessageRef:
        """Print a card (the outbox's entry point; a terminal needs no deduplication)."""
        return await self.post(channel, card)

    async def find_post(
        self, channel: str, key: str, card: Card, since: datetime
    ) -> MessageRef | None:
        """A terminal keeps no history: print again rather than lose a post."""
        return None

    async def edit(self, ref: MessageRef, card: Card) -> None:
        """Print the new version of a message."""
        self.say(f"─── #{ref.channel} · message {ref.message_id} (edited) " + "─" * 31)
        self.say(render_card(card))

    async def react(self, ref: MessageRef, emoji: str) -> None:
        """Reactions are shown with the card; nothing more to print."""

    async def start(self) -> None:
        """Nothing to connect: the terminal is there."""

    async def start_posting(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Nothing to disconnect."""

    async def read_reactions(self, ref: MessageRef) -> Sequence[ReactionEvent]:
        """Nobody reacts in a terminal."""
        return ()

    async def handle_line(self, line: str) -> str:
        """The answer to one typed line (`/vad search vera`, or `search vera`)."""
        text = line.strip()
        if match := _PREFIX.match(text):  # `/vad`, `/VAD`, `vad`: as a chat app would forgive
            text = text[match.end() :]
        command, rest = parse_command_text(text)
        request = Request("console", "console", "console", command, rest, "you")
        return _cap_echo(render_reply(await self.router.dispatch(request)), rest)

    async def run(self, stdin: TextIO | None = None) -> None:
        """Answer commands from standard input until it ends. At the end of a terminal's input
        (Ctrl-D) vadbot stops, as a shell does; piped input ends and the jobs keep running."""
        source = stdin or sys.stdin
        lines = _pump(source)
        while line := await lines.get():
            if line.strip():
                self.say(await self.handle_line(line) + "\n")
        if _is_terminal(source):
            self.say("End of input (Ctrl-D): vadbot stops.")
            signal.raise_signal(signal.SIGINT)  # the service's own clean stop, as for Ctrl-C


def _is_terminal(source: TextIO) -> bool:
    try:
        return source.isatty()
    except (ValueError, OSError):  # closed or detached
        return False


def _cap_echo(answer: str, typed: str) -> str:
    """A reply quotes the query; a query pasted by mistake (thousands of characters) is
    quoted by its start only, so the answer stays readable."""
    if len(typed) <= ECHO_MAX:
        return answer
    return answer.replace(typed, typed[:ECHO_MAX] + f"… ({len(typed)} characters)")


def _pump(source: TextIO) -> asyncio.Queue[str]:
    """Lines of `source` read by a daemon thread: a blocked read must not delay shutdown."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        try:
            for line in iter(source.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
            loop.call_soon_threadsafe(queue.put_nowait, "")
        except RuntimeError:  # the loop closed while we were reading
            pass

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return queue
