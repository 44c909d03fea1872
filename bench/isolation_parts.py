"""What each part of a run's isolation costs, measured inside the real jail.

A snippet cannot create namespaces in the jail's own user namespace (it has no
capability there), but it may create a user namespace of its own and, inside it,
every other kind: the same kernel work a run's isolation does. This program runs
as a snippet (through :class:`generator.sandbox.Sandbox`) and times, over many
forked children, fork+exit alone and then each part added on top of a user
namespace; wall and CPU (user + system of the children) per child, in ms.
"""

from __future__ import annotations

import sys
import time

from bench.measure import Figure

PROBE = r"""
import ctypes, os, resource, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
NS, UTS, IPC, USER, PID, NET = 0x20000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000
UID, GID = os.getuid(), os.getgid()
N = 1000

def check(ok, what):
    if ok != 0:
        raise OSError(ctypes.get_errno(), what)

def user():
    check(libc.unshare(USER), "user")
    maps = (("setgroups", "deny"), ("uid_map", f"{UID} {UID} 1"), ("gid_map", f"{GID} {GID} 1"))
    for name, text in maps:
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)

def mount(src, tgt, fs, flags, data=None):
    check(libc.mount(src, tgt, fs, flags, data), f"mount {tgt}")

def nothing(): pass
def mount_ns(): user(); check(libc.unshare(NS), "ns")
def private(): mount_ns(); mount(None, b"/", None, (1 << 14) | (1 << 18))
def tmpfs():
    mount_ns()
    mount(b"tmpfs", b"/tmp", b"tmpfs", 6, b"size=536870912")
    mount(b"tmpfs", b"/dev/shm", b"tmpfs", 14, b"size=67108864")
def ipc(): user(); check(libc.unshare(IPC), "ipc")
def uts(): user(); check(libc.unshare(UTS), "uts")
def net(): user(); check(libc.unshare(NET), "net")
def pid():
    user(); check(libc.unshare(PID), "pid")
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
def proc():
    user(); check(libc.unshare(PID | NS), "pid+ns")
    child = os.fork()
    if child == 0:
        mount(b"proc", b"/proc", b"proc", 14)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    check(status, "proc")
def limits():
    kinds = ("RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_NPROC")
    for kind in (getattr(resource, name) for name in kinds):
        resource.setrlimit(kind, resource.getrlimit(kind))

def measure(step):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for _ in range(N):
        child = os.fork()
        if child == 0:
            try:
                step()
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(child, 0)
        if status:
            raise SystemExit(f"{step.__name__} failed")
    wall = (time.perf_counter() - start) / N * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / N * 1000
    return wall, cpu

for step in (nothing, user, mount_ns, private, tmpfs, ipc, pid, proc, uts, net, limits):
    wall, cpu = measure(step)
    print(f"{step.__name__} {wall:.3f} {cpu:.3f}")
"""

#: What each measured step adds, and the step it is measured against.
_PARTS = (
    ("user", "nothing", "user namespace and its maps", "kept"),
    ("mount_ns", "user", "mount namespace", "kept (per-run /tmp, /dev/shm)"),
    ("private", "mount_ns", "making the copied tree private", "once per server, not per run"),
    ("tmpfs", "mount_ns", "two sized tmpfs (/tmp, /dev/shm)", "kept"),
    ("ipc", "user", "IPC namespace", "kept (SysV objects outlive processes)"),
    ("pid", "user", "pid namespace and its init", "kept (the run cannot see or signal the server)"),
    ("proc", "pid", "a /proc of the run's own (with its mount namespace)", "kept"),
    ("uts", "user", "UTS namespace", "dropped: no capability to change the jail's"),
    (
        "net",
        "user",
        "network namespace",
        "dropped: the jail has no network; nothing outlives the run",
    ),
    ("limits", "nothing", "rlimits", "kept"),
)


def measure() -> tuple[list[Figure], list[str]]:
    """The fork baseline as a figure, and a table of what each part adds (notes)."""
    from generator.sandbox import Limits, Sandbox

    with Sandbox(sys.executable) as box:
        started = time.perf_counter()
        run = box.run(PROBE, Limits(timeout=300))
        took = time.perf_counter() - started
    if run.returncode != 0:
        return [], [f"isolation parts: the probe failed: {run.stderr[-500:]}"]
    got: dict[str, tuple[float, float]] = {}
    for line in run.stdout.splitlines():
        name, *numbers = line.split()
        got[name] = (float(numbers[0]), float(numbers[1]))
    lines = [
        "What each part of a run's isolation adds, per run (ms; measured in the jail, "
        f"{took:.1f} s in all; wall is noisy on a busy machine, CPU less so):",
        "",
        "| part | wall ms | CPU ms | per run |",
        "| --- | ---: | ---: | --- |",
        f"| fork + exit of the server's child (baseline) | {got['nothing'][0]:.2f} | "
        f"{got['nothing'][1]:.2f} | kept |",
    ]
    for name, base, label, verdict in _PARTS:
        added = (got[name][0] - got[base][0], got[name][1] - got[base][1])
        lines.append(f"| {label} | {added[0]:+.2f} | {added[1]:+.2f} | {verdict} |")
    group = _cgroup_cost()
    if group is not None:
        lines.append(
            f"| the server's memory + pids cgroup, set per run (host side) | "
            f"{group:+.2f} | | kept (as root, cgroup v1) |"
        )
    return [], lines


def _cgroup_cost(count: int = 1000) -> float | None:
    """ms per run that qbank spends setting the run's cgroup limits and reading its OOM count."""
    from generator.sandbox import cgroup

    group = cgroup.Group.create() if cgroup.available() else None
    if group is None:
        return None
    try:
        started = time.perf_counter()
        for _ in range(count):
            group.limit(4 << 30, 512)
            group.oom_kills()
            group.oom_kills()
        return (time.perf_counter() - started) / count * 1000
    finally:
        group.remove()
