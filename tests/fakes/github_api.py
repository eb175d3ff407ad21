"""A fake GitHub REST API (pull requests only) on 127.0.0.1, checked against a real bare remote.

`GitHubForge(fake.url, …)` talks to it unpatched. It keeps pull requests like GitHub does: one
open PR per head branch (a second POST answers 422 "A pull request already exists"), a head
branch that is not on the remote answers 422 too, a wrong token 401. Tests queue canned answers
with `fake.answer_next(status, body, headers)` (401/403/5xx/rate limits), or make GitHub do the
work and lose the answer with `fake.lose_next_answer()`; they merge or close with
`fake.merge_pull(n)` / `fake.close_pull(n)`. `fake.calls` records (method, path) of every request.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.local import serve_locally


@dataclass
class Pull:
    number: int
    head: str
    base: str
    title: str
    body: str
    state: str = "open"  # open, closed
    merged: bool = False
    edits: int = 0


@dataclass
class Canned:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeForgeServer:
    """The HTTP plumbing shared by the GitHub and GitLab fakes."""

    def __init__(self, remote: Path | None, token: str) -> None:
        self.remote = remote
        self.token = token
        self.pulls: dict[int, Pull] = {}
        self.calls: list[tuple[str, str]] = []
        self.canned: list[Canned] = []
        self._lose = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self.port = await serve_locally(app)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def answer_next(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """The next request gets this answer instead of the real one."""
        self.canned.append(Canned(status, body, headers or {}))

    def lose_next_answer(self) -> None:
        """The next request is carried out, but the client gets a 502 (a lost answer)."""
        self._lose += 1

    def open_pulls(self) -> list[Pull]:
        return [p for p in self.pulls.values() if p.state == "open"]

    def merge_pull(self, number: int) -> None:
        self.pulls[number].state, self.pulls[number].merged = "closed", True

    def close_pull(self, number: int) -> None:
        self.pulls[number].state = "closed"

    def branch_exists(self, branch: str) -> bool:
        if self.remote is None:
            return True
        done = subprocess.run(
            [
                "git",
                "--git-dir",
                str(self.remote),
                "rev-parse",
                "--verify",
                "--quiet",
                f"refs/heads/{branch}",
            ],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def create(self, head: str, base: str, title: str, body: str) -> Pull:
        pull = Pull(len(self.pulls) + 1, head, base, title, body)
        self.pulls[pull.number] = pull
        return pull

    async def _handle(self, request: web.Request) -> web.Response:
        path = request.raw_path.split("?", 1)[0]
        self.calls.append((request.method, unquote(path)))
        if self.canned:
            canned = self.canned.pop(0)
            return _json(canned.status, canned.body, canned.headers)
        if not self.authorized(request):
            return _json(401, {"message": "Bad credentials"})
        data = await request.json() if request.can_read_body else {}
        status, body = self.route(request.method, path, dict(request.query), data)
        if self._lose:
            self._lose -= 1
            return _json(502, {"message": "Server Error"})
        return _json(status, body)

    def authorized(self, request: web.Request) -> bool:
        raise NotImplementedError

    def route(
        self, method: str, path: str, query: dict[str, str], data: dict[str, Any]
    ) -> tuple[int, Any]:
        raise NotImplementedError


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


class FakeGitHub(FakeForgeServer):
    """`/repos/{owner}/{repo}/pulls` as GitHub answers it."""

    def __init__(self, remote: Path | None = None, token: str = "ghp-fake-token") -> None:
        super().__init__(remote, token)
        self.repo = "lab/awesome-vad"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.token}"

    def route(
        self, method: str, path: str, query: dict[str, str], data: dict[str, Any]
    ) -> tuple[int, Any]:
        prefix = f"/repos/{self.repo}/pulls"
        if not path.startswith(prefix):
            return 404, {"message": "Not Found"}
        rest = path[len(prefix) :].strip("/")
        if not rest and method == "GET":
            owner_head = query.get("head", "")
            found = [
                self.render(p)
                for p in self.pulls.values()
                if (query.get("state", "open") in ("all", p.state))
                and (not owner_head or owner_head == f"lab:{p.head}")
                and (not query.get("base") or query["base"] == p.base)
            ]
            return 200, found
        if not rest and method == "POST":
            return self.post(data)
        if rest.isdigit() and int(rest) in self.pulls:
            pull = self.pulls[int(rest)]
            if method == "PATCH":
                pull.title, pull.body = data.get("title", pull.title), data.get("body", pull.body)
                pull.edits += 1
            return 200, self.render(pull)
        return 404, {"message": "Not Found"}

    def post(self, data: dict[str, Any]) -> tuple[int, Any]:
        head, base = data["head"], data["base"]
        if any(p.head == head and p.base == base for p in self.open_pulls()):
            return 422, {
                "message": "Validation Failed",
                "errors": [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for lab:{head}.",
                    }
                ],
            }
        if not self.branch_exists(head):
            return 422, {
                "message": "Validation Failed",
                "errors": [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            }
        return 201, self.render(self.create(head, base, data["title"], data.get("body", "")))

    def render(self, pull: Pull) -> dict[str, Any]:
        return {
            "number": pull.number,
            "html_url": f"https://github.com/{self.repo}/pull/{pull.number}",
            "state": pull.state,
            "merged": pull.merged,
            "merged_at": "2026-11-24T10:00:00Z" if pull.merged else None,
            "title": pull.title,
            "body": pull.body,
            "head": {"ref": pull.head},
            "base": {"ref": pull.base},
        }
