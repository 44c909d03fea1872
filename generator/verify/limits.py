"""The operator's ceilings over what a bank asks for, and the limits the report states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.sandbox import Limits
from generator.verify.snippet import Snippet


@dataclass(frozen=True)
class Caps:
    """The operator's ceilings over a bank's limits: ``--max-timeout``, ``--max-memory``."""

    timeout: float
    memory_mb: int

    def apply(self, snippet: Snippet) -> tuple[Snippet, str]:
        """``snippet`` with its limits capped, and a note saying what was capped ("" if not)."""
        asked = snippet.verify
        timeout = min(asked.timeout, self.timeout)
        memory = min(asked.memory_mb, self.memory_mb)
        notes = []
        if timeout < asked.timeout:
            notes.append(f"timeout capped at {timeout:g} s by --max-timeout")
        if memory < asked.memory_mb:
            notes.append(f"memory capped at {memory} MB by --max-memory")
        if not notes:
            return snippet, ""
        return snippet.limited(timeout, memory), "; ".join(notes)

    def report(self, confined: bool) -> dict[str, Any]:
        """The limits in force, for the report's environment (``confined``: with cgroups)."""
        whole = Limits()
        cgroups = (
            "; a memory cgroup (the run's memory, tmpfs included, within memory_mb plus the "
            "tmpfs sizes) and a pids cgroup"
            if confined
            else "; no cgroup here (qbank is not root or the host has no cgroup v1 hierarchies)"
        )
        return {
            "max_timeout_s": self.timeout,
            "max_memory_mb": self.memory_mb,
            "processes": whole.processes,
            "disk_mb": whole.disk_mb,
            "shm_mb": whole.shm_mb,
            "output_bytes": whole.output_bytes,
            "how": (
                "per run: its own pid, mount, IPC, UTS, network and user namespaces; "
                "RLIMIT_CPU, RLIMIT_AS and RLIMIT_FSIZE per process; RLIMIT_NPROC in the "
                "run's own user namespace; sized tmpfs for /tmp and /dev/shm; wall-clock kill"
                + cgroups
            ),
        }
