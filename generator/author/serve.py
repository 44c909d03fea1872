"""`qbank serve`: build, serve the site on 127.0.0.1, rebuild on save, reload the page.

The HTTP server serves only files of the built site (never a path outside it) and
adds one script to each page it sends (never to a published site): it listens for
server-sent events and reloads the page when the site changes, or shows the
problems and "verifying…" while snippets run. A save that breaks the bank leaves
the last good site in place and shows the problem in the page and on the terminal.
"""

from __future__ import annotations

import contextlib
import json
import queue
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator import render, validate, verify
from generator.errors import ToolError
from generator.model import Question
from generator.options import Options
from generator.render import theme
from generator.render.publish import publish
from generator.render.reuse import Shelf
from generator.result import QuestionResult
from generator.validate.discover import bank_root

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
_WAITING = b"<!doctype html><html lang=en><head><title>qbank serve</title></head><body><main><h1>qbank serve</h1><p>The bank has problems: fix them and this page reloads.</p></main></body></html>\n"  # noqa: E501


class Session:
    """The site being served, what the page must show, and the pages listening."""

    def __init__(self, options: Options, theme_option: Path | None) -> None:
        self.options = options
        self.theme_option = theme_option
        self.root = Path(tempfile.mkdtemp(prefix="qbank-serve-"))
        self.site = self.root / "site"
        self.site.mkdir()
        (self.site / "index.html").write_bytes(_WAITING)
        self.shelf = Shelf(self.site)
        self.state: dict[str, Any] = {"generation": 0, "phase": "verifying", "problems": []}
        self.state["verifying"] = 0
        self.verified: dict[str, tuple[Question, QuestionResult]] = {}
        self._listeners: list[queue.Queue[dict[str, Any]]] = []
        self._lock = threading.Lock()

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self.state = {**self.state, **changes}
            for listener in self._listeners:
                listener.put(self.state)

    @contextlib.contextmanager
    def listen(self) -> Iterator[queue.Queue[dict[str, Any]]]:
        """Every state from now on, starting with the current one."""
        mine: queue.Queue[dict[str, Any]] = queue.Queue()
        with self._lock:
            self._listeners.append(mine)
            mine.put(self.state)
        try:
            yield mine
        finally:
            with self._lock:
                self._listeners.remove(mine)

    def _render(self, bank: Any, results: dict[str, QuestionResult], folder: Path | None) -> None:
        """Render into the served folder, reusing the pages of the last render that are
        unchanged (kept in memory: the served folder lives only as long as the server)."""
        plan = render.plan_site(bank, results, folder)
        build = render.render_site
        publish(lambda tmp: build(bank, tmp, results, folder, self.shelf, plan), self.site)
        self.shelf.save()

    def rebuild(self) -> None:
        """Validate; render at once with what is known; verify what changed; render again."""
        checked = validate.check(self.options, "serve")
        if checked.outcome.failed():
            lines = [str(d) for d in checked.outcome.problems() if d.status != "ok"]
            self._say(lines)
            self._set(phase="problems", problems=lines)  # the last good site stays
            return
        folder = theme.chosen(self.theme_option, checked.bank)
        known = {
            q.id: self.verified[q.id][1]
            for q in checked.questions
            if q.id in self.verified and self.verified[q.id][0] == q
        }
        waiting = [q for q in checked.questions if q.verify is not None and q.id not in known]
        self._render(checked.bank, known, folder)
        generation = self.state["generation"] + 1
        self._set(generation=generation, phase="verifying" if waiting else "ready", problems=[])
        self._set(verifying=len(waiting))
        if not waiting:
            print(f"rebuilt: {len(checked.questions)} questions", flush=True)
            return
        runnable = checked.runnable()
        verified = verify.verify_questions(checked.bank, runnable, self.options)
        outcome = verify.apply(checked.outcome, verified, runnable)
        by_id = {q.id: q for q in runnable}
        self.verified = {r.question: (by_id[r.question], r) for r in verified.results}
        results = {r.question: r for r in outcome.results}
        self._render(checked.bank, results, folder)
        lines = [str(d) for d in outcome.problems() if d.status != "ok"]
        self._say(lines)
        phase = "problems" if outcome.failed() else "ready"
        self._set(generation=generation + 1, phase=phase, problems=lines, verifying=0)

    def _say(self, lines: list[str]) -> None:
        for line in lines:
            print(line, flush=True)
        summary = f"{len(lines)} problem(s): the page shows them" if lines else "no problems"
        print(summary, flush=True)

    def close(self) -> None:
        """Remove the served site."""
        shutil.rmtree(self.root, ignore_errors=True)


def _handler(session: Session, stopping: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        """Files of the built site, the live script and the event stream; nothing else."""

        server_version = "qbank-serve"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the terminal is for the author's problems, not for requests

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if path == "/__qbank__/live.js":
                self._send(LIVE_JS, "text/javascript; charset=utf-8")
            elif path == "/__qbank__/events":
                self._events()
            else:
                self._file(path)

        def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _file(self, path: str) -> None:
            target = _inside(session.site, path)
            if target is None:
                self._send(b"not found\n", "text/plain", HTTPStatus.NOT_FOUND)
                return
            body = target.read_bytes()
            kind = _TYPES.get(target.suffix.lower(), "application/octet-stream")
            if target.suffix.lower() == ".html":
                body = _live(body)
            self._send(body, kind)

        def _events(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            with session.listen() as states:
                while not stopping.is_set():
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

    return Handler


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


def serve(options: Options, theme_option: Path | None, host: str, port: int) -> int:
    """Serve until Ctrl-C; 0 when stopped."""
    import watchfiles

    session = Session(options, theme_option)
    stopping = threading.Event()
    try:
        server = ThreadingHTTPServer((host, port), _handler(session, stopping))
    except OSError as exc:
        session.close()
        raise ToolError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="qbank-serve", daemon=True)
    thread.start()
    shown = f"[{host}]" if ":" in host else host
    print(f"serving http://{shown}:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
    watched = [bank_root(options.bank)]
    if theme_option is not None:
        watched.append(theme_option)
    try:
        session.rebuild()
        for _changes in watchfiles.watch(*watched, stop_event=stopping, debounce=300, step=50):
            session.rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
        session.close()
        print("stopped", file=sys.stderr, flush=True)
    return 0
