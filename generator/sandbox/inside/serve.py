"""The warm server: import modules once, then fork one isolated child per run.

The server is pid 1 of the jail, non-dumpable, and talks to the host over one
UNIX socket. A request is two pipe fds (the run's stdout and stderr) sent with
SCM_RIGHTS, then an 8-byte length and JSON. The server forks a child that
isolates itself (:mod:`.isolate`) and either runs the snippet in the forked
interpreter (a warm run: the modules are already imported) or starts a fresh
interpreter for it (a fresh run: its own hash seed and address layout). When
the child ends, or the host sends KILL, the server kills everything else in its
pid namespace and answers with the child's wait status as JSON.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys

from . import execute, isolate, protocol


def _receive(sock: socket.socket) -> tuple[dict[str, object], list[int]] | None:
    """One request, or None when the host has gone."""
    data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 4)
    if not data:
        return None
    size = int.from_bytes(data[:8], "big")
    chunks = [data[8:]]
    got = len(data) - 8
    while got < size:
        more = sock.recv(min(1 << 20, size - got))
        if not more:
            return None
        chunks.append(more)
        got += len(more)
    return json.loads(b"".join(chunks)), fds


def _fresh_interpreter(source: bytes, filename: str) -> None:
    """Replace this process with a new interpreter running ``source`` (read from stdin)."""
    memfd = os.memfd_create("snippet")
    os.write(memfd, source)
    os.lseek(memfd, 0, os.SEEK_SET)
    os.dup2(memfd, 0)
    os.close(memfd)
    python = sys.executable
    os.execve(python, [python, "-I", "-c", protocol.BOOT, "run", filename], dict(os.environ))


def _child(request: dict[str, object], fds: list[int], keep: list[str], models: bool) -> None:
    """In the forked child: take the run's pipes, isolate, run; never returns."""
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        os.closerange(3, 1 << 20)  # the socket to the host above all
    except BaseException:
        os._exit(protocol.SETUP_FAILED)
    isolate.enter(request, keep, models)
    source = str(request["source"]).encode()
    filename = str(request["filename"])
    if request.get("fresh"):
        try:
            _fresh_interpreter(source, filename)
        except BaseException as exc:
            os.write(2, f"{protocol.SETUP_MARK}cannot start the interpreter: {exc}\n".encode())
            os._exit(protocol.SETUP_FAILED)
    nprandom = sys.modules.get("numpy.random")
    if nprandom is not None:
        nprandom.seed()  # `random` reseeds itself after fork; NumPy's generator does not
    execute.finish(execute.execute(source, filename))


def _reap_all(child: int) -> int:
    """Kill what is left of the run; the child's wait status."""
    os.kill(-1, signal.SIGKILL)  # from pid 1: every other process of the jail
    status = 0
    while True:
        try:
            pid, st = os.wait()
        except ChildProcessError:
            return status
        if pid == child:
            status = st


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def serve(sock_fd: int, spec: dict[str, object]) -> None:
    """Import ``spec["modules"]``, then serve runs until the host closes the socket."""
    isolate.not_dumpable()
    sock = socket.socket(fileno=sock_fd)
    modules = _strings(spec.get("modules"))
    keep = _strings(spec.get("keep"))
    models = bool(spec.get("models"))
    for name in modules:
        # A module that fails here fails again in the snippet, with a proper traceback.
        with contextlib.suppress(BaseException):
            importlib.import_module(name)
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # nothing the server holds leads to a host file
    os.close(null)
    sock.sendall(protocol.READY)
    while True:
        got = _receive(sock)
        if got is None:
            return
        request, fds = got
        child = os.fork()
        if child == 0:
            sock.close()
            _child(request, fds, keep, models)
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(child)
        ready, _, _ = select.select([pidfd, sock.fileno()], [], [])
        os.close(pidfd)
        # The host sends one control byte per run: KILL to stop it early, else an ack.
        acked = sock.fileno() in ready
        if acked and not sock.recv(1):
            return
        status = _reap_all(child)
        sock.sendall(json.dumps({"status": status}).encode() + b"\n")
        if not acked and not sock.recv(1):
            return
