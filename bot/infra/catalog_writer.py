"""Approval writes the catalog: a new entry file, a commit by the bot, and a push or a PR.

One lock serialises approvals, so two at the same moment make two clean commits. Approving a
paper that is already in the catalog writes nothing.

`catalog.publish: push` (the default): the commit goes on the checked-out branch and is pushed.
A push rejected as non-fast-forward is rebased and retried once; if it still fails the commit
stays local, is reported, and goes out with the next push. A push the remote refuses on purpose
(a protected branch, a pre-receive hook) is not retried: it is reported as `protected`, with
what to do.

`catalog.publish: pull-request`: the commit goes on a bot branch (`vadbot/updates`, or
`vadbot/<entry-id>` with `catalog.pr_per_entry`) built off the work tree, which stays on
`main`; `bot/infra/pull_requests.py` pushes the branch and opens or updates the PR.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core.candidates.lifecycle import (
    AddedEntry,
    EntryDraft,
    build_commit_message,
    build_draft,
    build_entry,
    find_in_catalog,
)
from bot.core.candidates.reactions import platform_name
from bot.core.models import Candidate, Catalog, SignOff
from bot.core.refresh import Finding, apply_finding, build_fix_message
from bot.errors import CatalogError, GitError, PushRefused
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

ROLLING_BRANCH = "vadbot/updates"
REFUSED = "the remote refused the push"
"""How a `protected` problem's message starts (the pull job tells it from other failures)."""
ProblemKind = Literal[
    "protected",
    "push_failed",
    "unauthorized",
    "forbidden",
    "rate_limited",
    "unavailable",
    "not_found",
    "invalid",
    "diverged",
]


@dataclass(frozen=True, slots=True)
class PublishProblem:
    """Why an approved entry is not on the remote yet, as one line for the maintainers.

    The commit is kept (on the branch or the bot branch) whatever the kind; `retryable` says
    whether retrying later can help without a person changing something first."""

    kind: ProblemKind
    message: str
    retryable: bool = True
    retry_after: float | None = None
    """Seconds to wait before the next try (a rate limit), when the service said."""

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Approval:
    """What an approval did: the entry, and what kept it from the remote, if anything."""

    added: AddedEntry
    problem: PublishProblem | None = None
    branch: str | None = None
    """The bot branch the entry was committed on (pull-request mode), else None."""


class PendingEntries(Protocol):
    """The entries waiting on bot branches (`PullRequestBook`), as the writer needs them."""

    def branch_of(self, candidate_id: int) -> tuple[str, str] | None:
        """(branch, entry id) of a candidate's entry waiting in a PR, if there is one."""
        ...

    def live_ids(self) -> Collection[str]:
        """Entry ids waiting in a PR (not merged nor closed): taken for new entries too."""
        ...

    def has_live(self, branch: str) -> bool:
        """True while an entry on `branch` waits in a PR (so the branch is built upon)."""
        ...

    def record(
        self, candidate: Candidate, entry_id: str, title: str, sign_off: SignOff, branch: str
    ) -> None:
        """Remember that the entry waits on `branch`, approved as `sign_off` says."""
        ...


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
        pull_requests: PendingEntries | None = None,
        pr_per_entry: bool = False,
    ) -> None:
        self.repo = repo
        self.prefix = path_prefix(catalog_path)
        self.remote = remote
        self.branch = branch
        self.pending = pull_requests
        """Set in pull-request mode: approvals go to bot branches, recorded here."""
        self.pr_per_entry = pr_per_entry
        self.bot_name, self.bot_email = bot_name, bot_email
        self.author = f"{bot_name} <{bot_email}>"
        self._identity = ("-c", f"user.name={bot_name}", "-c", f"user.email={bot_email}")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        repo: GitRepo | None = None,
        pull_requests: PendingEntries | None = None,
    ) -> CatalogWriter:
        """A writer for the configured catalog; pass the announcer's GitRepo to share its lock,
        and in pull-request mode the PullRequestBook."""
        cat = settings.catalog
        if cat.publish == "pull-request" and (pull_requests is None or not cat.remote):
            raise ValueError("pull-request mode needs catalog.remote and a PullRequestBook")
        return cls(
            repo or GitRepo(settings.resolve(cat.repo)),
            cat.path,
            bot_name=cat.bot_name,
            bot_email=cat.bot_email,
            remote=cat.remote,
            branch=cat.branch,
            pull_requests=pull_requests if cat.publish == "pull-request" else None,
            pr_per_entry=cat.pr_per_entry,
        )

    def add_candidate(
        self, candidate: Candidate, sign_off: SignOff, draft: EntryDraft | None = None
    ) -> AddedEntry:
        """Write, commit and push the candidate's entry (the `draft` a maintainer edited, else
        the prefilled one); blocking (call it in a thread).

        `push_error` carries the problem's one line; `approve` gives it typed."""
        return self.approve(candidate, sign_off, draft).added

    def approve(
        self, candidate: Candidate, sign_off: SignOff, draft: EntryDraft | None = None
    ) -> Approval:
        """Write and commit the candidate's entry, then push it (push mode) or put it on the bot
        branch for `PullRequestPublisher.publish` (pull-request mode); blocking."""
        if self.pending is not None:
            return self._approve_on_branch(self.pending, candidate, sign_off, draft)
        with self.repo.lock:  # shared with the announcer's fast-forward
            root = self.repo.path / self.prefix
            files = read_catalog_files(root)
            catalog, before = parse_catalog(files)
            existing = find_in_catalog(catalog, candidate)
            if existing is not None:
                path = self.prefix + existing.path
                commit = self._last_commit(path)
                return Approval(AddedEntry(existing.id, path, commit, created=False))
            draft = draft or build_draft(candidate, known_tags=list_tags(catalog))
            entry = build_entry(candidate, {e.id for e in catalog.entries}, draft)
            rel = entry_path(entry)
            text = dump_entry(entry)
            _, after = parse_catalog({**files, rel: text})
            if len(after) > len(before):
                raise CatalogError([p for p in after if p not in before])
            write_atomic(root / rel, text)
            path = self.prefix + rel
            message = build_commit_message(
                entry, candidate, sign_off.approver, sign_off.platform, draft.venue_source
            )
            self._commit(path, message)
            problem = self.push_problem()
            # a push retried after a rebase rewrote the commit: name the one the remote has
            error = problem.message if problem else None
            refused = problem is not None and problem.kind == "protected"
            added = AddedEntry(
                entry.id, path, self._last_commit(path), push_error=error, push_refused=refused
            )
            return Approval(added, problem)

    def fix_entry(self, finding: Finding, approver: str, platform: str) -> str | None:
        """Apply a refresh finding to its entry file: one commit, then a push (push mode).
        None when the entry is gone or already says so; blocking."""
        if self.pending is not None:
            raise GitError("catalog fixes in pull-request mode are not supported yet")
        with self.repo.lock:
            root = self.repo.path / self.prefix
            files = read_catalog_files(root)
            catalog, before = parse_catalog(files)
            entry = next((e for e in catalog.entries if e.id == finding.entry_id), None)
            if entry is None or not entry.path:
                return None
            changed = apply_finding(entry, finding)
            if changed == entry:
                return None
            text = dump_entry(changed)
            _, after = parse_catalog({**files, entry.path: text})
            if len(after) > len(before):
                raise CatalogError([p for p in after if p not in before])
            write_atomic(root / entry.path, text)
            path = self.prefix + entry.path
            message = build_fix_message(finding, approver, platform_name(platform))
            try:
                self._commit_change(path, message)
            except GitError:  # the file goes back to its committed text, never half-fixed
                self.repo.run("checkout", "HEAD", "--", path, ok=(0, 1, 128))
                raise
            problem = self.push_problem()
            if problem is not None:
                log.warning("catalog fix %s committed, not pushed: %s", finding.key, problem)
            return self._last_commit(path)

    def push(self) -> str | None:
        """Push local commits; rebase and retry once if rejected. None, or why it failed."""
        problem = self.push_problem()
        return problem.message if problem else None

    def push_problem(self) -> PublishProblem | None:
        """Like `push`, typed: `protected` when the remote refuses pushes to the branch."""
        if not self.remote or self.pending is not None:
            return None  # pull-request mode never pushes the checked-out branch
        try:
            self._push_once()
            return None
        except PushRefused as exc:
            return self._refused(exc)
        except GitError as first:
            log.info("push to %s rejected, rebasing and retrying: %s", self.remote, first)
        try:
            self._rebase_on_remote()
            self._push_once()
            return None
        except PushRefused as exc:
            return self._refused(exc)
        except GitError as exc:
            log.error("push to %s failed; the commit stays local: %s", self.remote, exc)
            return PublishProblem("push_failed", str(exc))

    def _refused(self, exc: PushRefused) -> PublishProblem:
        log.error("the remote refused the push; the commit stays local: %s", exc)
        return PublishProblem(
            "protected",
            f"{REFUSED}: {self.branch} is protected — set catalog.publish: "
            "pull-request (the approved commits stay local until then)",
            retryable=False,
        )

    def push_pending(self) -> str | None:
        """Push whatever a failed push left behind (the pull job calls this)."""
        with self.repo.lock:
            return self.push()

    # -------------------------------------------------------------------- pull-request mode

    def _approve_on_branch(
        self,
        pending: PendingEntries,
        candidate: Candidate,
        sign_off: SignOff,
        draft: EntryDraft | None = None,
    ) -> Approval:
        with self.repo.lock:
            waiting = pending.branch_of(candidate.id)
            if waiting is not None:  # approved before a restart: the commit is there already
                return self._waiting(*waiting)
            base = self.base_revision()
            files = self.repo.catalog_files(base, self.prefix or ".")
            catalog, before = parse_catalog(files)
            existing = find_in_catalog(catalog, candidate)
            if existing is not None:
                path = self.prefix + existing.path
                commit = self.repo.last_commit(base, path)
                sha = commit.sha if commit else None
                return Approval(AddedEntry(existing.id, path, sha, created=False))
            taken = {e.id for e in catalog.entries} | set(pending.live_ids())
            draft = draft or build_draft(candidate, known_tags=list_tags(catalog))
            entry = build_entry(candidate, taken, draft)
            rel, text = entry_path(entry), dump_entry(entry)
            _, after = parse_catalog({**files, rel: text})
            if len(after) > len(before):
                raise CatalogError([p for p in after if p not in before])
            branch = self.bot_branch(entry.id)
            parent = self._branch_base(pending, branch, base)
            message = build_commit_message(
                entry, candidate, sign_off.approver, sign_off.platform, draft.venue_source
            )
            sha = self.repo.commit_files(
                parent, {self.prefix + rel: text}, message, self.bot_name, self.bot_email
            )
            self.repo.set_branch(branch, sha, self.repo.rev_parse(f"refs/heads/{branch}"))
            pending.record(candidate, entry.id, entry.title, sign_off, branch)
            log.info("entry %s committed on %s as %s", entry.id, branch, sha[:7])
            return Approval(AddedEntry(entry.id, self.prefix + rel, sha), branch=branch)

    def _waiting(self, branch: str, entry_id: str) -> Approval:
        tip = self.repo.rev_parse(f"refs/heads/{branch}")
        files = self.repo.catalog_files(tip, self.prefix or ".") if tip else {}
        catalog, _ = parse_catalog(files)
        found = next((e for e in catalog.entries if e.id == entry_id), None)
        path = self.prefix + (found.path if found else "")
        return Approval(AddedEntry(entry_id, path, tip, created=False), branch=branch)

    def bot_branch(self, entry_id: str) -> str:
        """The branch an entry goes on: the rolling one, or its own with pr_per_entry."""
        return f"vadbot/{entry_id}" if self.pr_per_entry else ROLLING_BRANCH

    def base_revision(self) -> str:
        """The remote's `branch` as fresh as can be (fetched; the last known one offline)."""
        assert self.remote is not None
        try:
            self.repo.fetch(self.remote, self.branch)
        except GitError as exc:
            log.warning(
                "cannot fetch %s/%s; building on the last known: %s", self.remote, self.branch, exc
            )
        for rev in (f"refs/remotes/{self.remote}/{self.branch}", f"refs/heads/{self.branch}"):
            sha = self.repo.rev_parse(rev)
            if sha:
                return sha
        raise GitError(f"neither {self.remote}/{self.branch} nor {self.branch} exists")

    def _branch_base(self, pending: PendingEntries, branch: str, base: str) -> str:
        """Where the next commit on `branch` goes: on top of the entries still waiting there
        (the remote's copy if someone added fixes to it), else fresh from `base`."""
        local = self.repo.rev_parse(f"refs/heads/{branch}")
        if local is None or not pending.has_live(branch):
            return base
        assert self.remote is not None
        try:
            present = self.repo.fetch_if_present(self.remote, branch)
        except GitError:
            return local
        remote = self.repo.rev_parse(f"refs/remotes/{self.remote}/{branch}") if present else None
        if remote and remote != local and self.repo.is_ancestor(local, remote):
            return remote
        return local

    def publish_branch(self, branch: str) -> None:
        """Push a bot branch; raises PushRefused or GitError (the branch keeps its commits).

        The bot owns its branches: one still carrying waiting entries only moves forward; one
        started afresh (after a merge or a close) replaces the old one on the remote."""
        assert self.remote is not None
        with self.repo.lock:
            present = self.repo.fetch_if_present(self.remote, branch)
            tracking = f"refs/remotes/{self.remote}/{branch}"
            seen = self.repo.rev_parse(tracking) if present else None
            local = self.repo.rev_parse(f"refs/heads/{branch}")
            if local is None:
                raise GitError(f"the bot branch {branch} is missing in {self.repo.path}")
            if seen == local:
                return
            if seen is not None and self.repo.is_ancestor(seen, local):
                self.repo.push(self.remote, f"refs/heads/{branch}", branch)
            elif seen is not None and self._carried_over(seen, local):
                raise PushRefused(
                    f"{branch} on the remote has commits the bot's copy lacks"
                )  # a person pushed to the bot branch meanwhile
            else:
                self.repo.push(self.remote, f"refs/heads/{branch}", branch, lease=seen or "")

    def _carried_over(self, remote: str, local: str) -> bool:
        """True when the bot's branch was built on the remote one (so they share entries)."""
        base = self.repo.rev_parse(f"refs/remotes/{self.remote}/{self.branch}") or ""
        merge_base = self.repo.run("merge-base", remote, local, ok=(0, 1)).strip()
        return (
            bool(merge_base) and merge_base != base and not self.repo.is_ancestor(merge_base, base)
        )

    def commit_of(self, path: str) -> str | None:
        """The commit that last changed the file at `path` (an entry's own, after a rebase)."""
        with self.repo.lock:
            return self._last_commit(path)

    # -------------------------------------------------------------------- git

    def _commit(self, path: str, message: str) -> None:
        """Commit a new entry file; on failure the file goes too, so an uncommitted entry can
        never pass for one already in the list."""
        try:
            self._commit_change(path, message)
        except GitError:
            self.repo.run("reset", "--quiet", "--", path, ok=(0, 1, 128))
            (self.repo.path / path).unlink(missing_ok=True)
            raise

    def _commit_change(self, path: str, message: str) -> None:
        """Commit the file at `path` as the bot, authored by the lab (no hooks, no signing)."""
        self.repo.run("add", "--", path)
        self.repo.run(
            *self._identity,
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "--author",
            self.author,
            "-m",
            message,
            "--",
            path,
        )

    def _push_once(self) -> None:
        assert self.remote is not None
        self.repo.push(self.remote, "HEAD", self.branch)

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


def list_tags(catalog: Catalog) -> set[str]:
    """Every tag the list's entries use (a new entry is tagged from these only)."""
    return {tag for entry in catalog.entries for tag in entry.tags}
