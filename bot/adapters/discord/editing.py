"""Edit & approve on Discord: a button on the candidate card opens a modal with the prefilled
entry; submitting approves through the same core path as Slack's modal (`EntryEditor`).

The button is one persistent view (`EDIT_BUTTON`), added to the client at start, so cards
posted before a restart still answer. A modal has at most five inputs: venue and year share one.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import ui

from bot.core.candidates.editing import (
    DECIDED,
    NOT_MAINTAINER,
    SUMMARY_NEEDED,
    EditForm,
    EntryEditor,
    split_venue_year,
)

EDIT_BUTTON = "vad:edit-approve"
"""The custom id of the Edit & approve button on every candidate card."""

log = logging.getLogger(__name__)

MODAL_SECONDS = 15 * 60.0
"""Discord's interaction token lasts 15 minutes: a modal left open longer is forgotten."""
DRAFT_WAIT = 1.5
"""A Discord modal cannot change once open and must open within 3 s of the click: it shows the
LLM's summary when it is drafted (or comes within this), else an empty field."""
LABELS = {
    "title": "Title",
    "venue": "Venue and year (arXiv 2025 for a preprint)",
    "code": "Code link",
    "summary": "Summary (one line)",
    "tags": "Tags (comma-separated)",
}
FIELD_NAMES = {"venue": "Venue", "year": "Year", **{k: v.split(" (")[0] for k, v in LABELS.items()}}


def role_ids(user: discord.abc.User) -> tuple[str, ...]:
    """The member's roles by id (none outside a server, or for the default role)."""
    roles = getattr(user, "roles", None) or ()
    return tuple(str(r.id) for r in roles if not r.is_default())


async def say(interaction: discord.Interaction[Any], text: str) -> None:
    """One line only the person who clicked sees."""
    mentions = discord.AllowedMentions.none()
    await interaction.response.send_message(text, ephemeral=True, allowed_mentions=mentions)


class EditView(ui.View):
    """The Edit & approve button of every candidate card (persistent: no timeout)."""

    def __init__(self, editor: EntryEditor) -> None:
        super().__init__(timeout=None)
        self.editor = editor
        button: ui.Button[EditView] = ui.Button(
            label="Edit & approve", style=discord.ButtonStyle.primary, custom_id=EDIT_BUTTON
        )
        button.callback = self.on_click  # type: ignore[method-assign]
        self.add_item(button)

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        """A maintainer gets the prefilled modal; anyone else a polite line only they see."""
        user, message = interaction.user, interaction.message
        if not self.editor.may_edit("discord", str(user.id), role_ids(user)):
            await say(interaction, NOT_MAINTAINER)
            return
        number = None
        if message is not None:  # the channel narrows the lookup where the payload names it
            where = interaction.channel_id or getattr(message.channel, "id", None)
            channel = str(where) if where else None
            number = self.editor.candidate_of("discord", str(message.id), channel)
        found = await self.editor.open(number, DRAFT_WAIT) if number is not None else None
        form = found or DECIDED.format(n="?")
        if isinstance(form, str):
            await say(interaction, form)
            return
        await interaction.response.send_modal(EditModal(self.editor, form))


class EditModal(ui.Modal):
    """The prefilled entry of one candidate; submitting approves it as edited."""

    def __init__(self, editor: EntryEditor, form: EditForm) -> None:
        super().__init__(title=f"Edit & approve #{form.candidate_id}"[:45], timeout=MODAL_SECONDS)
        self.editor, self.candidate_id = editor, form.candidate_id
        draft = form.draft
        values = {
            "title": draft.title,
            "venue": f"{draft.venue} {draft.year or ''}".strip(),
            "code": draft.code,
            "summary": draft.summary,
            "tags": ", ".join(draft.tags),
        }
        self.inputs: dict[str, ui.TextInput[EditModal]] = {}
        for name, label in LABELS.items():
            long = name == "summary"
            needed = name in ("title", "venue") or (long and form.summary_needed)
            field: ui.TextInput[EditModal] = ui.TextInput(
                label=label[:45],
                custom_id=name,
                default=values[name][:4000] or None,
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                required=needed,
                max_length=500 if long else 300,
                placeholder=SUMMARY_NEEDED[:100] if long and needed else None,
            )
            self.inputs[name] = field
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Check the fields (problems are said, nothing written), then approve: deferred, since
        the commit may take longer than Discord's 3 s."""
        user = interaction.user
        if not self.editor.may_edit("discord", str(user.id), role_ids(user)):
            await say(interaction, NOT_MAINTAINER)
            return
        values = {name: field.value for name, field in self.inputs.items()}
        values["venue"], values["year"] = split_venue_year(values["venue"])
        found = await self.editor.check(self.candidate_id, values)
        if isinstance(found, dict):
            lines = [f"{FIELD_NAMES.get(k, k)}: {v}" for k, v in found.items()]
            await say(interaction, "Nothing was written.\n" + "\n".join(lines))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = getattr(user, "display_name", "") or user.name
        said = await self.editor.approve("discord", self.candidate_id, found, str(user.id), name)
        log.info("discord: edit & approve by %s: %s", user.id, said)
        mentions = discord.AllowedMentions.none()
        await interaction.followup.send(said, ephemeral=True, allowed_mentions=mentions)
