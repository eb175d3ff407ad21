"""Approval writes the catalog: a new entry file, a commit by the bot, and a push.

One lock serialises approvals, so two at the same moment make two clean commits. Approving a
paper that is already in the catalog writes nothing. A push rejected as non-fast-forward is
rebased and retried once; if it still fails the commit stays local, is reported, and goes out
with the next push.
"""

from __future__ import annotations

import logging

from bot.core.candidates.lifecycle import (
    AddedEntry,
    build_commit_message,
    build_entry,
    find_in_catalog,
)
from bot.core.models import Candidate
from bot.errors import CatalogError, GitError
from bot.infra.git import GitRepo, path_prefix
from bot.infra.yaml_files import (
    dump_entry,
    entry_path,
    parse_catalog,
    read_catalog_files,
    write_atomic,
)
from bot.settings import Settings

log = logging.getLogger(__name__)


class CatalogWriter:
    """Adds approved candidates to the catalog in a git repository."""

    def __init__(
        self,
        repo: GitRepo,
        catalog_path: str = "catalog",
        *,
        bot_name: str = "vadbot",
        bot_email: str = "vadbot@localhost",
        remote: str | None = None,
        branch: str = "main",
    ) -> None:
        self.repo = repo
        self.prefix = path_prefix(catalog_path)
        self.remote = remote
        self.branch = branch
        self.author = f"{bot_name} <{bot_email}>"
        self._identity = ("-c", f"user.name={bot_name}", "-c", f"user.email={bot_email}")

    @classmethod
    def from_settings(cls, settings: Settings, repo: GitRepo | None = None) -> CatalogWriter:
        """A writer for the configured catalog; pass the announcer's GitRepo to share its lock."""
        cat = settings.catalog
        return cls(
            repo or GitRepo(settings.resolve(cat.repo)),
            cat.path,
            bot_name=cat.bot_name,
            bot_email=cat.bot_email,
            remote=cat.remote,
            branch=cat.branch,
        )

    def add_candidate(self, candidate: Candidate, approver: str, platform: str) -> AddedEntry:
        """Write, commit and push the candidate's entry; blocking (call it in a thread)."""
        with self.repo.lock:  # shared with the announcer's fast-forward
            root = self.repo.path / self.prefix
            files = read_catalog_files(root)
            catalog, before = parse_catalog(files)
            existing = find_in_catalog(catalog, candidate)
            if existing is not None:
                path = self.prefix + existing.path
                return AddedEntry(existing.id, path, self._last_commit(path), created=False)
            entry = build_entry(candidate, {e.id for e in catalog.entries})
            rel = entry_path(entry)
            text = dump_entry(entry)
            _, after = parse_catalog({**files, rel: text})
            if len(after) > len(before):
                raise CatalogError([p for p in after if p not in before])
            write_atomic(root / rel, text)
            path = self.prefix + rel
            self._commit(path, build_commit_message(entry, candidate, approver, platform))
            push_error = self.push()
            # a push retried after a rebase rewrote the commit: name the one the remote has
            return AddedEntry(entry.id, path, self._last_commit(path), push_error=push_error)

    def push(self) -> str | None:
        """Push local commits; rebase and retry once if rejected. None, or why it failed."""
        if not self.remote:
            return None
        try:
            self._push_once()
            return None
        except GitError as first:
            log.info("push to %s rejected, rebasing and retrying: %s", self.remote, first)
        try:
            self._rebase_on_remote()
            self._push_once()
            return None
        except GitError as exc:
            log.error("push to %s failed; the commit stays local: %s", self.remote, exc)
            return str(exc)

    def push_pending(self) -> str | None:
        """Push whatever a failed push left behind (the pull job calls this)."""
        with self.repo.lock:
            return self.push()

    def commit_of(self, path: str) -> str | None:
        """The commit that last changed the file at `path` (an entry's own, after a rebase)."""
        with self.repo.lock:
            return self._last_commit(path)

    # -------------------------------------------------------------------- git

    def _commit(self, path: str, message: str) -> None:
        try:
            self.repo.run("add", "--", path)
            self.repo.run(
                *self._identity, "-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify",
                "--author", self.author, "-m", message, "--", path,
            )  # fmt: skip
        except GitError:
            # an uncommitted entry file would later pass for one already in the list
            self.repo.run("reset", "--quiet", "--", path, ok=(0, 1, 128))
            (self.repo.path / path).unlink(missing_ok=True)
            raise

    def _push_once(self) -> None:
        assert self.remote is not None
        self.repo.run("push", "--quiet", self.remote, f"HEAD:refs/heads/{self.branch}")

    def _rebase_on_remote(self) -> None:
        assert self.remote is not None
        self.repo.fetch(self.remote, self.branch)
        try:
            self.repo.run(
                *self._identity, "rebase", "--quiet", f"refs/remotes/{self.remote}/{self.branch}"
            )
        except GitError:
            self.repo.run("rebase", "--abort", ok=(0, 128))
            raise

    def _last_commit(self, path: str) -> str | None:
        return self.repo.run("log", "-1", "--format=%H", "--", path).strip() or None
