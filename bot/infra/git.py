"""A git repository through the `git` CLI (subprocess): revisions, commits, files at a revision.

Measured (DESIGN.md): `git log --raw` plus one `git cat-file --batch` finds the entries added
over 1,000 commits in ~44 ms; pygit2 is no faster and GitPython ~10× slower, so plain git it is.
Every call is blocking: call it from async code through `asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.catalog.history import Commit
from bot.errors import GitError, PushRefused

log = logging.getLogger(__name__)

NETWORK_COMMANDS = frozenset({"fetch", "push", "pull", "ls-remote", "clone"})
NETWORK_TIMEOUT = 60.0
"""Seconds a command that talks to a remote may take: a stalled one holds the repo lock."""
SSH_COMMAND = "ssh -o BatchMode=yes -o ConnectTimeout=20"
"""ssh for git when none is configured: never waits for a password or a host-key answer."""
_FORMAT = "%H%x1f%an%x1f%aI%x1f%s%x1f%(trailers:key=Approved-by,valueonly,separator=%x2c )"
"""sha, author, date, subject, and the approvals' `Approved-by:` trailer (empty elsewhere)."""
_NO_BLOB = "0" * 40


@dataclass(frozen=True, slots=True)
class RawChange:
    """One file a commit changed: its blobs before and after (None: absent)."""

    path: str
    before: str | None
    after: str | None


class GitRepo:
    """A working copy (or bare repository) at `path`, driven by the `git` command."""

    def __init__(
        self, path: str | Path, git: str = "git", network_timeout: float = NETWORK_TIMEOUT
    ) -> None:
        self.path = Path(path)
        self._git = git
        self.network_timeout = network_timeout
        self._env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        self._network_env: dict[str, str] | None = None
        self.lock = threading.RLock()
        """Held while the work tree changes (fast-forward); share it with whatever commits here."""

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        ok: Sequence[int] = (0,),
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run `git <args>` in the repository; its stdout, or GitError naming the command."""
        return self.run_bytes(*args, input=input, ok=ok, env=env).decode("utf-8", "replace")

    def run_bytes(
        self,
        *args: str,
        input: bytes | None = None,
        ok: Sequence[int] = (0,),
        env: Mapping[str, str] | None = None,
    ) -> bytes:
        """Like `run`, but stdout as bytes (blob contents); `env` adds variables."""
        done = self._call(args, input, env)
        if done.returncode not in ok:
            detail = git_failure(done.stderr.decode("utf-8", "replace")) or (
                f"exit status {done.returncode}"
            )
            raise GitError(f"git {args[0]} failed in {self.path}: {detail}")
        return done.stdout

    def _call(
        self, args: Sequence[str], input: bytes | None, extra: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        command = [self._git, "-C", str(self.path), "-c", "core.quotePath=false", *args]
        network = subcommand(args) in NETWORK_COMMANDS
        env = self._remote_env() if network else self._env
        if extra:
            env = {**env, **extra}
        timeout = self.network_timeout if network else None
        try:
            return _run(command, input, env, timeout)
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror}); is git installed?") from None
        except subprocess.TimeoutExpired:
            raise GitError(
                f"git {subcommand(args)} timed out after {timeout:.0f} s in {self.path}"
            ) from None

    def _remote_env(self) -> dict[str, str]:
        """The environment of commands that reach a remote: no prompt can ever wait for input.

        An ssh command the user chose (GIT_SSH_COMMAND, GIT_SSH, core.sshCommand: a deploy
        key, say) is kept; git reads the environment before the config, so only set ours when
        there is none."""
        if self._network_env is None:
            env = dict(self._env)
            chosen = "GIT_SSH_COMMAND" in env or "GIT_SSH" in env
            if not chosen:
                done = _run(
                    [self._git, "-C", str(self.path), "config", "--get", "core.sshCommand"],
                    None,
                    self._env,
                    None,
                )
                chosen = bool(done.stdout.strip())
            if not chosen:
                env["GIT_SSH_COMMAND"] = SSH_COMMAND
            self._network_env = env
        return self._network_env

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
            "log",
            "--reverse",
            "--topo-order",
            "--no-renames",
            "--raw",
            "--no-abbrev",
            "-z",
            f"--format=%x1e{_FORMAT}",
            _range(since, until),
            "--",
            *_paths(path),
        )
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

    def fetch_if_present(self, remote: str, branch: str) -> bool:
        """Fetch `branch` like `fetch`; False (and the tracking ref removed) when the remote
        has no such branch."""
        try:
            self.fetch(remote, branch)
            return True
        except GitError as exc:
            if "couldn't find remote ref" not in str(exc):
                raise
        self.run("update-ref", "-d", f"refs/remotes/{remote}/{branch}", ok=(0, 1))
        return False

    def remote_url(self, remote: str) -> str:
        """The URL configured for `remote` (as written, before any `insteadOf` rewriting)."""
        url = self.run("config", "--get", f"remote.{remote}.url", ok=(0, 1)).strip()
        if not url:
            raise GitError(f"{self.path} has no remote named {remote!r}")
        return url

    def push(self, remote: str, source: str, branch: str, *, lease: str | None = None) -> None:
        """Push `source` to `refs/heads/<branch>` of `remote`.

        `lease` (a sha, or "" for "must not exist yet") allows replacing the remote branch only
        while it is still what we last saw. A refusal by the remote itself (a protected branch,
        a pre-receive hook) raises PushRefused with the remote's reason; anything else GitError.
        """
        target = f"refs/heads/{branch}"
        args = ["push", "--porcelain", "--no-verify"]
        if lease is not None:
            args.append(f"--force-with-lease={target}:{lease}")
        done = self._call((*args, remote, f"{source}:{target}"), None)
        if done.returncode == 0:
            return
        out = (done.stdout + done.stderr).decode("utf-8", "replace")
        reason = push_refusal(out)
        if reason is not None:
            raise PushRefused(f"{remote} refused the push to {branch}: {reason}")
        detail = git_failure(done.stderr.decode("utf-8", "replace"))
        raise GitError(f"git push to {remote} {branch} failed in {self.path}: {detail}")

    # -------------------------------------------------------------------- commits off the work tree

    def commit_files(
        self, base: str, files: Mapping[str, str], message: str, name: str, email: str
    ) -> str:
        """A new commit on top of `base` with `files` ({path: text}) written; its sha.

        Built with a temporary index, so neither the work tree nor the checked-out branch
        change: a bot branch can grow while `main` stays where the announcer reads it."""
        identity = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }
        with tempfile.TemporaryDirectory(prefix="vadbot-index-") as folder:
            env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
            self.run("read-tree", base, env=env)
            for path, text in files.items():
                blob = self.run("hash-object", "-w", "--stdin", input=text.encode()).strip()
                self.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = self.run("write-tree", env=env).strip()
        out = self.run(
            "commit-tree", tree, "-p", base, "-F", "-", input=message.encode(), env=identity
        )
        return out.strip()

    def set_branch(self, branch: str, sha: str, old: str | None) -> None:
        """Point `refs/heads/<branch>` at `sha`, only if it still is at `old` (None: absent)."""
        self.run("update-ref", f"refs/heads/{branch}", sha, old or "0" * 40)

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


def _run(
    command: Sequence[str], input: bytes | None, env: dict[str, str], timeout: float | None
) -> subprocess.CompletedProcess[bytes]:
    """Run a command; on timeout kill its whole process group (ssh, remote helpers) too."""
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=timeout is not None,
    ) as process:
        try:
            out, err = process.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()  # not the pipes: a child that escaped the kill may hold them
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def subcommand(args: Sequence[str]) -> str:
    """The git subcommand in `args`, past the `-c name=value` options before it."""
    rest = list(args)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] == "-c" else rest[1:]
    return rest[0] if rest else ""


_REFUSALS = (
    "[remote rejected]",
    "protected branch",
    "gh006",
    "pre-receive hook declined",
    "not allowed to push",
    "permission to",
)


def push_refusal(output: str) -> str | None:
    """Why the remote refused a push on purpose, from `git push` output; None when it did not
    (a non-fast-forward, a network failure). The remote's own lines come first."""
    lowered = output.lower()
    if not any(mark in lowered for mark in _REFUSALS):
        return None
    remote = [line[7:].strip() for line in output.splitlines() if line.startswith("remote:")]
    said = [line for line in remote if line]
    rejected = re.findall(r"\[remote rejected\][^(]*\(([^)]*)\)", output)
    return "; ".join(said[:2] or rejected[:1] or ["refused"])[:200]


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
    """A Commit from a `%H %an %aI %s <Approved-by>` line separated by unit separators."""
    sha, author, date, subject, approved = [*line.split("\x1f", 4), "", "", "", ""][:5]
    return Commit(sha, author, datetime.fromisoformat(date), subject, approved.strip())


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
