"""GitHub's and GitLab's pull-request APIs over httpx: find, open, update and read one PR/MR.

Both services are one small `Forge`: `find_open(head, base)`, `create`, `update`, `get`. Every
refusal becomes a `ForgeError` whose `advice` is one line the maintainers can act on:

    401                     the token is missing, wrong or expired
    403 (+ remaining: 0)    rate limited: wait until the reset (x-ratelimit-reset, retry-after)
    403                     the token lacks a scope or a role
    404                     the repository is not there, or the token cannot see it
    422 / 409 "exists"      kind "exists": the caller finds the open PR and updates it
    5xx, timeout, refused   the service is down: nothing is lost, the next run retries

The repository comes from the git remote's URL (`https://host/owner/name.git`,
`git@host:owner/name.git`, `ssh://git@host/group/sub/project.git`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from urllib.parse import quote, urlsplit

import httpx

from bot import __version__
from bot.errors import ConfigError, ForgeError
from bot.infra.tls import ssl_context
from bot.settings import CatalogSettings, Secrets

PrState = Literal["open", "merged", "closed"]
GITHUB_API = "https://api.github.com"
TIMEOUT = httpx.Timeout(20.0)
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")
_ONE_LINE = 160
"""Characters of a service's own message kept in an error: hostile text stays short."""


@dataclass(frozen=True, slots=True)
class RepoRef:
    """Where the catalog lives on a hosting service: its host and `owner/name` path."""

    host: str
    path: str


@dataclass(frozen=True, slots=True)
class PullRequest:
    """One PR (GitHub) or MR (GitLab): its number (`iid` on GitLab), page and state."""

    number: int
    url: str
    state: PrState


class Forge(Protocol):
    """A hosting service's pull requests for one repository."""

    name: str
    """"GitHub" or "GitLab", for messages."""
    noun: str
    """"PR" or "MR"."""

    async def find_open(self, head: str, base: str) -> PullRequest | None:
        """The open PR from branch `head` into `base`, if there is one."""
        ...

    async def create(self, head: str, base: str, title: str, body: str) -> PullRequest:
        """Open a PR; ForgeError(kind="exists") when one is open for `head` already."""
        ...

    async def update(self, number: int, title: str, body: str) -> PullRequest:
        """Set an open PR's title and description."""
        ...

    async def get(self, number: int) -> PullRequest:
        """A PR as it is now (open, merged, or closed without merging)."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        ...


def parse_remote_url(url: str) -> RepoRef:
    """The host and repository path in a git remote URL (https, ssh:// or scp-like git@)."""
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname or "", parts.path
    else:
        match = _SCP.match(text)
        host, path = (match["host"], match["path"]) if match else ("", "")
    path = path.strip("/").removesuffix(".git").strip("/")
    if not host or path.count("/") < 1 or any(p in ("", ".", "..") for p in path.split("/")):
        raise ConfigError(
            f"catalog.remote: cannot read a GitHub/GitLab repository from the remote URL "
            f"{_clip(text)!r}; use https://HOST/OWNER/NAME.git or git@HOST:OWNER/NAME.git"
        )
    return RepoRef(host.lower(), path)


def build_forge(
    settings: CatalogSettings,
    remote_url: str,
    secrets: Secrets,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Forge:
    """The forge the remote lives on: github.com and gitlab.com by name; any other host by
    whichever of `catalog.github_api_url` / `catalog.gitlab_api_url` was set."""
    repo = parse_remote_url(remote_url)
    github_set = settings.github_api_url != GITHUB_API
    if repo.host == "gitlab.com" or (repo.host != "github.com" and settings.gitlab_api_url):
        token = _token(secrets.gitlab_token, "GITLAB_TOKEN", repo)
        api = settings.gitlab_api_url or f"https://{repo.host}/api/v4"
        return GitLabForge(api, repo, token, transport=transport, now=now)
    if repo.host == "github.com" or github_set:
        token = _token(secrets.github_token, "GITHUB_TOKEN", repo)
        return GitHubForge(settings.github_api_url, repo, token, transport=transport, now=now)
    raise ConfigError(
        f"catalog.publish: cannot tell whether {repo.host} is GitHub or GitLab; set "
        "catalog.github_api_url (GitHub Enterprise) or catalog.gitlab_api_url (self-hosted GitLab)"
    )


def _token(value: str | None, variable: str, repo: RepoRef) -> str:
    if not value:
        raise ConfigError(
            f"catalog.publish is pull-request but {variable} is not set; give the bot a token "
            f"that can open pull requests on {repo.host}/{repo.path} (see the README)"
        )
    return value


# ---------------------------------------------------------------------------- the HTTP part


class _Api:
    """One httpx client and the shared reading of answers: status → ForgeError with advice."""

    name = "the service"
    token_variable = "TOKEN"
    scopes = ""

    def __init__(
        self,
        base_url: str,
        repo: RepoRef,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repo = repo
        self._now = now
        self.collection = self.collection_of(repo)
        self._client = httpx.AsyncClient(
            verify=ssl_context(),
            base_url=base_url.rstrip("/") + "/",
            headers={"User-Agent": f"vadbot/{__version__}", **self.auth_headers(token)},
            timeout=TIMEOUT,
            transport=transport,
            follow_redirects=True,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    # ---------------------------------------------------------------- the Forge port

    async def find_open(self, head: str, base: str) -> PullRequest | None:
        found = await self.call("GET", self.collection, params=self.open_params(head, base))
        return self.parse(found[0]) if isinstance(found, list) and found else None

    async def create(self, head: str, base: str, title: str, body: str) -> PullRequest:
        data = {**self.new_data(head, base), "title": title, self.body_field: body}
        try:
            return self.parse(await self.call("POST", self.collection, json=data))
        except ForgeError as exc:  # a 422/409 "already exists": the caller finds and updates it
            if exc.kind == "invalid" and "already exists" in str(exc).lower():
                raise ForgeError("exists", str(exc), exc.advice) from None
            raise

    async def update(self, number: int, title: str, body: str) -> PullRequest:
        data = {"title": title, self.body_field: body}
        path = f"{self.collection}/{number}"
        return self.parse(await self.call(self.update_method, path, json=data))

    async def get(self, number: int) -> PullRequest:
        return self.parse(await self.call("GET", f"{self.collection}/{number}"))

    # ---------------------------------------------------------------- what each service says

    body_field = "body"
    update_method = "PATCH"

    branch_fields = ("head", "base")
    """How the service names a PR's source and target branches."""
    open_state = "open"
    head_owner = ""

    def open_params(self, head: str, base: str) -> dict[str, str]:
        """The query that finds the open PR from `head` into `base`."""
        source, target = self.branch_fields
        return {source: self.head_owner + head, target: base, "state": self.open_state}

    def new_data(self, head: str, base: str) -> dict[str, str]:
        """The branches of a new PR, as the service names them."""
        source, target = self.branch_fields
        return {source: head, target: base}

    def auth_headers(self, token: str) -> dict[str, str]:
        """The headers that carry the token."""
        raise NotImplementedError

    def collection_of(self, repo: RepoRef) -> str:
        """The PR/MR collection's path below the API URL."""
        raise NotImplementedError

    def parse(self, data: Any) -> PullRequest:
        """A PR from the service's JSON."""
        raise NotImplementedError

    # ---------------------------------------------------------------- HTTP

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON of a successful answer; ForgeError (with what to do) for anything else."""
        try:
            response = await self._client.request(method, path.lstrip("/"), **kwargs)
        except httpx.HTTPError as exc:
            raise ForgeError(
                "unavailable",
                f"{self.name}: {type(exc).__name__} on {method} {path}",
                f"{self.name} cannot be reached ({type(exc).__name__}); nothing is lost, "
                "the bot retries at the next catalog pull",
            ) from None
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                raise self._error(response, "unavailable") from None
        raise self._error(response, self._kind(response))

    def _kind(self, response: httpx.Response) -> str:
        status = response.status_code
        if status in (403, 429) and self._retry_after(response) is not None:
            return "rate_limited"
        return {401: "unauthorized", 403: "forbidden", 404: "not_found"}.get(
            status, "unavailable" if status >= 500 else "invalid"
        )

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds until the rate limit lifts, when the answer says it is one."""
        headers = response.headers
        if "retry-after" in headers:
            try:
                return max(0.0, float(headers["retry-after"]))
            except ValueError:
                return 60.0
        remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
        if remaining is not None and remaining.strip() == "0":
            reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset", ""))
            try:
                return max(0.0, float(reset) - self._now().timestamp())
            except ValueError:
                return 60.0
        return None

    def _error(self, response: httpx.Response, kind: str) -> ForgeError:
        status = response.status_code
        said = _clip(_service_message(response))
        where = f"{self.repo.host}/{self.repo.path}"
        message = f"{self.name} answered {status} ({said}) for {response.request.url.path}"
        retry_after = self._retry_after(response) if kind == "rate_limited" else None
        advice = {
            "unauthorized": f"{self.name} refused the token (401): set a valid "
            f"{self.token_variable} in the bot's environment and restart it",
            "forbidden": f"{self.name} refused the token (403: {said}): give it {self.scopes} "
            f"on {where}",
            "not_found": f"{self.name} does not show {where} (404): check the remote URL and "
            f"that the {self.token_variable} can see that repository",
            "rate_limited": f"{self.name} rate-limited the bot; it retries by itself in "
            f"{_minutes(retry_after or 0)}, nothing is lost",
            "unavailable": f"{self.name} is failing ({status}); nothing is lost, the bot "
            "retries at the next catalog pull",
            "invalid": f"{self.name} refused the request ({status}: {said}); check that "
            "catalog.branch exists on the remote",
        }[kind]
        return ForgeError(kind, message, advice, retry_after)


class GitHubForge(_Api):
    """GitHub's (or GitHub Enterprise's) REST API: `/repos/{owner}/{repo}/pulls`."""

    name = "GitHub"
    noun = "PR"
    token_variable = "GITHUB_TOKEN"
    scopes = (
        "Contents and Pull requests read & write (fine-grained token or GitHub App), "
        "or the repo scope (classic token)"
    )

    def auth_headers(self, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def collection_of(self, repo: RepoRef) -> str:
        self.head_owner = repo.path.split("/", 1)[0] + ":"  # GitHub names a head owner:branch
        return f"repos/{repo.path}/pulls"

    def parse(self, data: Any) -> PullRequest:
        return _github_pr(data)


def _github_pr(data: Any) -> PullRequest:
    if not isinstance(data, dict) or not isinstance(data.get("number"), int):
        raise ForgeError(
            "unavailable",
            "GitHub sent a pull request without a number",
            "GitHub sent an unreadable answer; the bot retries at the next catalog pull",
        )
    if data.get("state") == "open":
        state: PrState = "open"
    else:
        state = "merged" if data.get("merged") or data.get("merged_at") else "closed"
    return PullRequest(data["number"], str(data.get("html_url", "")), state)


class GitLabForge(_Api):
    """GitLab's REST API (gitlab.com or self-hosted): `/projects/{path}/merge_requests`."""

    name = "GitLab"
    noun = "MR"
    body_field = "description"
    update_method = "PUT"
    branch_fields = ("source_branch", "target_branch")
    open_state = "opened"
    token_variable = "GITLAB_TOKEN"
    scopes = "the api scope and at least the Developer role"

    def auth_headers(self, token: str) -> dict[str, str]:
        return {"PRIVATE-TOKEN": token}

    def collection_of(self, repo: RepoRef) -> str:
        return f"projects/{quote(repo.path, safe='')}/merge_requests"

    def parse(self, data: Any) -> PullRequest:
        return _gitlab_mr(data)


def _gitlab_mr(data: Any) -> PullRequest:
    if not isinstance(data, dict) or not isinstance(data.get("iid"), int):
        raise ForgeError(
            "unavailable",
            "GitLab sent a merge request without an iid",
            "GitLab sent an unreadable answer; the bot retries at the next catalog pull",
        )
    raw = data.get("state")
    state: PrState = "merged" if raw == "merged" else "closed" if raw == "closed" else "open"
    return PullRequest(data["iid"], str(data.get("web_url", "")), state)


# ---------------------------------------------------------------------------- helpers


def _service_message(response: httpx.Response) -> str:
    """The service's own words: GitHub's message + errors[].message, GitLab's message/error."""
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if not isinstance(data, dict):
        return "no details"
    parts: list[str] = []
    for key in ("message", "error"):
        value = data.get(key)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value:
            parts.append(str(value))
    for item in data.get("errors") or []:
        if isinstance(item, dict) and item.get("message"):
            parts.append(str(item["message"]))
    return "; ".join(parts) or "no details"


def _clip(text: str) -> str:
    """One short line: no newlines, no mentions, at most `_ONE_LINE` characters."""
    line = " ".join(text.split()).replace("@", "@\u200b")
    return line if len(line) <= _ONE_LINE else line[: _ONE_LINE - 1] + "…"


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"
