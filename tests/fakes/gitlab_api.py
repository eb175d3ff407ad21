"""A fake GitLab REST API (merge requests only) on 127.0.0.1, checked against a bare remote.

`GitLabForge(fake.url, …)` talks to it unpatched: `/api/v4/projects/{url-encoded path}/
merge_requests`, `PRIVATE-TOKEN` auth, one open MR per source branch (a second POST answers
409 "Another open merge request already exists"), states opened/closed/merged. The same
test controls as the GitHub fake (`answer_next`, `lose_next_answer`, `merge_pull`,
`close_pull`, `calls`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from tests.fakes.github_api import FakeForgeServer, Pull


class FakeGitLab(FakeForgeServer):
    """A GitLab project's merge requests."""

    def __init__(self, remote: Path | None = None, token: str = "glpat-fake-token") -> None:
        super().__init__(remote, token)
        self.project = "lab/group/awesome-vad"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v4"

    def authorized(self, request: web.Request) -> bool:
        return request.headers.get("PRIVATE-TOKEN") == self.token

    def route(
        self, method: str, path: str, query: dict[str, str], data: dict[str, Any]
    ) -> tuple[int, Any]:
        prefix = f"/api/v4/projects/{quote(self.project, safe='')}/merge_requests"
        if not path.startswith(prefix):
            return 404, {"message": "404 Project Not Found"}
        rest = path[len(prefix) :].strip("/")
        if not rest and method == "GET":
            state = {"opened": "open", "closed": "closed"}.get(query.get("state", ""), "")
            found = [
                self.render(p)
                for p in self.pulls.values()
                if (not state or p.state == state)
                and query.get("source_branch", p.head) == p.head
                and query.get("target_branch", p.base) == p.base
            ]
            return 200, found
        if not rest and method == "POST":
            return self.post(data)
        if rest.isdigit() and int(rest) in self.pulls:
            mr = self.pulls[int(rest)]
            if method == "PUT":
                mr.title = data.get("title", mr.title)
                mr.body = data.get("description", mr.body)
                mr.edits += 1
            return 200, self.render(mr)
        return 404, {"message": "404 Not found"}

    def post(self, data: dict[str, Any]) -> tuple[int, Any]:
        head, base = data["source_branch"], data["target_branch"]
        taken = [p for p in self.open_pulls() if p.head == head and p.base == base]
        if taken:
            message = (
                "Another open merge request already exists for this source branch: "
                f"!{taken[0].number}"
            )
            return 409, {"message": [message]}
        if not self.branch_exists(head):
            return 400, {"message": {"source_branch": ["is invalid"]}}
        return 201, self.render(self.create(head, base, data["title"], data.get("description", "")))

    def render(self, mr: Pull) -> dict[str, Any]:
        state = "merged" if mr.merged else "opened" if mr.state == "open" else "closed"
        return {
            "iid": mr.number,
            "id": 1000 + mr.number,
            "web_url": f"https://gitlab.com/{self.project}/-/merge_requests/{mr.number}",
            "state": state,
            "title": mr.title,
            "description": mr.body,
            "source_branch": mr.head,
            "target_branch": mr.base,
        }
