"""`qbank serve` as an HTTP server (issue 16): dropped connections stay quiet, a
half-sent request cannot hold a thread for ever, and only this machine's names for
the server are answered (DNS rebinding)."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.author.httpd import MAX_HANDLERS
from tests.serve_helpers import Serving, threads_of, write_bank

INDEX = b"Generated"
#: One pattern of 400 questions: a practice page of most of a megabyte.
LARGE_PAGE = "/generated/p0000/practice.html"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Serving]:
    serving = Serving(write_bank(tmp_path / "bank", 400, per_pattern=400), tmp_path)
    try:
        serving.wait_for_page("/", lambda body: INDEX in body, timeout=180)
        yield serving
    finally:
        serving.close()


def _reset(sock: socket.socket) -> None:
    """Close with a reset, as a browser tab closed mid-page does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_dropped_connections_print_no_traceback(served: Serving) -> None:
    status, page = served.get(LARGE_PAGE)
    assert status == 200 and len(page) > 500_000, len(page)
    request = f"GET {LARGE_PAGE} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode()
    for read in (0, 0, 1, 100, 10_000, 100_000):
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=30)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(request)
        got = 0
        while got < read:
            got += len(sock.recv(read - got))
        _reset(sock)
    for path in ("/__qbank__/events", LARGE_PAGE):  # a stream, and a page never read
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=30)
        sock.sendall(request.replace(LARGE_PAGE.encode(), path.encode()))
        time.sleep(0.3)
        _reset(sock)
    time.sleep(1.5)  # the handlers meet the closed sockets
    assert served.get("/")[0] == 200  # still serving
    err = served.stderr
    assert "Traceback" not in err, err
    assert "Error" not in err, err


def test_a_half_sent_request_times_out_and_threads_stay_bounded(served: Serving) -> None:
    pid = served.proc.pid
    before = threads_of(pid)
    half = f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n".encode()  # no blank line
    socks = []
    for _ in range(50):
        sock = socket.create_connection(("127.0.0.1", served.port), timeout=30)
        sock.sendall(half)
        socks.append(sock)
    time.sleep(1)
    flooded = threads_of(pid)
    began = time.monotonic()
    status, body = served.get("/", timeout=60)  # a normal request still gets its answer
    assert status == 200 and INDEX in body
    assert time.monotonic() - began < 30
    assert flooded - before <= MAX_HANDLERS, (before, flooded)
    # The server gives up on each half-sent request after a few seconds: it closes it.
    for sock in socks:
        sock.settimeout(30)
        assert sock.recv(100) == b""
        sock.close()
    deadline = time.monotonic() + 10
    while threads_of(pid) > before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert threads_of(pid) <= before


def test_only_this_machine_s_names_are_answered(served: Serving) -> None:
    port = served.port
    for host in [
        "127.0.0.1",
        f"127.0.0.1:{port}",
        "localhost",
        f"localhost:{port}",
        f"LocalHost:{port}",
        "[::1]",
        f"[::1]:{port}",
    ]:
        status, body = served.get("/", host=host)
        assert (status, INDEX in body) == (200, True), host
    for host in [
        "evil.example",
        f"evil.example:{port}",
        f"localhost.evil.example:{port}",
        f"127.0.0.1.nip.io:{port}",
        f"127.0.0.1:{port}@evil.example",
        f"127.0.0.1:{port + 1}",
        "0.0.0.0",
        "",
    ]:
        for path in ("/", LARGE_PAGE, "/__qbank__/live.js", "/__qbank__/events"):
            status, body = served.get(path, host=host, timeout=10)
            assert status in (400, 421), (host, path, status)
            assert INDEX not in body and b"EventSource" not in body, (host, path)
