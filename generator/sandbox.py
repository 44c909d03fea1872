"""Run one snippet in isolation with limits and say how it went: a :class:`RunResult`.

A snippet that crashes, loops or floods its output is a normal result;
:class:`SandboxError` means no isolation could be set up. How runs are isolated
is in :mod:`generator.jail`, the program run inside in :mod:`generator.runner`,
and the pre-warmed servers for heavy imports in :mod:`generator.warm`.
"""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from generator import jail
from generator.capture import Captured, classify, kill_tree, pump, shell_code
from generator.errors import SandboxError
from generator.jail import BWRAP, FALLBACK, FALLBACK_UNPROTECTED, Jail, Scratch
from generator.warm import Spawner, WarmPool, WarmServer

__all__ = ["Limits", "RunResult", "Sandbox", "detect_isolation"]


@dataclass(frozen=True)
class Limits:
    """What one run may use."""

    timeout: float = 30.0
    """Wall-clock and CPU seconds per run."""
    memory_mb: int = 4096
    """Address-space limit (RLIMIT_AS); TensorFlow aborts below about 2 GiB."""
    output_bytes: int = 1 << 20
    """Cap per stream (stdout, stderr); over it the run is stopped."""


@dataclass(frozen=True)
class RunResult:
    """How one run ended and what it printed."""

    stdout: str
    """Decoded as UTF-8 with ``errors="replace"``; at most ``output_bytes``."""
    stderr: str
    returncode: int | None
    """Exit code, negative for a signal; None when killed by the sandbox."""
    killed: str | None
    """None, ``timeout``, ``memory``, ``output`` or ``signal:<NAME>``."""
    duration_s: float
    isolation: str
    """``bwrap`` or ``rlimits+unshare`` (``rlimits+unshare (files writable)`` only when
    ``QBANK_ALLOW_UNPROTECTED_FILES=1`` let the fallback run without protecting files)."""


def detect_isolation() -> str:
    """What ``isolation="auto"`` would pick on this machine (probed once, cheaply)."""
    return jail.detect_isolation()


class Sandbox:
    """Runs snippets with one interpreter; safe to call ``run`` from many threads."""

    def __init__(
        self,
        python: str,
        *,
        keras_models: Path | None = None,
        readonly: Sequence[Path] = (),
        isolation: str = "auto",
    ) -> None:
        """Probe the isolation and check the interpreter (raises SandboxError).

        ``python`` is the interpreter itself (a venv's ``bin/python``), not a
        launcher script such as a pyenv shim. ``keras_models`` is bound read-only
        at ``$KERAS_HOME/models``; ``readonly`` paths stay readable inside.
        """
        jail.check_interpreter(python)
        # "fallback" is the protected one, else refused unless QBANK_ALLOW_UNPROTECTED_FILES=1.
        kinds = {"auto": None, "bwrap": BWRAP, "fallback": FALLBACK}
        if isolation not in kinds:
            raise SandboxError(f"unknown isolation {isolation!r}: use auto, bwrap or fallback")
        kind = kinds[isolation] or jail.detect_isolation()
        models = keras_models.resolve() if keras_models is not None else None
        self._jail = Jail.create(kind, os.path.abspath(python), models, readonly)
        self._pools: dict[tuple[str, ...], WarmPool] = {}
        self._lock = threading.Lock()
        self._spawner = Spawner()
        self._closed = False
        check = self.run("print(6 * 7)", Limits(timeout=60))
        if check.stdout != "42\n" or check.returncode != 0:
            raise SandboxError(f"{kind} sandbox does not run {python}: {check.stderr[-2000:]}")

    @property
    def isolation(self) -> str:
        """``bwrap`` or ``rlimits+unshare`` (see :attr:`RunResult.isolation`)."""
        return self._jail.kind

    def run(
        self,
        source: str,
        limits: Limits,
        *,
        filename: str = "snippet.py",
        preload: tuple[str, ...] = (),
    ) -> RunResult:
        """Run ``source`` as ``__main__`` named ``filename`` in a fresh isolated process.

        With ``preload`` the process is forked from a warm server that has
        imported those modules once (the import only); the time limit and
        ``duration_s`` then start when the server is ready.
        """
        cap = limits.output_bytes
        scratch = self._jail.scratch()
        try:
            if preload:
                key = hashlib.sha256(f"{filename}\0{source}".encode()).hexdigest()
                request = self._request(source, filename, limits, scratch)
                with self._pool(preload).server(key) as server:
                    # A server's start-up (importing TensorFlow) is not the run's time.
                    start = time.monotonic()
                    deadline = start + limits.timeout
                    got, status = server.run(request, cap=cap, deadline=deadline)
                code = os.waitstatus_to_exitcode(status)
            else:
                start = time.monotonic()
                deadline = start + limits.timeout
                got, code = self._run_plain(source, filename, limits, scratch, deadline)
        finally:
            scratch.remove()
        stderr = got.stderr.decode("utf-8", errors="replace")
        returncode, killed = classify(code, got.stopped, stderr)
        return RunResult(
            stdout=got.stdout.decode("utf-8", errors="replace"),
            stderr=stderr,
            returncode=returncode,
            killed=killed,
            duration_s=time.monotonic() - start,
            isolation=self._jail.kind,
        )

    def _run_plain(
        self, source: str, filename: str, limits: Limits, scratch: Scratch, deadline: float
    ) -> tuple[Captured, int]:
        """A fresh ``python -I`` in the jail; ``(captured, exit code)``."""
        cpu, memory = _rlimits(limits)
        argv = ["run", filename, cpu, memory]
        feed_r, feed_w = os.pipe()
        try:
            proc = subprocess.Popen(
                self._jail.command(argv),
                stdin=feed_r,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._jail.environment(scratch),
                cwd=scratch.work if scratch.host_root else "/",
                start_new_session=True,
            )
        except OSError as exc:
            os.close(feed_w)
            raise SandboxError(f"cannot start the sandbox: {exc}") from exc
        finally:
            os.close(feed_r)
        assert proc.stdout and proc.stderr
        try:
            got = pump(
                proc.stdout.fileno(),
                proc.stderr.fileno(),
                cap=limits.output_bytes,
                deadline=deadline,
                feed=(feed_w, source.encode()),  # pump closes it
            )
            if got.stopped:
                kill_tree(proc.pid)
            code = proc.wait()
        finally:
            if proc.poll() is None:
                kill_tree(proc.pid)
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        return got, shell_code(code)

    def _request(
        self, source: str, filename: str, limits: Limits, scratch: Scratch
    ) -> dict[str, object]:
        """What a warm server needs for one run."""
        cpu, memory = _rlimits(limits)
        fixed = scratch.host_root is None
        return {
            "source": source,
            "filename": filename,
            "cpu": cpu,
            "as": memory,
            "cwd": scratch.work,
            "env": {} if fixed else self._jail.environment(scratch),
            "mkdirs": " ".join((scratch.work, scratch.home, scratch.keras)) if fixed else "",
        }

    def _pool(self, preload: tuple[str, ...]) -> WarmPool:
        """The pool of warm servers for one preload set (created on first use)."""
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed: warm servers cannot start")
            pool = self._pools.get(preload)
            if pool is None:
                pool = self._pools[preload] = WarmPool(lambda: self._start_server(preload))
            return pool

    def _start_server(self, preload: tuple[str, ...]) -> WarmServer:
        """A new warm server in the jail that has imported ``preload``."""
        mode = "keep" if self._jail.kind == FALLBACK_UNPROTECTED else "wipe"
        scratch = self._jail.scratch()  # a host dir: the unprotected server's cwd and env

        def argv(fd: int) -> list[str]:
            return self._jail.command(["serve", str(fd), mode, *preload], server=True)

        try:
            return WarmServer(argv, self._jail.environment(scratch), self._spawner)
        finally:
            scratch.remove()

    def close(self) -> None:
        """Stop the warm servers (a later ``run`` with ``preload`` raises)."""
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()
        self._spawner.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _rlimits(limits: Limits) -> tuple[str, str]:
    """RLIMIT_CPU seconds and RLIMIT_AS bytes, as the runner's arguments."""
    return str(max(1, math.ceil(limits.timeout))), str(limits.memory_mb << 20)
