"""The digest's data: entries added from the catalog's git history, candidates from the state.

The catalog "at" a time is the last commit on the branch committed before it, so a digest sent
late (the bot was down on Monday) still covers exactly its week.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from bot.core.catalog.history import Change, build_changes
from bot.core.digest import Digest, NewEntry, assemble_digest
from bot.core.models import Candidate, Tally, count_kinds
from bot.infra.git_history import GitCatalogHistory
from bot.infra.yaml_files import LIST_FILE, parse_yaml_file

DEFAULT_NAME = "LLM4VAD"


class CatalogDigestSource:
    """The DigestSource port over the catalog's history and the candidates' store."""

    def __init__(
        self,
        history: GitCatalogHistory,
        candidates: Callable[[], Sequence[Candidate]],
        tally: Callable[[Candidate], Tally],
        name: str = DEFAULT_NAME,
    ) -> None:
        self.history = history
        self.candidates = candidates
        self.tally = tally
        self.name = name

    async def collect(self, start: datetime, end: datetime) -> Digest:
        """The digest of [start, end); reads git and SQLite in a worker thread."""
        return await asyncio.to_thread(self._collect, start, end)

    def _collect(self, start: datetime, end: datetime) -> Digest:
        since, until = self.commit_at(start), self.commit_at(end)
        added = self.added_between(since, until) if until else []
        entries = self.history.snapshot(until).entries if until else ()
        return assemble_digest(
            start, end, added, self.candidates(), self.tally, count_kinds(entries), self.name
        )

    def commit_at(self, when: datetime) -> str | None:
        """The last commit of the catalog's branch committed before `when`."""
        out = self.history.repo.run(
            "rev-list", "-1", f"--before={when.isoformat()}", "HEAD", "--", ok=(0, 128)
        )
        return out.strip() or None

    def added_between(self, since: str | None, until: str) -> list[NewEntry]:
        """Entries new in (since, until], as they are at `until`, in the order they came."""
        changes, _ = build_changes(self.history.steps(since, until))
        first_added: dict[str, Change] = {}
        for change in changes:
            if change.change == "added":
                first_added.setdefault(change.entry.id, change)
        latest = {change.entry.id: change for change in changes}
        return [
            NewEntry(latest[i].entry, added.commit.short, added.commit.credited)
            for i, added in first_added.items()
            if latest[i].change != "removed"
        ]


def list_name(catalog_root: Path) -> str:
    """The list's short name for the digest title: "Awesome LLM4VAD" → "LLM4VAD"."""
    try:
        data, _ = parse_yaml_file(LIST_FILE, (catalog_root / LIST_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        data = None
    title = str(data.get("title", "")) if isinstance(data, dict) else ""
    return title.removeprefix("Awesome ").removeprefix("awesome-").strip() or DEFAULT_NAME
