"""Warm servers: one jail that imported some modules, forking an isolated child per run.

A :class:`WarmServer` is one jail; a :class:`WarmPool` keeps the servers of one
set of preloaded modules and hands each caller a server of its own. A server
never runs the same snippet twice: forked children share their server's str
hash seed and address layout, so the runs of one snippet go to different
servers and differ where fresh interpreters would.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from generator.errors import SandboxError
from generator.sandbox import cgroup, jail
from generator.sandbox.capture import Captured, kill_tree, pump, shell_code
from generator.sandbox.inside import protocol
from generator.sandbox.spawner import Spawner

#: Seconds a server may take to import its modules (TensorFlow: 2-3 s alone).
STARTUP_TIMEOUT = 300.0
#: Seconds a server may take to stop a child, reap its namespace and answer.
STOP_GRACE = 10.0
#: Bytes of a server's start-up output kept to explain a failed start.
_LOG_TAIL = 4000


class ServerDied(Exception):
    """A server ended before it was ready: a preloaded module killed it, or it could not start.

    Not a tool failure: the runs that needed it are reported as crashed, with the reason.
    """

    def __init__(self, reason: str, log: str, code: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.log = log
        self.code = code


def _describe(code: int | None) -> str:
    if code is None:
        return "did not answer"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class WarmServer:
    """One jail; ``run`` sends it a request and collects the child's output."""

    def __init__(
        self, cell: jail.Jail, modules: Sequence[str], env: dict[str, str], spawner: Spawner
    ) -> None:
        """Start the server and wait until it is ready (raises ServerDied or SandboxError)."""
        self.alive = False
        self.group: cgroup.Group | None = None
        """The server's memory and pids cgroup, when the host allows one (as root)."""
        self.seen: set[str] = set()
        """Keys of the snippets this server has run."""
        self.sock, theirs = socket.socketpair()
        log_r, log_w = os.pipe()
        passwd, group = jail.account_files()
        # As root, bwrap waits on `block` until the host has mapped the jail's user,
        # and tells the jail's pid on `info`.
        block, info = (os.pipe(), os.pipe()) if jail.as_root() else (None, None)
        handover = (block[0], info[1]) if block and info else None
        theirs_fd = theirs.fileno()
        given = [theirs_fd, passwd, group, *(handover or ())]  # the jail's, once started
        argv = cell.command(theirs_fd, modules, (passwd, group), handover)

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                env=env,
                pass_fds=given,
                start_new_session=True,
            )

        try:
            self.proc: subprocess.Popen[bytes] = spawner.start(start)
        except OSError as exc:
            self.sock.close()
            for fd in (log_r, *(block[1:] if block else ()), *(info[:1] if info else ())):
                os.close(fd)
            raise SandboxError(f"cannot start bubblewrap: {exc}") from exc
        finally:
            # Each exactly once: another thread may be handed a number closed twice.
            theirs.close()
            for fd in (log_w, passwd, group, *(handover or ())):
                os.close(fd)
        try:
            if block and info:
                try:
                    child = jail.jail_pid(self.proc.pid, info[0])
                    self._confine(child)
                    jail.map_user(child, block[1])
                finally:
                    os.close(info[0])
                    os.close(block[1])
            self._wait_ready(log_r)
        except BaseException:
            self.close()
            raise
        finally:
            os.close(log_r)
        self.alive = True

    def _confine(self, pid: int) -> None:
        """Put the jail, still waiting for its user map, into a cgroup of its own."""
        self.group = cgroup.Group.create()
        if self.group is not None:
            try:
                self.group.add(pid)
            except OSError:
                self.group.remove()
                self.group = None

    def _wait_ready(self, log_fd: int) -> None:
        """Read the start-up log until the server says it is ready; ServerDied if it ends."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        log = b""
        got = b""
        while got != protocol.READY:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.sock.fileno(), log_fd], [], [], max(0.0, left))
            if not ready:
                raise ServerDied("did not get ready in time", log.decode(errors="replace"), None)
            if log_fd in ready:
                chunk = os.read(log_fd, 65536)
                log = (log + chunk)[-_LOG_TAIL:]
                if chunk:
                    continue
            if self.sock.fileno() in ready:
                chunk = self.sock.recv(len(protocol.READY) - len(got))
                got += chunk
                if chunk:
                    continue
            code = shell_code(self.proc.wait())
            raise ServerDied(_describe(code), log.decode(errors="replace"), code)

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
                self.sock.sendall(protocol.KILL)
            line = self._read_line(time.monotonic() + STOP_GRACE)
            if line and not got.stopped:
                self.sock.sendall(protocol.ACK)
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
        if self.group is not None:
            self.group.remove()
            self.group = None


class WarmPool:
    """Idle servers for one preload set; a caller takes one or a new one is started.

    A server is only handed out for a snippet it has not run. At most ``keep``
    servers wait idle; the rest are stopped.
    """

    def __init__(self, start: Callable[[], WarmServer], *, keep: int) -> None:
        self._start = start
        self._keep = keep
        self._idle: list[WarmServer] = []
        self._busy: set[WarmServer] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._failed: ServerDied | None = None

    def _take(self, key: str) -> WarmServer | None:
        """An idle server that may run ``key`` (lock held)."""
        for server in reversed(self._idle):
            if key not in server.seen:
                self._idle.remove(server)
                return server
        return None

    @contextlib.contextmanager
    def server(self, key: str) -> Iterator[WarmServer]:
        """A server for this caller alone while the block runs; ``key`` names the snippet.

        Raises ServerDied when servers of this set cannot start (remembered: the
        next caller gets the same answer at once).
        """
        with self._lock:
            if self._closed:
                raise SandboxError("sandbox is closed")
            if self._failed is not None:
                raise self._failed
            server = self._take(key)
        if server is None:
            try:
                server = self._start()
            except ServerDied as exc:
                with self._lock:
                    self._failed = exc
                raise
        server.seen.add(key)
        with self._lock:
            closed = self._closed
            if not closed:
                self._busy.add(server)
        if closed:  # stopped while this server started: it runs nothing
            server.close()
            raise SandboxError("sandbox is closed")
        try:
            yield server
        finally:
            with self._lock:
                self._busy.discard(server)
                keep = server.alive and not self._closed and len(self._idle) < self._keep
                if keep:
                    self._idle.append(server)
            if not keep:
                server.close()

    def close(self, *, busy: bool = False) -> None:
        """Stop the idle servers; busy ones stop when their run ends, or now with ``busy``."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            stopped = idle + (list(self._busy) if busy else [])
        for server in stopped:
            server.close()
