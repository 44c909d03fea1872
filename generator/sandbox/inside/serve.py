"""The server: a clean interpreter (with its preloaded modules) forking one isolated
child per run.

The server is pid 1 of the jail, non-dumpable, and talks to the host over one
UNIX socket. A request is two pipe fds (the run's stdout and stderr) sent with
SCM_RIGHTS, then an 8-byte length and JSON. The server forks a child that
isolates itself (:mod:`.isolate`), forgets the server's own modules and runs
the snippet. A server never runs a snippet itself, so every child starts from
the same clean state; the host sends the runs of one snippet to different
servers, each a fresh interpreter with its own hash seed and address layout.
When the child ends, or the host sends KILL, the server kills everything else
in its pid namespace and answers with the child's wait status as JSON.
"""

from __future__ import annotations

import gc
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


def _child(
    request: dict[str, object],
    fds: list[int],
    keep: list[str],
    models: bool,
    machinery: frozenset[str],
) -> None:
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
    nprandom = sys.modules.get("numpy.random")
    if nprandom is not None:
        nprandom.seed()  # `random` reseeds itself after fork; NumPy's generator does not
    execute.finish(execute.execute(source, filename, machinery))


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


def serve(sock_fd: int, spec_json: str, machinery: frozenset[str]) -> None:
    """Serve runs until the host closes the socket (the modules are imported already).

    ``machinery`` names the modules the server's own code imported, which each run forgets.
    """
    isolate.not_dumpable()
    isolate.private_mounts()
    isolate.serve_from_own_pid_namespace()
    sock = socket.socket(fileno=sock_fd)
    spec = json.loads(spec_json)
    keep = _strings(spec.get("keep"))
    models = bool(spec.get("models"))
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)  # nothing the server holds leads to a host file
    os.close(null)
    # What the server holds never changes: out of the collector's sight, a child's first
    # collections do not touch (and so copy) every page of it (TensorFlow's above all).
    gc.collect()
    gc.freeze()
    sock.sendall(protocol.READY)
    while True:
        got = _receive(sock)
        if got is None:
            return
        request, fds = got
        try:
            child = isolate.fork_into_own_pid_namespace()
        except OSError as exc:  # the run cannot be isolated: it never runs
            os.write(fds[1], f"{protocol.SETUP_MARK}cannot isolate the run: {exc}\n".encode())
            for fd in fds:
                os.close(fd)
            sock.sendall(json.dumps({"status": protocol.SETUP_FAILED << 8}).encode() + b"\n")
            if not sock.recv(1):
                return
            continue
        if child == 0:
            sock.close()
            _child(request, fds, keep, models, machinery)
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
