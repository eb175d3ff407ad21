"""Approval writes the catalog: a new entry file, a commit by the bot, and a push.

One lock serialises approvals, so two at the same moment make two clean commits. Approving a
paper that is already in the catalog writes nothing. A push rejected as non-fast-forward is
rebased and retried once; if it still fails the commit stays local, is reported, and goes out
with the next push.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from pathlib import Path

from bot.core.approval import AddedEntry, build_commit_message, build_entry, find_in_catalog
from bot.core.models import Candidate
from bot.errors import CatalogError, GitError
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
        repo: Path,
        catalog_path: str = "catalog",
        *,
        bot_name: str = "vadbot",
        bot_email: str = "vadbot@localhost",
        remote: str | None = None,
        branch: str = "main",
    ) -> None:
        self.repo = repo
        self.catalog_path = catalog_path.strip("/")
        self.remote = remote
        self.branch = branch
        self._identity = {
            "GIT_AUTHOR_NAME": bot_name,
            "GIT_AUTHOR_EMAIL": bot_email,
            "GIT_COMMITTER_NAME": bot_name,
            "GIT_COMMITTER_EMAIL": bot_email,
        }
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> CatalogWriter:
        """A writer for the configured catalog repository, identity and remote."""
        cat = settings.catalog
        return cls(
            settings.resolve(cat.repo),
            cat.path,
            bot_name=cat.bot_name,
            bot_email=cat.bot_email,
            remote=cat.remote,
            branch=cat.branch,
        )

    def add_candidate(self, candidate: Candidate, approver: str, platform: str) -> AddedEntry:
        """Write, commit and push the candidate's entry; blocking (call it in a thread)."""
        with self._lock:
            root = self.repo / self.catalog_path
            files = read_catalog_files(root)
            catalog, before = parse_catalog(files)
            existing = find_in_catalog(catalog, candidate)
            if existing is not None:
                path = self._repo_path(existing.path)
                return AddedEntry(existing.id, path, self._last_commit(path), created=False)
            entry = build_entry(candidate, {e.id for e in catalog.entries})
            rel = entry_path(entry)
            text = dump_entry(entry)
            _, after = parse_catalog({**files, rel: text})
            if len(after) > len(before):
                raise CatalogError([p for p in after if p not in before])
            write_atomic(root / rel, text)
            path = self._repo_path(rel)
            sha = self._commit(path, build_commit_message(entry, candidate, approver, platform))
            return AddedEntry(entry.id, path, sha, push_error=self.push())

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
        with self._lock:
            return self.push()

    # -------------------------------------------------------------------- git

    def _commit(self, path: str, message: str) -> str:
        self.git("add", "--", path)
        self.git("commit", "-q", "--no-verify", "-m", message, "--", path)
        return self.git("rev-parse", "HEAD").strip()

    def _push_once(self) -> None:
        assert self.remote is not None
        self.git("push", "-q", self.remote, f"HEAD:refs/heads/{self.branch}")

    def _rebase_on_remote(self) -> None:
        assert self.remote is not None
        self.git("fetch", "-q", self.remote, self.branch)
        try:
            self.git("rebase", "-q", "FETCH_HEAD")
        except GitError:
            self.git("rebase", "--abort")
            raise

    def _last_commit(self, path: str) -> str | None:
        sha = self.git("log", "-1", "--format=%H", "--", path).strip()
        return sha or None

    def _repo_path(self, catalog_rel: str) -> str:
        return f"{self.catalog_path}/{catalog_rel}" if self.catalog_path else catalog_rel

    def git(self, *args: str) -> str:
        """Run git in the repository as the bot; its output, or GitError with git's message."""
        env = {**os.environ, **self._identity, "GIT_TERMINAL_PROMPT": "0"}
        command = ["git", "-C", str(self.repo), "-c", "commit.gpgsign=false", *args]
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise GitError(f"git {args[0]} failed: {detail[-1] if detail else result.returncode}")
        return result.stdout
