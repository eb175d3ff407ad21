"""A git repository through the `git` CLI (subprocess): revisions, commits, files at a revision.

Measured (DESIGN.md): `git log --raw` plus one `git cat-file --batch` finds the entries added
over 1,000 commits in ~44 ms; pygit2 is no faster and GitPython ~10× slower, so plain git it is.
Every call is blocking: call it from async code through `asyncio.to_thread`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.history import Commit
from bot.errors import GitError

log = logging.getLogger(__name__)

_FORMAT = "%H%x1f%an%x1f%aI%x1f%s"
_NO_BLOB = "0" * 40


@dataclass(frozen=True, slots=True)
class RawChange:
    """One file a commit changed: its blobs before and after (None: absent)."""

    path: str
    before: str | None
    after: str | None


class GitRepo:
    """A working copy (or bare repository) at `path`, driven by the `git` command."""

    def __init__(self, path: str | Path, git: str = "git") -> None:
        self.path = Path(path)
        self._git = git
        self._env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        self.lock = threading.RLock()
        """Held while the work tree changes (fast-forward); share it with whatever commits here."""

    def run(self, *args: str, input: bytes | None = None, ok: Sequence[int] = (0,)) -> str:
        """Run `git <args>` in the repository; its stdout, or GitError naming the command."""
        return self.run_bytes(*args, input=input, ok=ok).decode("utf-8", "replace")

    def run_bytes(self, *args: str, input: bytes | None = None, ok: Sequence[int] = (0,)) -> bytes:
        """Like `run`, but stdout as bytes (blob contents)."""
        done = self._call(args, input)
        if done.returncode not in ok:
            detail = git_failure(done.stderr.decode("utf-8", "replace")) or (
                f"exit status {done.returncode}"
            )
            raise GitError(f"git {args[0]} failed in {self.path}: {detail}")
        return done.stdout

    def _call(self, args: Sequence[str], input: bytes | None) -> subprocess.CompletedProcess[bytes]:
        command = [self._git, "-C", str(self.path), "-c", "core.quotePath=false", *args]
        try:
            return subprocess.run(command, input=input, capture_output=True, env=self._env)
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror}); is git installed?") from None

    # -------------------------------------------------------------------- revisions

    def head(self) -> str | None:
        """The sha of HEAD, or None in a repository without commits."""
        return self.rev_parse("HEAD")

    def rev_parse(self, rev: str) -> str | None:
        """The commit sha `rev` names, or None when it names no commit here."""
        out = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", ok=(0, 1)
        )
        return out.strip() or None

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        """True when `ancestor` is `rev` or one of its ancestors; False when either is unknown."""
        done = self._call(("merge-base", "--is-ancestor", ancestor, rev), None)
        return done.returncode == 0

    def current_branch(self) -> str | None:
        """The checked-out branch's short name, or None on a detached HEAD."""
        return self.run("symbolic-ref", "--short", "--quiet", "HEAD", ok=(0, 1)).strip() or None

    # -------------------------------------------------------------------- history

    def commits(self, since: str | None, until: str, path: str = "") -> list[Commit]:
        """Commits after `since` up to `until` (all when since is None), oldest first."""
        out = self.run(
            "log",
            "--reverse",
            "--topo-order",
            f"--format={_FORMAT}",
            _range(since, until),
            "--",
            *_paths(path),
        )
        return [parse_commit(line) for line in out.splitlines() if line]

    def changes(
        self, since: str | None, until: str, path: str = ""
    ) -> list[tuple[Commit, list[RawChange]]]:
        """Each commit after `since` that touched `path`, oldest first, with its file changes."""
        out = self.run(
            "log", "--reverse", "--topo-order", "--no-renames", "--raw", "--no-abbrev", "-z",
            f"--format=%x1e{_FORMAT}", _range(since, until), "--", *_paths(path),
        )  # fmt: skip
        result: list[tuple[Commit, list[RawChange]]] = []
        for record in out.split("\x1e")[1:]:
            header, _, raw = record.partition("\0")
            result.append((parse_commit(header), _parse_raw(raw)))
        return result

    def last_commit(self, rev: str, path: str) -> Commit | None:
        """The newest commit up to `rev` that touched `path`."""
        out = self.run("log", "-1", f"--format={_FORMAT}", rev, "--", path).strip()
        return parse_commit(out) if out else None

    def commit(self, rev: str) -> Commit:
        """The commit `rev` names."""
        return parse_commit(self.run("log", "-1", f"--format={_FORMAT}", rev, "--").strip())

    def changed_files(self, since: str, until: str, path: str = "") -> list[str]:
        """Files under `path` that differ between two revisions."""
        out = self.run(
            "diff", "--name-only", "--no-renames", "-z", since, until, "--", *_paths(path)
        )
        return [name for name in out.split("\0") if name]

    # -------------------------------------------------------------------- files

    def tree(self, rev: str, path: str = "") -> dict[str, str]:
        """{file path: blob sha} of every file below `path` at `rev`."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", rev, "--", *_paths(path))
        files: dict[str, str] = {}
        for line in out.split("\0"):
            if line:
                meta, _, name = line.partition("\t")
                files[name] = meta.split()[2]
        return files

    def read_blobs(self, shas: Iterable[str]) -> dict[str, str]:
        """{sha: text} of many blobs, read through one `git cat-file --batch`."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.run_bytes("cat-file", "--batch", input="\n".join(wanted).encode() + b"\n")
        texts: dict[str, str] = {}
        pos = 0
        for sha in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) < 3 or header[1] == b"missing":
                raise GitError(f"git cat-file: object {sha} is missing in {self.path}")
            size = int(header[2])
            texts[sha] = out[end + 1 : end + 1 + size].decode("utf-8", "replace")
            pos = end + 1 + size + 1
        return texts

    def catalog_files(self, rev: str, path: str) -> dict[str, str]:
        """The catalog's YAML files at `rev` as {path relative to `path`: text}."""
        prefix = path_prefix(path)
        tree = {n: s for n, s in self.tree(rev, path).items() if n.endswith(".yaml")}
        blobs = self.read_blobs(tree.values())
        return {name[len(prefix) :]: blobs[sha] for name, sha in sorted(tree.items())}

    # -------------------------------------------------------------------- remotes

    def fetch(self, remote: str, branch: str) -> None:
        """Fetch `branch` of `remote` into `refs/remotes/<remote>/<branch>`."""
        spec = f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"
        self.run("fetch", "--quiet", "--no-tags", remote, spec)

    def fast_forward(self, remote: str, branch: str) -> str | None:
        """Fetch, then bring the checked-out `branch` to the remote's; the new HEAD.

        A fast-forward normally. When the remote was force-pushed and every local commit had
        been published before (HEAD is in the old remote branch), the branch follows the remote
        with `reset --keep`, which refuses to lose uncommitted edits. Anything else raises.
        """
        with self.lock:
            return self._fast_forward(remote, branch)

    def _fast_forward(self, remote: str, branch: str) -> str | None:
        current = self.current_branch()
        if current != branch:
            raise GitError(f"{self.path} is on {current or 'a detached HEAD'}, not on {branch}")
        tracking = f"refs/remotes/{remote}/{branch}"
        published = self.rev_parse(tracking)
        self.fetch(remote, branch)
        head, target = self.head(), self.rev_parse(tracking) or ""
        if head is None or self.is_ancestor(head, target):
            self.run("merge", "--ff-only", "--quiet", target)
        elif published is not None and self.is_ancestor(head, published):
            log.warning("git: %s/%s was rewritten; following it to %s", remote, branch, target)
            self.run("reset", "--keep", "--quiet", target)
        elif not self.is_ancestor(target, head):
            raise GitError(f"{branch} and {remote}/{branch} have diverged; cannot fast-forward")
        return self.head()


def git_failure(stderr: str) -> str:
    """What went wrong, from git's stderr: its `fatal:`/`error:` lines, else the last line.

    The last line alone is often advice ("… and the repository exists.") that hides the cause."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    causes = [line for line in lines if line.startswith(("fatal:", "error:"))]
    return "; ".join(causes or lines[-1:])


def find_repository(folder: Path, git: str = "git") -> tuple[GitRepo, str]:
    """The repository holding `folder`, and `folder`'s path inside it ("." at its top)."""
    if not folder.is_dir():
        raise GitError(f"{folder}: no such folder")
    out = GitRepo(folder, git).run("rev-parse", "--show-toplevel", "--show-prefix")
    top, _, prefix = out.partition("\n")
    return GitRepo(Path(top.strip()), git), prefix.strip().rstrip("/") or "."


def parse_commit(line: str) -> Commit:
    """A Commit from a `%H %an %aI %s` line separated by unit separators."""
    sha, author, date, subject = [*line.split("\x1f", 3), "", "", ""][:4]
    return Commit(sha=sha, author=author, date=datetime.fromisoformat(date), subject=subject)


def _parse_raw(raw: str) -> list[RawChange]:
    tokens = [t for t in raw.lstrip("\n").split("\0") if t]
    changes: list[RawChange] = []
    for meta, path in zip(tokens[::2], tokens[1::2], strict=False):
        _, _, before, after, _ = meta.lstrip(":").split(" ", 4)
        changes.append(RawChange(path, _blob(before), _blob(after)))
    return changes


def _blob(sha: str) -> str | None:
    return None if sha == _NO_BLOB else sha


def _range(since: str | None, until: str) -> str:
    return f"{since}..{until}" if since else until


def _paths(path: str) -> list[str]:
    return [path] if path and path != "." else []


def path_prefix(path: str) -> str:
    """`path` as a prefix of repository paths ("catalog" → "catalog/", "." → "")."""
    clean = path.strip("/")
    return "" if clean in ("", ".") else clean + "/"
