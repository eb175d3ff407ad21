"""Edit & approve: a maintainer opens the prefilled entry of a candidate in a form (a Slack
modal, a Discord modal), corrects it, and submitting approves the candidate with that entry,
through the vote flow's one approval path (decision recorded, posts edited, one commit).

The adapters show the form and read it back; this module decides who may, what the form
holds, and whether what came back can be written. Each refusal is one polite line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core.candidates.drafts import SummaryDrafts
from bot.core.candidates.flow import VoteFlow
from bot.core.candidates.lifecycle import (
    EntryDraft,
    build_draft,
    is_code_host,
    parse_candidate_key,
)
from bot.core.candidates.reactions import display_name, is_maintainer
from bot.core.models import Catalog
from bot.core.venues import is_possible

FIELDS = ("title", "venue", "year", "code", "summary", "tags")
NOT_MAINTAINER = "Only the list's maintainers can edit and approve a candidate; a 👍 vote helps."
DECIDED = "Candidate #{n} was decided already; nothing was written."
SUMMARY_NEEDED = "Needed: every paper in the list has a one-line summary."
TITLE_MAX, SUMMARY_MAX = 300, 500
_YEAR = re.compile(r"^(.*?)[\s,]*\b((?:19|20)\d{2})$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


@dataclass(frozen=True, slots=True)
class EditForm:
    """What the form shows: the candidate, its prefilled entry, and whether a summary is due."""

    candidate_id: int
    draft: EntryDraft
    summary_needed: bool


class EntryEditor:
    """Opens the Edit & approve form and approves with what a maintainer submitted."""

    def __init__(
        self,
        flow: VoteFlow,
        catalog: Callable[[], Awaitable[Catalog]],
        clock_year: Callable[[], int],
        drafts: SummaryDrafts | None = None,
    ) -> None:
        self.flow = flow
        self.drafts = drafts
        self.catalog = catalog
        self.clock_year = clock_year

    def may_edit(self, platform: str, user_id: str, roles: Iterable[str]) -> bool:
        """True for the maintainers of this platform (as for ✅)."""
        return is_maintainer(self.flow.rules, platform, user_id, roles)

    def candidate_of(self, platform: str, message_id: str, channel: str | None) -> int | None:
        """The candidate a post of the bot is about (a Discord button knows only its message)."""
        return parse_candidate_key(self.flow.find_key(platform, message_id, channel))

    async def open(self, candidate_id: int, wait: float = 0.0) -> EditForm | str:
        """The form for a pending candidate, prefilled (with the LLM's summary if it is drafted
        within `wait` seconds); or why it cannot be edited."""
        candidate = self.flow.store.get(candidate_id)
        if candidate is None or candidate.status != "pending":
            return DECIDED.format(n=candidate_id)
        catalog = await self.catalog()
        tags = {tag for entry in catalog.entries for tag in entry.tags}
        summary = await self.drafts.summary(candidate, wait) if self.drafts else ""
        draft = build_draft(candidate, summary, known_tags=tags)
        return EditForm(candidate_id, draft, summary_needed(catalog))

    async def drafted_summary(self, candidate_id: int) -> str:
        """The LLM's summary of the candidate, waited for up to its deadline; "" without one."""
        candidate = self.flow.store.get(candidate_id)
        if self.drafts is None or not self.drafts.enabled or candidate is None:
            return ""
        return await self.drafts.summary(candidate)

    async def check(
        self, candidate_id: int, values: Mapping[str, str]
    ) -> EntryDraft | dict[str, str]:
        """The entry the form asks for, or {field: what is wrong} for the form to show."""
        candidate = self.flow.store.get(candidate_id)
        needed = summary_needed(await self.catalog())
        found = parse_form(values, needed, self.clock_year())
        if isinstance(found, dict) or candidate is None:
            return found if isinstance(found, dict) else {"title": DECIDED.format(n=candidate_id)}
        prefilled = build_draft(candidate)
        source = (
            prefilled.venue_source
            if (found.venue, found.year) == (prefilled.venue, prefilled.year)
            else ""
        )
        return EntryDraft(
            found.title, found.venue, found.year, found.code, found.summary, found.tags, source
        )

    async def approve(
        self, platform: str, candidate_id: int, draft: EntryDraft, user_id: str, user_name: str
    ) -> str:
        """Approve the candidate with the edited entry; one line for the maintainer."""
        name = display_name(self.flow.rules, platform, user_id, user_name)
        decision = await self.flow.decide(candidate_id, "approve", name, platform, draft=draft)
        if decision is None:
            return DECIDED.format(n=candidate_id)
        return f"Added “{draft.title}” ({draft.venue} {draft.year}) to the list."


def summary_needed(catalog: Catalog) -> bool:
    """True when every paper of the list has a summary: a new one may not come without one."""
    papers = [e for e in catalog.entries if e.kind == "paper"]
    return bool(papers) and all(e.summary.strip() for e in papers)


def split_venue_year(text: str) -> tuple[str, str]:
    """ "CVPR 2025" → ("CVPR", "2025"); no year at the end → (text, "")."""
    found = _YEAR.match(" ".join(text.split()))
    return (found.group(1), found.group(2)) if found else (" ".join(text.split()), "")


def parse_form(
    values: Mapping[str, str], summary_required: bool, this_year: int
) -> EntryDraft | dict[str, str]:
    """The form's values as an entry draft, or {field: one line saying what is wrong}."""
    text = {name: " ".join(str(values.get(name) or "").split()) for name in FIELDS}
    errors: dict[str, str] = {}
    if not text["title"] or len(text["title"]) > TITLE_MAX:
        errors["title"] = f"A title is needed (at most {TITLE_MAX} characters)."
    if not text["venue"]:
        errors["venue"] = "A venue is needed: arXiv for a preprint."
    year = int(text["year"]) if text["year"].isdigit() else None
    if year is None or not 1990 <= year <= this_year + 1:
        errors["year"] = f"A year is needed, 1990–{this_year + 1}."
    elif text["venue"] and (reason := is_possible(text["venue"], year, this_year=this_year)):
        errors["year"] = f"That cannot be right: {reason}."
    code = text["code"]
    if code and (not re.match(r"^https?://\S+$", code) or not is_code_host(code)):
        errors["code"] = "A code link is an https:// link to GitHub, GitLab, Hugging Face…"
    if summary_required and not text["summary"]:
        errors["summary"] = SUMMARY_NEEDED
    elif len(text["summary"]) > SUMMARY_MAX:
        errors["summary"] = f"One line, at most {SUMMARY_MAX} characters."
    tags = tuple(dict.fromkeys(t.lower() for t in re.split(r"[,\s]+", text["tags"]) if t))
    if any(not _TAG.match(tag) for tag in tags):
        errors["tags"] = "Tags are short lowercase words with hyphens, separated by commas."
    if errors:
        return errors
    return EntryDraft(text["title"], text["venue"], year, code, text["summary"], tags)


def this_year(now: Callable[[], datetime]) -> Callable[[], int]:
    """The clock's year, for the form's checks."""
    return lambda: now().year
