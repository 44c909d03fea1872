"""The one thread that starts every server, and what it started (to kill it at Ctrl-C)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from generator.sandbox.capture import kill_tree


class Spawner:
    """Starts the servers from one long-lived thread.

    ``bwrap --die-with-parent`` uses PR_SET_PDEATHSIG, which fires when the
    *thread* that started bwrap ends: a server started from a caller's worker
    thread would be killed when that thread finishes.
    """

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="qbank-spawner")
        self._started: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._killed = False

    def start(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """``start()``, run on the spawner thread; the process is remembered for
        :meth:`kill_all`, and killed at once if that has been called already."""
        proc: subprocess.Popen[bytes] = self._thread.submit(start).result()
        with self._lock:
            self._started = [p for p in self._started if p.poll() is None]
            self._started.append(proc)
            killed = self._killed
        if killed:
            kill_tree(proc.pid)
        return proc

    def kill_all(self) -> None:
        """Kill every server started, ready or still starting (Ctrl-C): a caller waiting
        for one to get ready sees it die instead of running a snippet after the stop."""
        with self._lock:
            self._killed = True
            started = list(self._started)
        for proc in started:
            if proc.poll() is None:
                kill_tree(proc.pid)

    def close(self) -> None:
        """End the thread (servers it started keep running until closed)."""
        self._thread.shutdown()
