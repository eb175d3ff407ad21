"""The catalog's history read from git: the `CatalogHistory` port over `GitRepo`.

Only committed content is ever read (blobs, never the working tree), so uncommitted edits are
never announced. Each commit's changed files are read in one `git cat-file --batch`.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.catalog.history import Commit, FileChange, FileVersion, Step
from bot.infra.git import GitRepo, RawChange, path_prefix
from bot.infra.yaml_files import parse_catalog


class GitCatalogHistory:
    """The catalog at `path` inside `repo`; with `remote` set, `sync` fast-forwards `branch`."""

    def __init__(
        self, repo: GitRepo, path: str = "catalog", remote: str | None = None, branch: str = "main"
    ) -> None:
        self.repo = repo
        self.path = path
        self.remote = remote
        self.branch = branch
        self._prefix = path_prefix(path)

    def sync(self) -> str | None:
        """Fetch and fast-forward when a remote is set; the HEAD to read."""
        if self.remote:
            return self.repo.fast_forward(self.remote, self.branch)
        return self.repo.head()

    def head(self) -> str | None:
        return self.repo.head()

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        return self.repo.is_ancestor(ancestor, rev)

    def steps(self, since: str | None, until: str) -> list[Step]:
        """Each commit after `since` that touched the catalog, with its files parsed."""
        history = self.repo.changes(since, until, self.path)
        wanted = [c for _, changes in history for c in changes if self._is_catalog(c.path)]
        blobs = self.repo.read_blobs(s for c in wanted for s in (c.before, c.after) if s)
        return [
            Step(commit, tuple(self._file(c, blobs) for c in changes if self._is_catalog(c.path)))
            for commit, changes in history
        ]

    def snapshot(self, rev: str) -> FileVersion:
        """Every readable entry at `rev`, plus the problems of the files that are not."""
        catalog, problems = parse_catalog(self.repo.catalog_files(rev, self.path))
        return FileVersion(catalog.entries, tuple(str(p) for p in problems))

    def last_commit(self, rev: str, path: str) -> Commit | None:
        return self.repo.last_commit(rev, self._prefix + path)

    def _is_catalog(self, path: str) -> bool:
        return path.startswith(self._prefix) and path.endswith(".yaml")

    def _file(self, change: RawChange, blobs: Mapping[str, str]) -> FileChange:
        rel = change.path[len(self._prefix) :]
        return FileChange(
            rel, _version(rel, change.before, blobs), _version(rel, change.after, blobs)
        )


def _version(path: str, blob: str | None, blobs: Mapping[str, str]) -> FileVersion | None:
    if blob is None:
        return None
    catalog, problems = parse_catalog({path: blobs[blob]})
    return FileVersion(catalog.entries, tuple(str(p) for p in problems))
