"""Run one snippet in isolation with limits and say how it went: a :class:`RunResult`.

There is one isolation, a bubblewrap jail, and no fallback: a snippet that crashes,
loops or floods its output is a normal result; :class:`SandboxError` means the jail
cannot be set up here, and nothing runs. The jail is in :mod:`.jail`, the warm
servers in :mod:`.warm`, and the code that runs inside (per-run namespaces, the
executor) in :mod:`.inside`.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from generator.errors import SandboxError
from generator.sandbox import cgroup, jail
from generator.sandbox.capture import classify, shell_code
from generator.sandbox.inside import protocol
from generator.sandbox.spawner import Spawner
from generator.sandbox.warm import ServerDied, WarmPool, WarmServer

__all__ = ["Limits", "RunResult", "Sandbox", "require_jail"]


@dataclass(frozen=True)
class Limits:
    """What one run may use; the whole run, all its processes, is bounded."""

    timeout: float = 30.0
    """Wall-clock seconds for the run, and CPU seconds per process."""
    memory_mb: int = 4096
    """Address-space limit per process (RLIMIT_AS); TensorFlow aborts below about 2 GiB."""
    output_bytes: int = 1 << 20
    """Cap per stream (stdout, stderr); over it the run is stopped."""
    processes: int = 512
    """Processes and threads of the run (RLIMIT_NPROC in the run's own user namespace)."""
    disk_mb: int = 512
    """Size of the run's /tmp (its working folder and home), and the largest file."""
    shm_mb: int = 64
    """Size of the run's /dev/shm."""


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
    sandbox_error: str | None = None
    """Why the run could not be carried out (its isolation failed, or the server that
    imports its modules died first); such a run is reported crashed, never cached."""


def require_jail() -> None:
    """Raise SandboxError saying why, when snippets cannot be jailed here."""
    why = jail.works()
    if why is not None:
        raise SandboxError(why)


def _key(source: str, filename: str) -> str:
    return hashlib.sha256(f"{filename}\0{source}".encode()).hexdigest()


class Sandbox:
    """Runs snippets with one interpreter; safe to call ``run`` from many threads."""

    def __init__(self, python: str, *, keras_models: Path | None = None, jobs: int = 2) -> None:
        """Lay out the jail and check that it runs ``python`` (raises SandboxError).

        ``python`` is the interpreter itself (a venv's ``bin/python``), never run
        on the host. ``keras_models`` is shown read-only at ``$KERAS_HOME/models``.
        """
        require_jail()
        models = keras_models.resolve() if keras_models is not None else None
        self._jail = jail.Jail.create(python, models)
        self._keep = max(2, jobs)
        self._pools: dict[tuple[str, ...], WarmPool] = {}
        self._lock = threading.Lock()
        self._spawner = Spawner()
        self._closed = False
        check = self.run("print(6 * 7)", Limits(timeout=60))
        if check.stdout != "42\n" or check.returncode != 0:
            self.close()
            detail = check.sandbox_error or check.stderr[-2000:]
            raise SandboxError(f"the sandbox does not run {python}: {detail}")

    @property
    def confined(self) -> bool:
        """Whether each run also has a memory and pids cgroup (as root, cgroup v1)."""
        return cgroup.available()

    def run(
        self,
        source: str,
        limits: Limits,
        *,
        filename: str = "snippet.py",
        preload: tuple[str, ...] = (),
    ) -> RunResult:
        """Run ``source`` as ``__main__`` named ``filename``, alone, under ``limits``.

        It runs in a child forked from a clean server that has imported the
        ``preload`` modules once (and nothing else a fresh ``python -I`` lacks),
        never the same server twice for the same snippet: the runs of one snippet
        differ as fresh interpreters do. The time limit and ``duration_s`` start
        when the server is ready.
        """
        request = self._request(source, filename, limits)
        try:
            with self._pool(preload).server(_key(source, filename)) as server:
                group = server.group
                killed_before = _limit(group, limits)
                start = time.monotonic()
                got, status = server.run(
                    request, cap=limits.output_bytes, deadline=start + limits.timeout
                )
                out_of_memory = group is not None and group.oom_kills() > killed_before
        except ServerDied as exc:
            names = ", ".join(preload) or "nothing"
            why = f"the server that imports {names} {exc.reason}"
            return RunResult("", exc.log, exc.code, None, 0.0, why)
        code = _exit_code(status)
        stderr = got.stderr.decode("utf-8", errors="replace")
        setup_failed = code == protocol.SETUP_FAILED and stderr.startswith(protocol.SETUP_MARK)
        returncode, killed = classify(code, got.stopped, stderr)
        if out_of_memory and killed in (None, "signal:SIGKILL"):
            killed = "memory"
        return RunResult(
            stdout=got.stdout.decode("utf-8", errors="replace"),
            stderr=stderr,
            returncode=returncode,
            killed=killed,
            duration_s=time.monotonic() - start,
            sandbox_error=stderr.strip()[len(protocol.SETUP_MARK) :] if setup_failed else None,
        )

    def _request(self, source: str, filename: str, limits: Limits) -> dict[str, object]:
        """What a server needs for one run."""
        return {
            "source": source,
            "filename": filename,
            "cpu": max(1, math.ceil(limits.timeout)),
            "as": limits.memory_mb << 20,
            "processes": limits.processes,
            "tmp_bytes": limits.disk_mb << 20,
            "shm_bytes": limits.shm_mb << 20,
            "env": environment(self._jail.python),
        }

    def _pool(self, preload: tuple[str, ...]) -> WarmPool:
        """The pool of servers for one preload set (created on first use)."""
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            pool = self._pools.get(preload)
            if pool is None:
                pool = self._pools[preload] = WarmPool(
                    lambda: WarmServer(
                        self._jail, preload, environment(self._jail.python), self._spawner
                    ),
                    keep=self._keep,
                )
            return pool

    def close(self, *, now: bool = False) -> None:
        """Stop the servers (later runs raise SandboxError); ``now`` kills running ones too."""
        with self._lock:
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close(busy=now)
        self._spawner.close()

    def kill(self) -> None:
        """Kill every server and run at once (Ctrl-C), also servers still starting;
        running calls return or raise soon, and none starts a new run."""
        self._spawner.kill_all()
        self.close(now=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def environment(python: str) -> dict[str, str]:
    """The whole environment of a snippet (nothing of the host's; hash randomisation on)."""
    return {
        "PATH": f"{os.path.dirname(python)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": protocol.HOME,
        "TMPDIR": protocol.TMP,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "KERAS_HOME": protocol.KERAS_HOME,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }


def _limit(group: cgroup.Group | None, limits: Limits) -> int:
    """Bound the run as a whole through its server's cgroup; the OOM kills so far."""
    if group is None:
        return 0
    whole = limits.memory_mb + limits.disk_mb + limits.shm_mb  # tmpfs pages count too
    group.limit(whole << 20, limits.processes)
    return group.oom_kills()


def _exit_code(status: int) -> int:
    """The run's exit code from the server's wait status (128 + signal undone)."""
    return shell_code(os.waitstatus_to_exitcode(status))
