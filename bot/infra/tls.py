"""One TLS context for every HTTP client vadbot makes (arXiv, the LLM endpoint, GitHub/GitLab).

Building a context loads the CA bundle, ~25 ms each time; the clients share this one.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The default verifying context (httpx's CA bundle), built once per process."""
    return httpx.create_ssl_context()
