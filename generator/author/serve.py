"""`qbank serve`: build, serve the site on 127.0.0.1, rebuild on save, reload the page.

The loop, in order: watch the bank (before anything reads it, so no save is missed),
listen, build, then rebuild after each batch of saves. The site and what the page is
told live in :mod:`~generator.author.session`, the HTTP side in
:mod:`~generator.author.httpd`, the watch in :mod:`~generator.author.watch`.
Ctrl-C stops it at any moment: during a build, while snippets run, or while idle.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from generator.author.httpd import LiveServer
from generator.author.session import Session
from generator.author.watch import Watch
from generator.errors import ConfigError, ToolError
from generator.options import Options
from generator.validate.discover import bank_root


def serve(options: Options, theme_option: Path | None, host: str, port: int) -> int:
    """Serve until Ctrl-C; 0 when stopped."""
    folders = [bank_root(options.bank)] + ([theme_option] if theme_option else [])
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"no such folder to serve and watch: {folder}")
    folders = [folder.resolve() for folder in folders]
    stopping = threading.Event()
    with _ctrl_c_stops(stopping):
        with contextlib.ExitStack() as stack:
            try:
                session = Session(options, theme_option, folders)
                stack.callback(session.close)
                server = _listen(host, port, session, stopping)
                stack.callback(server.server_close)
                _workers_leave_ctrl_c_to_the_server()
                watch = Watch(folders, stopping)  # before the first build reads the bank
                stack.callback(watch.close)
                thread = threading.Thread(target=server.serve_forever, name="qbank-serve")
                thread.daemon = True
                thread.start()
                stack.callback(server.shutdown)
                shown = f"[{host}]" if ":" in host else host
                print(f"serving http://{shown}:{server.port}/ (Ctrl-C to stop)", flush=True)
                session.rebuild()
                for changed in watch.changes():
                    session.rebuild(changed)
            except KeyboardInterrupt:
                pass
            finally:
                stopping.set()  # event streams end, the watch ends, Ctrl-C is ignored
        print("stopped", file=sys.stderr, flush=True)
    return 0


def _listen(host: str, port: int, session: Session, stopping: threading.Event) -> LiveServer:
    try:
        return LiveServer(host, port, session, stopping)
    except OSError as exc:
        raise ToolError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


#: Longest temporary folder the fork server's socket path fits under (107 bytes in all).
_LONGEST_TMPDIR = 60


def _workers_leave_ctrl_c_to_the_server() -> None:
    """Start the fork server that large renders take their worker processes from (a
    server has threads: no plain fork) with Ctrl-C ignored, as its workers then are.
    Ctrl-C at a terminal reaches every process of the group: the server alone acts on
    it (the workers finish the pages they hold), where each worker would otherwise print
    its own traceback. Blocked meanwhile, a Ctrl-C pressed then still reaches the server
    (Linux keeps a blocked signal pending even while it is ignored)."""
    if not sys.platform.startswith("linux"):
        return
    from multiprocessing import forkserver

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    saved = tempfile.tempdir
    # The fork server listens on a UNIX socket in a folder of the temporary folder, and
    # such a path holds at most 107 bytes: a long $TMPDIR would stop it from starting.
    if len(tempfile.gettempdir()) > _LONGEST_TMPDIR and os.access("/tmp", os.W_OK):
        tempfile.tempdir = "/tmp"
    try:
        forkserver.ensure_running()
    finally:
        tempfile.tempdir = saved
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def _ctrl_c_stops(stopping: threading.Event) -> Iterator[None]:
    """The first Ctrl-C interrupts whatever the server is doing; once it is stopping,
    another one is ignored, so cleaning up (the served folder, the snippets' processes)
    is never cut short."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if not stopping.is_set():
            stopping.set()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
