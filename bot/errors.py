"""The one error tree of vadbot.

    VadbotError
    ├── UserError            shown to the user as is (bad input, bad query, bad file)
    │   ├── ConfigError      a setting is missing or malformed; names the key
    │   ├── CatalogError     the catalog cannot be read or is invalid; carries Problems
    │   └── QueryError       a search query or command argument is malformed
    └── ServiceError         the outside failed (git, arXiv, a chat platform); logged, retried
        ├── GitError
        │   └── PushRefused  the remote's hook or branch protection refused a push
        ├── ForgeError       GitHub/GitLab's API refused or failed; carries what to do
        ├── FeedError
        ├── LlmError         the optional LLM failed or is over its daily cap; rules decide
        └── ChatError
            └── RateLimited  a 429: wait retry_after seconds

Anything that is not a UserError is caught at the boundary (one command, one job), logged with
its traceback, and answered with a short generic message: exception text never reaches chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


class VadbotError(Exception):
    """Base of every error vadbot raises on purpose."""


class UserError(VadbotError):
    """An error whose message is written for the person who caused it."""


class ConfigError(UserError):
    """A setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file, as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CatalogError(UserError):
    """The catalog cannot be loaded or does not validate."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class QueryError(UserError):
    """A query or a command argument is malformed."""


class ServiceError(VadbotError):
    """Something outside vadbot failed; the job that met it reports it and retries later."""


class GitError(ServiceError):
    """A git command failed."""


class PushRefused(GitError):
    """The remote refused a push on purpose (a protected branch, a hook), not by accident."""


class ForgeError(ServiceError):
    """GitHub's or GitLab's API refused or failed a call.

    `kind` says which way (unauthorized, forbidden, rate_limited, unavailable, not_found,
    invalid); `advice` is one line for the maintainers saying what to do; after a rate limit,
    `retry_after` is how many seconds to wait."""

    def __init__(
        self, kind: str, message: str, advice: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.advice = advice
        self.retry_after = retry_after


class FeedError(ServiceError):
    """arXiv answered with an error, nothing, or something unparseable."""


LlmFailure = Literal[
    "cap", "timeout", "rate_limited", "server", "refused", "unreachable", "malformed", "too_large"
]


class LlmError(ServiceError):
    """The LLM endpoint gave no usable answer (`kind` says why); its text never holds the key."""

    def __init__(self, message: str, kind: LlmFailure) -> None:
        super().__init__(message)
        self.kind: LlmFailure = kind


class ChatError(ServiceError):
    """A chat platform refused or failed a call."""


class RateLimited(ChatError):
    """A platform answered 429: wait `retry_after` seconds before the next try."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
