"""`qbank serve`'s HTTP side: files of the built site, the live script and the event
stream; nothing else, and only to this machine's names for the server.

It serves only files of the built site (never a path outside it) and adds one script
to each page it sends (never to a published site). A request must name the server by
a name of this machine (127.0.0.1, localhost, [::1] or the host it listens on), so a
web page whose own name is made to point here (DNS rebinding) reads nothing. A request
that never finishes arriving is dropped after a few seconds, and at most
:data:`MAX_HANDLERS` requests are handled at once: a flood of half-sent requests
cannot pile up threads. A browser that goes away mid-page is no one's problem.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.author.session import Session

#: Requests handled at once (each open page holds one for its event stream); more
#: wait their turn in the listening queue.
MAX_HANDLERS = 32
#: Seconds a request may take to arrive in full.
REQUEST_TIMEOUT = 5.0
#: Seconds a browser may take to take one answer (or one event) once asked.
SEND_TIMEOUT = 60.0

LIVE_JS = (Path(__file__).parent / "live.js").read_bytes()
_TAG = b'<script src="/__qbank__/live.js" defer></script>'
_CONNECT_NONE = b"connect-src &#39;none&#39;"
_CONNECT_SELF = b"connect-src &#39;self&#39;"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8",
}
_WAITING = b"<!doctype html><html lang=en><head><title>qbank serve</title></head><body><main><h1>qbank serve</h1><p>The site is not built yet: this page reloads when it is.</p></main></body></html>\n"  # noqa: E501


class LiveServer(ThreadingHTTPServer):
    """A threading HTTP server with a bound on its threads, quiet about dropped
    connections, answering only requests addressed to this machine."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, session: Session, stopping: threading.Event):
        self.session = session
        self.stopping = stopping
        self._slots = threading.BoundedSemaphore(MAX_HANDLERS)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), Handler)
        self.port = int(self.server_address[1])
        self.hosts = _names(host, self.port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the request to a thread once one of the :data:`MAX_HANDLERS` is free
        (until then it waits, and the connections after it wait in the queue)."""
        while not self._slots.acquire(timeout=0.2):
            if self.stopping.is_set():
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closed its connection (a tab closed mid-page) or stopped
        sending is not an error; anything else is qbank's, and keeps its traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Files of the built site, the live script and the event stream; nothing else."""

    server: LiveServer
    server_version = "qbank-serve"
    timeout = REQUEST_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for the author's problems, not for requests

    def do_GET(self) -> None:
        self.connection.settimeout(SEND_TIMEOUT)  # the request is in: now the answer
        if not self._addressed_here():
            self._send(b"not this server\n", "text/plain", HTTPStatus.MISDIRECTED_REQUEST)
            return
        path = unquote(urlsplit(self.path).path)
        if path == "/__qbank__/live.js":
            self._send(LIVE_JS, "text/javascript; charset=utf-8")
        elif path == "/__qbank__/events":
            self._events()
        else:
            self._file(path)

    def _addressed_here(self) -> bool:
        """Whether the one Host header names this server by a name of this machine."""
        hosts = self.headers.get_all("Host") or []
        return len(hosts) == 1 and hosts[0].strip().lower() in self.server.hosts

    def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _file(self, path: str) -> None:
        session = self.server.session
        target = _inside(session.site, path)
        body: bytes | None = None
        if target is not None:
            with contextlib.suppress(OSError):  # a rebuild swapped it away meanwhile
                body = target.read_bytes()
        if target is None or body is None:
            if session.built:
                self._send(b"not found\n", "text/plain", HTTPStatus.NOT_FOUND)
            else:  # reloads itself when the first build is in
                self._send(_live(_WAITING), _TYPES[".html"], HTTPStatus.SERVICE_UNAVAILABLE)
            return
        kind = _TYPES.get(target.suffix.lower(), "application/octet-stream")
        if target.suffix.lower() == ".html":
            body = _live(body)
        self._send(body, kind)

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with self.server.session.listen() as states:
            while not self.server.stopping.is_set():
                try:
                    state = states.get(timeout=1)
                    message = b"data: " + json.dumps(state).encode() + b"\n\n"
                except queue.Empty:
                    message = b": waiting\n\n"
                try:
                    self.wfile.write(message)
                    self.wfile.flush()
                except OSError:
                    return


def _names(host: str, port: int) -> frozenset[str]:
    """The Host headers a request to this server may carry: each name of this machine
    and the one it listens on, with or without the port."""
    bound = f"[{host}]" if ":" in host else host
    names = {"127.0.0.1", "localhost", "[::1]", bound.lower()}
    return frozenset(names | {f"{name}:{port}" for name in names})


def _live(page: bytes) -> bytes:
    """A page as served: with the live script, and its policy letting it reach this server
    (a published page may connect nowhere)."""
    page = page.replace(_CONNECT_NONE, _CONNECT_SELF, 1)
    return page.replace(b"</head>", _TAG + b"</head>", 1)


def _inside(site: Path, path: str) -> Path | None:
    """The file of the site a URL path names, or None: never anything outside the site."""
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") or "\\" in part or "\0" in part for part in parts):
        return None
    target = site.joinpath(*parts)
    with contextlib.suppress(OSError):
        if target.is_dir():
            target = target / "index.html"
        real, root = target.resolve(), site.resolve()
        if real.is_relative_to(root) and real.is_file():
            return real
    return None
