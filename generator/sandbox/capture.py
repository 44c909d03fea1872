"""Collecting a run's output under its limits, stopping it, and naming how it ended."""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import time
from dataclasses import dataclass

_CHUNK = 1 << 16
_MEMORY_LINE = re.compile(r"^(\w+\.)*_?\w*MemoryError\b")
_MEMORY_TEXT = ("std::bad_alloc", "Cannot allocate memory", "out of memory")


@dataclass(frozen=True)
class Captured:
    """What came out of a run before it ended or was stopped."""

    stdout: bytes
    stderr: bytes
    stopped: str | None
    """``timeout`` or ``output`` when the run must be stopped; None when it ended."""


def pump(
    out_fd: int,
    err_fd: int,
    *,
    cap: int,
    deadline: float,
    feed: tuple[int, bytes] | None = None,
    wait_fd: int | None = None,
) -> Captured:
    """Read both streams to EOF (writing ``feed`` meanwhile) until ``wait_fd`` is readable.

    Stops early at ``deadline`` (``time.monotonic``) or when a stream passes
    ``cap`` bytes; what was read is kept, each stream cut at ``cap``. Does not
    close the fds it reads.
    """
    poller = select.poll()
    bufs = {out_fd: bytearray(), err_fd: bytearray()}
    for fd in bufs:
        poller.register(fd, select.POLLIN)
    reading = set(bufs)
    data = b""
    if feed is not None:
        os.set_blocking(feed[0], False)
        data = feed[1]
        poller.register(feed[0], select.POLLOUT)
    waiting = wait_fd is not None
    if wait_fd is not None:
        poller.register(wait_fd, select.POLLIN)
    stopped = None
    while reading or waiting:
        left = deadline - time.monotonic()
        if left <= 0:
            stopped = "timeout"
            break
        for fd, _event in poller.poll(left * 1000):
            if feed is not None and fd == feed[0]:
                try:
                    data = data[os.write(fd, data[:_CHUNK]) :]
                except OSError:
                    data = b""
                if not data:
                    poller.unregister(fd)
                    os.close(fd)
                    feed = None
            elif fd == wait_fd:
                poller.unregister(fd)
                waiting = False
            else:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    poller.unregister(fd)
                    reading.discard(fd)
                bufs[fd] += chunk
                if len(bufs[fd]) > cap:
                    stopped = "output"
        if stopped:
            break
    if feed is not None:
        os.close(feed[0])
    return Captured(bytes(bufs[out_fd][:cap]), bytes(bufs[err_fd][:cap]), stopped)


def kill_tree(pid: int, *, grace: float = 10.0) -> None:
    """SIGKILL a launcher and its namespace init, returning once the namespace is gone.

    The launcher (bwrap) is stopped first so it cannot fork while its
    children are read; the init's pidfd turns readable only after the kernel has
    killed and reaped every process of its pid namespace.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGSTOP)
    pidfds = []
    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{pid}/children") as children:
        for child in children.read().split():
            with contextlib.suppress(OSError):
                pidfds.append(os.pidfd_open(int(child)))
    for fd in pidfds:
        with contextlib.suppress(OSError):
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    end = time.monotonic() + grace
    for fd in pidfds:
        select.select([fd], [], [], max(0.0, end - time.monotonic()))
        os.close(fd)


def classify(code: int, stopped: str | None, stderr: str) -> tuple[int | None, str | None]:
    """``(returncode, killed)`` from an exit code (negative: died of that signal)."""
    if stopped is not None:
        return None, stopped
    if code < 0:
        sig = -code
        if sig == signal.SIGXCPU:
            return None, "timeout"
        if sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) and any(
            text in stderr for text in _MEMORY_TEXT
        ):
            return code, "memory"
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return code, f"signal:{name}"
    lines = stderr.rstrip().splitlines()
    if code == 1 and lines and _MEMORY_LINE.match(lines[-1]):
        return code, "memory"
    return code, None


def shell_code(code: int) -> int:
    """Undo the shell encoding (128 + signal) that bwrap and the runner's init use."""
    if 128 < code < 128 + signal.NSIG:
        return 128 - code
    return code
