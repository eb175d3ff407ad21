"""The `/vad` slash-command group: each subcommand hands its text to the core's router."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

Answer = Callable[[discord.Interaction[Any], str, str], Awaitable[None]]
Complete = Callable[[str], Sequence[str]]
"""Search queries to offer for what has been typed so far (autocomplete)."""


def build_group(answer: Answer, complete: Complete) -> app_commands.Group:
    """The `/vad` command group; every subcommand goes through the core's router."""
    group = app_commands.Group(name="vad", description="The LLM-for-VAD paper list")

    @group.command(name="search", description="Search the list (filters: venue: year: has:code)")
    @app_commands.describe(query="words or filters", share="show the answer to the channel")
    async def search(
        interaction: discord.Interaction[Any], query: str, share: bool = False
    ) -> None:
        await answer(interaction, "search", f"share {query}" if share else query)

    @search.autocomplete("query")
    async def search_choices(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=q, value=q) for q in complete(current)[:25]]

    @group.command(name="candidates", description="Papers waiting for votes")
    async def candidates(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, "candidates", "")

    @group.command(name="suggest", description="Propose an arXiv paper for the list")
    @app_commands.describe(paper="arXiv id or URL")
    async def suggest(interaction: discord.Interaction[Any], paper: str) -> None:
        await answer(interaction, "suggest", paper)

    @group.command(name="digest", description="This week's digest, now")
    async def digest(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, "digest", "")

    @group.command(name="help", description="Every subcommand with an example")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await answer(interaction, "help", "")

    return group
