"""arXiv on 127.0.0.1 over real sockets, with the ways a feed server goes wrong.

with ArxivServer() as arxiv:
    arxiv.body = b"<rss …>"          # served for every path
    arxiv.drip_seconds = 10           # one byte every 10 ms for that long, never finishing
    arxiv.huge_bytes = 200_000_000    # an endless stream of that many bytes, made on the fly
    arxiv.refuse()                    # the port closes: connections are refused
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ArxivServer:
    """A feed server on a free port; `url` is its base. Every request is logged in `paths`."""

    def __init__(self) -> None:
        self.body = b""
        self.status = 200
        self.headers: dict[str, str] = {}
        self.drip_seconds = 0.0
        self.huge_bytes = 0
        self.paths: list[str] = []
        self.stopping = threading.Event()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self.port = self._http.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.01,))
        self._thread.daemon = True
        self._thread.start()
        self._open = True

    def refuse(self) -> None:
        """Close the listening socket: from now on a connection to the port is refused."""
        if self._open:
            self._open = False
            self.stopping.set()
            self._http.shutdown()
            self._http.server_close()

    def __enter__(self) -> ArxivServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.refuse()


def _handler(fake: ArxivServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            fake.paths.append(self.path)
            try:
                if fake.drip_seconds:
                    self._drip()
                elif fake.huge_bytes:
                    self._huge()
                else:
                    self._answer(fake.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as it should

        def _answer(self, body: bytes) -> None:
            self.send_response(fake.status)
            for name, value in (fake.headers | {"Content-Length": str(len(body))}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _drip(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel>")
            end = time.monotonic() + fake.drip_seconds
            while time.monotonic() < end and not fake.stopping.is_set():
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.01)

        def _huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(fake.huge_bytes))
            self.end_headers()
            chunk = b"<x>" + b"a" * 65_530 + b"</x>"
            sent = 0
            while sent < fake.huge_bytes and not fake.stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
