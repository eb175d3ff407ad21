"""What changed in the catalog, commit by commit, by entry id (never by line or file).

The git side (infra) hands over each commit's changed files already parsed (`Step`); this module
turns them into added / updated / removed `Change`s and notes the commits that broke a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

from bot.core.models import Entry

ChangeKind = Literal["added", "updated", "removed"]
DEFAULT_ANNOUNCE_UPDATES = ("links.code", "links.project", "venue")
_COMPARED = tuple(
    f.name for f in fields(Entry) if f.name not in ("id", "path", "order", "links")
)  # the file an entry lives in and its list order are layout, not content


@dataclass(frozen=True, slots=True)
class Commit:
    """A commit of the catalog's repository."""

    sha: str
    author: str
    date: datetime
    subject: str = ""
    approved_by: str = ""
    """The `Approved-by:` trailer of an approval the bot committed ("Ana (Slack)"), else ""."""

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def credited(self) -> str:
        """Who to thank for the commit: the approving maintainer, not the bot's git identity."""
        return self.approved_by or self.author


@dataclass(frozen=True, slots=True)
class FileVersion:
    """One catalog file as of a commit: its entries, or the problems that make it unreadable."""

    entries: tuple[Entry, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def is_broken(self) -> bool:
        return bool(self.problems)


@dataclass(frozen=True, slots=True)
class FileChange:
    """A catalog file a commit touched; None on a side means the file did not exist."""

    path: str
    before: FileVersion | None
    after: FileVersion | None


@dataclass(frozen=True, slots=True)
class Step:
    """One commit and the catalog files it changed."""

    commit: Commit
    files: tuple[FileChange, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """An entry added, updated (with the dotted names of the changed fields) or removed."""

    change: ChangeKind
    entry: Entry
    commit: Commit
    fields: tuple[str, ...] = ()
    previous: Entry | None = None
    """The entry before an update."""


@dataclass(frozen=True, slots=True)
class BrokenCommit:
    """A commit that left a catalog file unreadable (bad YAML or an invalid entry)."""

    commit: Commit
    problems: tuple[str, ...]


def changed_fields(old: Entry, new: Entry) -> tuple[str, ...]:
    """The dotted names (`venue`, `links.code`) of the fields that differ between two versions."""
    names = [name for name in _COMPARED if getattr(old, name) != getattr(new, name)]
    for link in sorted(set(old.links) | set(new.links)):
        if old.links.get(link) != new.links.get(link):
            names.append(f"links.{link}")
    return tuple(names)


def diff_entries(
    before: Mapping[str, Entry], after: Mapping[str, Entry], commit: Commit
) -> list[Change]:
    """Changes between two sets of entries keyed by id, all attributed to `commit`."""
    changes = [Change("added", e, commit) for i, e in after.items() if i not in before]
    for entry_id, new in after.items():
        old = before.get(entry_id)
        names = changed_fields(old, new) if old is not None else ()
        if old is not None and names:
            changes.append(Change("updated", new, commit, names, old))
    changes += [Change("removed", e, commit) for i, e in before.items() if i not in after]
    return changes


def build_changes(steps: Iterable[Step]) -> tuple[list[Change], list[BrokenCommit]]:
    """Every change of a run of commits, and the commits that broke a file.

    A file a commit breaks is left out of that commit (its entries neither removed nor added)
    and the commit is reported once; the commit that fixes the file is compared with the file's
    last readable version, so the entries it brings are added then.
    """
    last_good: dict[str, FileVersion | None] = {}
    broken: set[str] = set()
    changes: list[Change] = []
    broken_commits: list[BrokenCommit] = []
    for step in steps:
        before: dict[str, Entry] = {}
        after: dict[str, Entry] = {}
        problems: list[str] = []
        for file in step.files:
            if file.path not in last_good and file.before is not None and not file.before.is_broken:
                last_good[file.path] = file.before
            if file.after is not None and file.after.is_broken:
                if not _was_broken(file, broken, last_good):
                    problems += file.after.problems
                broken.add(file.path)
                continue
            broken.discard(file.path)
            before.update(_by_id(_prior(file, last_good)))
            after.update(_by_id(file.after))
            last_good[file.path] = file.after
        changes += diff_entries(before, after, step.commit)
        if problems:
            broken_commits.append(BrokenCommit(step.commit, tuple(problems)))
    return changes, broken_commits


def _was_broken(file: FileChange, broken: set[str], last_good: Mapping[str, object]) -> bool:
    if file.path in broken:
        return True
    return file.path not in last_good and file.before is not None and file.before.is_broken


def _prior(file: FileChange, last_good: Mapping[str, FileVersion | None]) -> FileVersion | None:
    """The file before this commit: its parent's version, or its last readable one if broken."""
    if file.before is not None and not file.before.is_broken:
        return file.before
    return last_good.get(file.path)


def _by_id(version: FileVersion | None) -> dict[str, Entry]:
    return {e.id: e for e in version.entries} if version is not None else {}


def is_worth_announcing(change: Change, announce_updates: Sequence[str]) -> bool:
    """True for an update that touches a field the lab wants to hear about (`links` = any link)."""
    return change.change == "updated" and any(
        name == wanted or name.startswith(wanted + ".")
        for name in change.fields
        for wanted in announce_updates
    )


def net_changes(changes: Sequence[Change]) -> dict[str, Change]:
    """Per entry id, its last change in a run (an entry added then removed ends as removed)."""
    return {change.entry.id: change for change in changes}
