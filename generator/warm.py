"""Pre-warmed servers: a process that imported heavy modules forks a child per run.

Each :class:`WarmServer` runs the runner's ``serve`` mode as the init of its own
isolated pid namespace and serves one run at a time; a :class:`WarmPool` keeps
one per concurrent caller for each set of preloaded modules.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from generator.capture import Captured, kill_tree, pump
from generator.errors import SandboxError

#: Seconds a server may take to import its modules (TensorFlow: 2-3 s alone).
STARTUP_TIMEOUT = 300.0
#: Seconds a server may take to stop a child, reap its namespace and clean up.
STOP_GRACE = 10.0
_READY = b"ready\n"
_KILL = b"k"
_ACK = b"d"


class Spawner:
    """Starts the servers from one long-lived thread.

    ``bwrap --die-with-parent`` uses PR_SET_PDEATHSIG, which fires when the
    *thread* that started bwrap ends: a server started from a caller's worker
    thread would be killed when that thread finishes.
    """

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="qbank-spawner")

    def popen(self, argv: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
        """``subprocess.Popen(argv, **options)``, called from the spawner thread."""

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(argv, **options)

        return self._thread.submit(start).result()

    def close(self) -> None:
        """End the thread (servers it started keep running until closed)."""
        self._thread.shutdown()


class WarmServer:
    """One warm process; ``run`` sends it a request and collects the child's output."""

    def __init__(
        self, argv: Callable[[int], Sequence[str]], env: dict[str, str], spawner: Spawner
    ) -> None:
        """Start ``argv(fd)`` (fd: the server's end of the control socket); wait for it."""
        self.alive = False
        self.seen: set[str] = set()
        """Keys of the snippets this server has run."""
        self.sock, theirs = socket.socketpair()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        try:
            self.proc = spawner.popen(
                argv(theirs.fileno()),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                env=env,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        if self._read_line(time.monotonic() + STARTUP_TIMEOUT) != _READY:
            self._log.seek(0)
            log = self._log.read().decode(errors="replace")[-2000:]
            self.close()
            raise SandboxError(f"warm server did not start: {log or 'no output'}")
        self.alive = True

    def _read_line(self, deadline: float) -> bytes:
        """One newline-terminated message from the server, or b"" on EOF/deadline."""
        line = b""
        while not line.endswith(b"\n"):
            ready, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
            chunk = self.sock.recv(4096) if ready else b""
            if not chunk:
                return b""
            line += chunk
        return line

    def run(self, request: dict[str, object], *, cap: int, deadline: float) -> tuple[Captured, int]:
        """Run one request; ``(captured, wait status)``. Raises SandboxError if the server fails."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            payload = json.dumps(request).encode()
            try:
                socket.send_fds(self.sock, [len(payload).to_bytes(8, "big")], [out_w, err_w])
            finally:
                os.close(out_w)  # exactly once: another thread may reuse the number
                os.close(err_w)
            self.sock.sendall(payload)
            got = pump(out_r, err_r, cap=cap, deadline=deadline, wait_fd=self.sock.fileno())
            if got.stopped:
                self.sock.sendall(_KILL)
            line = self._read_line(time.monotonic() + STOP_GRACE)
            if not got.stopped:
                self.sock.sendall(_ACK)
        except OSError as exc:
            self.close()
            raise SandboxError(f"warm server failed: {exc}") from exc
        finally:
            os.close(out_r)
            os.close(err_r)
        if not line:
            self.close()
            if got.stopped:
                return got, 0
            raise SandboxError("warm server stopped answering")
        return got, int(json.loads(line)["status"])

    def close(self) -> None:
        """Kill the server and everything in its namespace."""
        self.alive = False
        if self.proc.poll() is None:
            kill_tree(self.proc.pid)
            self.proc.wait()
        self.sock.close()
        self._log.close()


class WarmPool:
    """Idle servers for one preload set; a caller takes one or starts a new one.

    Forked children share their server's str hash seed, so the runs of one
    snippet go to servers that have not run it yet, and a pool keeps at least
    two servers: repeated runs then see different seeds, as fresh processes do.
    """

    def __init__(self, start: Callable[[], WarmServer]) -> None:
        self._start = start
        self._idle: list[WarmServer] = []
        self._count = 0
        self._lock = threading.Lock()
        self._closed = False

    def _take(self, key: str) -> WarmServer | None:
        """An idle server, preferring one that has not run ``key`` (lock held)."""
        fresh = [s for s in self._idle if key not in s.seen]
        if fresh:
            server = fresh[-1]
        elif self._idle and self._count >= 2:
            server = self._idle[-1]
        else:
            return None
        self._idle.remove(server)
        return server

    @contextlib.contextmanager
    def server(self, key: str) -> Iterator[WarmServer]:
        """A server for this caller alone while the block runs; ``key`` names the snippet."""
        with self._lock:
            if self._closed:
                raise SandboxError("sandbox is closed")
            server = self._take(key)
            if server is None:
                self._count += 1
        if server is None:
            try:
                server = self._start()
            except BaseException:
                with self._lock:
                    self._count -= 1
                raise
        server.seen.add(key)
        try:
            yield server
        finally:
            with self._lock:
                keep = server.alive and not self._closed
                if keep:
                    self._idle.append(server)
                else:
                    self._count -= 1
            if not keep:
                server.close()

    def close(self) -> None:
        """Stop the idle servers; busy ones stop when their run ends."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for server in idle:
            server.close()
