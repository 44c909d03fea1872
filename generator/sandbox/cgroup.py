"""A memory and pids cgroup per warm server, where the host lets qbank make one.

Rlimits bound each process; a cgroup bounds a run as a whole: every process
and thread it starts, and the memory they use, tmpfs pages included. qbank
makes one under its own cgroup (cgroup v1 ``memory`` and ``pids`` hierarchies,
as root), puts a server in it before the server runs anything, and sets the
limits before each run. Where that is not possible (not root, cgroup v2 without
delegation), :func:`Group.create` returns None and runs are bounded by rlimits
and sized tmpfs alone; the report says which.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import time
from pathlib import Path

_CONTROLLERS = ("memory", "pids")
_COUNTER = itertools.count()


@functools.cache
def _bases() -> dict[str, Path] | None:
    """Where qbank may make cgroups for each controller (its own cgroup), or None."""
    if os.geteuid() != 0:
        return None
    mine: dict[str, str] = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            for name in names.split(","):
                mine[name] = path
    except (OSError, ValueError):
        return None
    bases = {}
    for controller in _CONTROLLERS:
        root = Path("/sys/fs/cgroup") / controller
        if controller not in mine or not (root / "cgroup.procs").exists():
            return None
        bases[controller] = root / mine[controller].lstrip("/")
    return bases


def available() -> bool:
    """Whether runs get a memory and pids cgroup here (probed once: make one, remove it)."""
    group = Group.create()
    if group is None:
        return False
    group.remove()
    return True


class Group:
    """One server's cgroups (cgroup v1): ``memory`` and ``pids``."""

    def __init__(self, dirs: dict[str, Path]) -> None:
        self.dirs = dirs

    @classmethod
    def create(cls) -> Group | None:
        """A new empty group, or None when cgroups cannot be used here."""
        bases = _bases()
        if bases is None:
            return None
        name = f"qbank-{os.getpid()}-{next(_COUNTER)}"
        dirs: dict[str, Path] = {}
        try:
            for controller, base in bases.items():
                (base / name).mkdir()
                dirs[controller] = base / name
        except OSError:
            Group(dirs).remove()
            return None
        return cls(dirs)

    def _write(self, controller: str, name: str, value: str) -> None:
        (self.dirs[controller] / name).write_text(value)

    def _read(self, controller: str, name: str) -> str:
        return (self.dirs[controller] / name).read_text()

    def add(self, pid: int) -> None:
        """Move ``pid`` (and so everything it will start) into the group; raises OSError."""
        for controller in self.dirs:
            self._write(controller, "cgroup.procs", str(pid))

    def limit(self, memory_bytes: int, processes: int) -> None:
        """Memory above what the server itself uses now, and tasks above its own."""
        base_memory = int(self._read("memory", "memory.usage_in_bytes"))
        base_tasks = int(self._read("pids", "pids.current"))
        self._write("memory", "memory.limit_in_bytes", str(base_memory + memory_bytes))
        self._write("pids", "pids.max", str(base_tasks + processes))

    def oom_kills(self) -> int:
        """How many processes of the group the kernel has killed for memory so far."""
        for line in self._read("memory", "memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return int(self._read("memory", "memory.failcnt") != "0\n")

    def remove(self) -> None:
        """Remove the group once its processes are gone (waits briefly for the kernel)."""
        for path in self.dirs.values():
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
            with contextlib.suppress(OSError):
                path.rmdir()
